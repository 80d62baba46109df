"""Settings read once from the environment; nothing else in the project reads os.environ.

Every secret (marked *) may instead be read from a file: ``<VARIABLE>_FILE=/run/secrets/…`` (its
content, stripped). Secrets are never put on a command line. With ``SYB_ENV=production`` (or
``WECHAT_API_BASE`` at api.weixin.qq.com) the local chat page and sandbox are off, the REST channel
is off unless ``SYB_REST_SECRET`` is set, and the servers refuse to start while a secret has its
default value (``Settings.production_problems``).

| variable | default | meaning |
| --- | --- | --- |
| SYB_ENV | local | ``production``: the safe profile above |
| SYB_DATABASE_URL | sqlite:///<repo>/var/syb.db | SQLAlchemy URL of the application database |
| SYB_TRACKER_URL | SYB_DATABASE_URL | SQLAlchemy URL of Rasa's tracker store (the application's database by default) |
| SYB_SESSION_MAX_EVENTS | 150 | a conversation session this long starts anew (slots kept) once nothing is in progress |
| SYB_REDIS_URL | (empty) | redis://host:port/db for Rasa's lock store; needed for more than one Rasa worker |
| SYB_RASA_WORKERS | 1 | Rasa server worker processes (Sanic); more than 1 needs SYB_REDIS_URL |
| SYB_RASA_HOST | 127.0.0.1 | address the Rasa server (WeChat webhook) listens on; publish it through a reverse proxy |
| SYB_RASA_PORT | 5005 | Rasa server port |
| SYB_ACTIONS_HOST | 127.0.0.1 | address the action server listens on (loopback, or a private address) |
| SYB_ACTIONS_PORT | 5055 | action server port |
| SYB_ACTIONS_TOKEN* | random per start | shared secret Rasa sends the action server (header ``X-SYB-Token``) |
| SYB_MODEL_DIR | <repo>/models | where trained models live |
| SYB_DICT_DIR | <repo>/var/jieba | generated jieba user dictionary folder |
| SYB_SERVICE_HOTLINE | 12345 | the city's service hotline given when nobody else fits |
| SYB_RASA_API_TOKEN* | random per start | token of Rasa's HTTP API (`?token=`) |
| SYB_REST_SECRET* | (empty) | REST channel: ``Authorization: Bearer <secret>`` required when set; production without it: REST off |
| SYB_WEB_PORT | 8080 | web app: local chat page, service cards, WeChat sandbox API |
| SYB_PUBLIC_URL | http://127.0.0.1:<SYB_WEB_PORT> | public base URL of the web app (links in cards and replies) |
| SYB_OFFICE_HOURS | 09:00-12:00,13:00-17:00 | when human agents answer, on China's working days |
| SYB_CONSOLE_IDLE_MINUTES | 30 | web console: a session ends after this many minutes without a request |
| SYB_CONSOLE_MAX_HOURS | 8 | web console: a session ends this many hours after login, however active |
| SYB_CONSOLE_SECRET* | random per start | web console: key signing the sign-in form's CSRF token (set it to keep forms valid across restarts) |
| SYB_NOTIFY_INTERVAL | 15 | seconds between the web app's runs sending complaint changes to complainants (0: off) |
| SYB_PUSH_INTERVAL | 600 | seconds between the web app's runs pushing new policies to subscribers (0: off) |
| SYB_PUSH_QUIET_HOURS | 22:00-08:00 | Beijing time when no policy is pushed (empty: none) |
| SYB_PUSH_DAILY_CAP | 3 | at most this many policies pushed to one user per Beijing calendar day |
| WECHAT_TOKEN* | syb-local-token | the Official Account's server token (signatures) |
| WECHAT_APP_ID | wx00000000000local | AppID |
| WECHAT_APP_SECRET* | local-secret | AppSecret (access_token) |
| WECHAT_ENCODING_AES_KEY* | (empty: plaintext mode) | 43-character EncodingAESKey; set for compatible/safe mode |
| WECHAT_PREVIOUS_AES_KEY* | (empty) | the key before a rotation, still accepted for a while |
| WECHAT_API_BASE | <SYB_PUBLIC_URL>/sandbox | WeChat API base URL; production: https://api.weixin.qq.com |
| WECHAT_PASSIVE_ONLY | 0 | 1 for an uncertified account: no customer-service API, answers only passively |
| WECHAT_TEMPLATE_COMPLAINT | (empty) | template id for complaint updates outside WeChat's 48-hour window |
| WECHAT_REPLY_BUDGET | 4.5 | seconds to answer passively before replying `success` and sending later |
| SYB_MAX_MESSAGE_CHARS | 1000 | a message longer than this is cut before NLU (metadata ``overlong``: its full length) |
| SYB_MESSAGE_RATE | 20/60 | at most this many messages per sender (OpenID, REST sender, address) per this many seconds |
"""
from __future__ import annotations

import functools
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WECHAT_TOKEN = "syb-local-token"
DEFAULT_APP_ID = "wx00000000000local"
DEFAULT_APP_SECRET = "local-secret"
REAL_WECHAT_API = "api.weixin.qq.com"


@dataclass(frozen=True)
class Settings:
    """All configuration of the application."""

    env: str
    database_url: str
    tracker_url: str
    session_max_events: int
    redis_url: str
    rasa_workers: int
    rasa_host: str
    rasa_port: int
    actions_host: str
    actions_port: int
    actions_token: str
    model_dir: Path
    dict_dir: Path
    service_hotline: str
    rasa_api_token: str
    rest_secret: str
    web_port: int
    public_url: str
    office_hours: str
    console_idle_minutes: int
    console_max_hours: int
    console_secret: str
    console_secret_random: bool  # not configured: a random key for this process
    notify_interval: float
    push_interval: float
    push_quiet_hours: str
    push_daily_cap: int
    wechat_token: str
    wechat_app_id: str
    wechat_app_secret: str
    wechat_aes_key: str
    wechat_previous_aes_key: str
    wechat_api_base: str
    wechat_passive_only: bool
    wechat_reply_budget: float
    wechat_template_complaint: str
    max_message_chars: int
    message_rate: tuple[int, float]

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Build settings from environment variables (see the module docstring)."""
        env = os.environ if env is None else env
        secret = functools.partial(_secret, env)
        var = REPO_ROOT / "var"
        web_port = int(env.get("SYB_WEB_PORT", "8080"))
        public_url = env.get("SYB_PUBLIC_URL", f"http://127.0.0.1:{web_port}").rstrip("/")
        database_url = env.get("SYB_DATABASE_URL", f"sqlite:///{var / 'syb.db'}")
        return cls(
            env=env.get("SYB_ENV", "local").strip().lower() or "local",
            database_url=database_url,
            tracker_url=env.get("SYB_TRACKER_URL", database_url),
            session_max_events=int(env.get("SYB_SESSION_MAX_EVENTS", "150")),
            redis_url=env.get("SYB_REDIS_URL", ""),
            rasa_workers=int(env.get("SYB_RASA_WORKERS", "1")),
            rasa_host=env.get("SYB_RASA_HOST", "127.0.0.1"),
            rasa_port=int(env.get("SYB_RASA_PORT", "5005")),
            actions_host=env.get("SYB_ACTIONS_HOST", "127.0.0.1"),
            actions_port=int(env.get("SYB_ACTIONS_PORT", "5055")),
            actions_token=secret("SYB_ACTIONS_TOKEN") or secrets.token_urlsafe(24),
            model_dir=Path(env.get("SYB_MODEL_DIR", str(REPO_ROOT / "models"))),
            dict_dir=Path(env.get("SYB_DICT_DIR", str(var / "jieba"))),
            service_hotline=env.get("SYB_SERVICE_HOTLINE", "12345"),
            rasa_api_token=secret("SYB_RASA_API_TOKEN") or secrets.token_urlsafe(24),
            rest_secret=secret("SYB_REST_SECRET"),
            web_port=web_port,
            public_url=public_url,
            office_hours=env.get("SYB_OFFICE_HOURS", "09:00-12:00,13:00-17:00"),
            console_idle_minutes=int(env.get("SYB_CONSOLE_IDLE_MINUTES", "30")),
            console_max_hours=int(env.get("SYB_CONSOLE_MAX_HOURS", "8")),
            console_secret=secret("SYB_CONSOLE_SECRET") or secrets.token_urlsafe(32),
            console_secret_random=not secret("SYB_CONSOLE_SECRET"),
            notify_interval=float(env.get("SYB_NOTIFY_INTERVAL", "15")),
            push_interval=float(env.get("SYB_PUSH_INTERVAL", "600")),
            push_quiet_hours=env.get("SYB_PUSH_QUIET_HOURS", "22:00-08:00"),
            push_daily_cap=int(env.get("SYB_PUSH_DAILY_CAP", "3")),
            wechat_token=secret("WECHAT_TOKEN") or DEFAULT_WECHAT_TOKEN,
            wechat_app_id=env.get("WECHAT_APP_ID", DEFAULT_APP_ID),
            wechat_app_secret=secret("WECHAT_APP_SECRET") or DEFAULT_APP_SECRET,
            wechat_aes_key=secret("WECHAT_ENCODING_AES_KEY"),
            wechat_previous_aes_key=secret("WECHAT_PREVIOUS_AES_KEY"),
            wechat_api_base=env.get("WECHAT_API_BASE", f"{public_url}/sandbox").rstrip("/"),
            wechat_passive_only=env.get("WECHAT_PASSIVE_ONLY", "0") == "1",
            wechat_reply_budget=float(env.get("WECHAT_REPLY_BUDGET", "4.5")),
            wechat_template_complaint=env.get("WECHAT_TEMPLATE_COMPLAINT", ""),
            max_message_chars=int(env.get("SYB_MAX_MESSAGE_CHARS", "1000")),
            message_rate=_rate(env.get("SYB_MESSAGE_RATE", "20/60")),
        )

    @property
    def production(self) -> bool:
        """The safe profile: SYB_ENV=production, or the real WeChat API configured."""
        return self.env == "production" or urlsplit(self.wechat_api_base).hostname == REAL_WECHAT_API

    @property
    def local_wechat(self) -> bool:
        """The local WeChat sandbox and the chat page that signs messages as any user are served."""
        return not self.production and self.wechat_api_base == self.public_url + "/sandbox"

    def production_problems(self) -> list[str]:
        """What keeps the production profile from starting (Chinese, one line each); empty when safe."""
        if not self.production:
            return []
        problems = []
        if self.wechat_token == DEFAULT_WECHAT_TOKEN:
            problems.append("WECHAT_TOKEN 仍是默认值，请设置为公众号后台配置的令牌")
        if self.wechat_app_id == DEFAULT_APP_ID:
            problems.append("WECHAT_APP_ID 仍是默认值，请设置为公众号的 AppID")
        if self.wechat_app_secret == DEFAULT_APP_SECRET:
            problems.append("WECHAT_APP_SECRET 仍是默认值，请设置为公众号的 AppSecret")
        if len(self.wechat_aes_key) != 43:
            problems.append("WECHAT_ENCODING_AES_KEY 未设置（应为 43 位）：生产环境请使用安全模式或兼容模式")
        if not self.wechat_api_base.startswith("https://") or self.wechat_api_base == self.public_url + "/sandbox":
            problems.append(f"WECHAT_API_BASE 应为 https://{REAL_WECHAT_API}（或经由的 HTTPS 代理）")
        if not self.public_url.startswith("https://"):
            problems.append("SYB_PUBLIC_URL 应为 https:// 开头的公网地址")
        if self.console_secret_random:
            problems.append("SYB_CONSOLE_SECRET 未设置：每次重启都会使工作台的登录表单失效，多个进程间也不一致")
        problems += [f"{name} 太短（至少 16 个字符）" for name, value in (
            ("SYB_REST_SECRET", self.rest_secret), ("SYB_ACTIONS_TOKEN", self.actions_token),
            ("SYB_RASA_API_TOKEN", self.rasa_api_token), ("SYB_CONSOLE_SECRET", self.console_secret)) if value and len(value) < 16]
        return problems

    def endpoints_env(self) -> dict[str, str]:
        """The variables endpoints.yml reads: action server, tracker store, lock store, workers."""
        if self.rasa_workers > 1 and not self.redis_url:
            raise ValueError("SYB_RASA_WORKERS > 1 needs SYB_REDIS_URL (Rasa's lock store must be shared)")
        redis = urlsplit(self.redis_url) if self.redis_url else None
        return {
            "SYB_ACTIONS_URL": f"http://{connectable(self.actions_host)}:{self.actions_port}/webhook",
            "SYB_TRACKER_URL": self.tracker_url,
            "SYB_SESSION_MAX_EVENTS": str(self.session_max_events),
            "SYB_LOCK_STORE": "redis" if redis else "in_memory",
            "SYB_REDIS_HOST": (redis.hostname or "127.0.0.1") if redis else "",
            "SYB_REDIS_PORT": str(redis.port or 6379) if redis else "6379",
            "SYB_REDIS_DB": (redis.path.strip("/") or "0") if redis else "0",
            "SANIC_WORKERS": str(self.rasa_workers),
        }

    def to_env(self) -> dict[str, str]:
        """The variables that reproduce these settings in a child process."""
        return {
            "SYB_ENV": self.env,
            "SYB_DATABASE_URL": self.database_url,
            "SYB_TRACKER_URL": self.tracker_url,
            "SYB_SESSION_MAX_EVENTS": str(self.session_max_events),
            "SYB_REDIS_URL": self.redis_url,
            "SYB_RASA_WORKERS": str(self.rasa_workers),
            "SYB_RASA_HOST": self.rasa_host,
            "SYB_RASA_PORT": str(self.rasa_port),
            "SYB_ACTIONS_HOST": self.actions_host,
            "SYB_ACTIONS_PORT": str(self.actions_port),
            "SYB_ACTIONS_TOKEN": self.actions_token,
            "SYB_MODEL_DIR": str(self.model_dir),
            "SYB_DICT_DIR": str(self.dict_dir),
            "SYB_SERVICE_HOTLINE": self.service_hotline,
            "SYB_RASA_API_TOKEN": self.rasa_api_token,
            "SYB_REST_SECRET": self.rest_secret,
            "SYB_WEB_PORT": str(self.web_port),
            "SYB_PUBLIC_URL": self.public_url,
            "SYB_OFFICE_HOURS": self.office_hours,
            "SYB_CONSOLE_IDLE_MINUTES": str(self.console_idle_minutes),
            "SYB_CONSOLE_MAX_HOURS": str(self.console_max_hours),
            "SYB_CONSOLE_SECRET": self.console_secret,
            "SYB_NOTIFY_INTERVAL": str(self.notify_interval),
            "SYB_PUSH_INTERVAL": str(self.push_interval),
            "SYB_PUSH_QUIET_HOURS": self.push_quiet_hours,
            "SYB_PUSH_DAILY_CAP": str(self.push_daily_cap),
            "WECHAT_TOKEN": self.wechat_token,
            "WECHAT_APP_ID": self.wechat_app_id,
            "WECHAT_APP_SECRET": self.wechat_app_secret,
            "WECHAT_ENCODING_AES_KEY": self.wechat_aes_key,
            "WECHAT_PREVIOUS_AES_KEY": self.wechat_previous_aes_key,
            "WECHAT_API_BASE": self.wechat_api_base,
            "WECHAT_PASSIVE_ONLY": "1" if self.wechat_passive_only else "0",
            "WECHAT_REPLY_BUDGET": str(self.wechat_reply_budget),
            "WECHAT_TEMPLATE_COMPLAINT": self.wechat_template_complaint,
            "SYB_MAX_MESSAGE_CHARS": str(self.max_message_chars),
            "SYB_MESSAGE_RATE": f"{self.message_rate[0]}/{self.message_rate[1]:g}",
        }


def _rate(value: str) -> tuple[int, float]:
    """"20/60" -> (20, 60.0): that many events per that many seconds."""
    count, _, seconds = value.partition("/")
    return int(count), float(seconds or "60")


def _secret(env: Mapping[str, str], name: str) -> str:
    """A secret from ``name`` or from the file ``name``_FILE names ("" when neither is set)."""
    path = env.get(f"{name}_FILE", "")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValueError(f"无法读取 {name}_FILE 指定的文件 {path}：{exc.strerror}") from None
    return env.get(name, "")


def connectable(host: str) -> str:
    """Where to reach a server that listens on ``host`` (all interfaces: this machine's loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else f"[{host}]" if ":" in host else host
