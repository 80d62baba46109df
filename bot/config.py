"""Settings read once from the environment; nothing else in the project reads os.environ.

| variable | default | meaning |
| --- | --- | --- |
| SYB_DATABASE_URL | sqlite:///<repo>/var/syb.db | SQLAlchemy URL of the application database |
| SYB_TRACKER_DB | <repo>/var/syb.db | SQLite file of Rasa's tracker store (same file as the application by default) |
| SYB_RASA_PORT | 5005 | Rasa server port |
| SYB_ACTIONS_PORT | 5055 | action server port |
| SYB_MODEL_DIR | <repo>/models | where trained models live |
| SYB_DICT_DIR | <repo>/var/jieba | generated jieba user dictionary folder |
| SYB_SERVICE_HOTLINE | 12345 | the city's service hotline given when nobody else fits |
| SYB_RASA_API_TOKEN | random per start | token of Rasa's HTTP API (`?token=`); the REST channel needs none |
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """All configuration of the application."""

    database_url: str
    tracker_db: Path
    rasa_port: int
    actions_port: int
    model_dir: Path
    dict_dir: Path
    service_hotline: str
    rasa_api_token: str

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Build settings from environment variables (see the module docstring)."""
        env = os.environ if env is None else env
        var = REPO_ROOT / "var"
        return cls(
            database_url=env.get("SYB_DATABASE_URL", f"sqlite:///{var / 'syb.db'}"),
            tracker_db=Path(env.get("SYB_TRACKER_DB", str(var / "syb.db"))),
            rasa_port=int(env.get("SYB_RASA_PORT", "5005")),
            actions_port=int(env.get("SYB_ACTIONS_PORT", "5055")),
            model_dir=Path(env.get("SYB_MODEL_DIR", str(REPO_ROOT / "models"))),
            dict_dir=Path(env.get("SYB_DICT_DIR", str(var / "jieba"))),
            service_hotline=env.get("SYB_SERVICE_HOTLINE", "12345"),
            rasa_api_token=env.get("SYB_RASA_API_TOKEN") or secrets.token_urlsafe(24),
        )

    def to_env(self) -> dict[str, str]:
        """The variables that reproduce these settings in a child process."""
        return {
            "SYB_DATABASE_URL": self.database_url,
            "SYB_TRACKER_DB": str(self.tracker_db),
            "SYB_RASA_PORT": str(self.rasa_port),
            "SYB_ACTIONS_PORT": str(self.actions_port),
            "SYB_MODEL_DIR": str(self.model_dir),
            "SYB_DICT_DIR": str(self.dict_dir),
            "SYB_SERVICE_HOTLINE": self.service_hotline,
            "SYB_RASA_API_TOKEN": self.rasa_api_token,
        }
