"""Reply templates the actions (and later the WeChat channel) fill in: Chinese text in one file."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

TEMPLATES = Path(__file__).with_name("replies.yml")


@lru_cache(maxsize=1)
def _templates() -> dict[str, str]:
    return yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))


def render(key: str, **values: object) -> str:
    """The template ``key`` filled with ``values`` (KeyError for an unknown key or missing value)."""
    return _templates()[key].format(**values)
