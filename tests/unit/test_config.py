"""Settings: the production profile refuses default secrets; secrets may come from files."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings

SAFE = {
    "SYB_ENV": "production",
    "WECHAT_TOKEN": "a-real-token-from-mp-weixin",
    "WECHAT_APP_ID": "wx1234567890abcdef",
    "WECHAT_APP_SECRET": "0123456789abcdef0123456789abcdef",
    "WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "WECHAT_API_BASE": "https://api.weixin.qq.com",
    "SYB_PUBLIC_URL": "https://syb.example.gov.cn",
    "SYB_CONSOLE_SECRET": "a-long-console-signing-key-0123456789",
}


def test_local_settings_are_not_production() -> None:
    settings = Settings.from_env({})
    assert not settings.production and settings.local_wechat and settings.production_problems() == []
    assert settings.rasa_host == "127.0.0.1" and settings.actions_host == "127.0.0.1"
    assert settings.actions_token != Settings.from_env({}).actions_token  # random per start


def test_production_with_real_secrets_is_accepted() -> None:
    settings = Settings.from_env(SAFE)
    assert settings.production and not settings.local_wechat
    assert settings.production_problems() == []


@pytest.mark.parametrize("name", ["WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_ENCODING_AES_KEY",
                                  "WECHAT_API_BASE", "SYB_PUBLIC_URL", "SYB_CONSOLE_SECRET"])
def test_production_refuses_each_default(name: str) -> None:
    env = {k: v for k, v in SAFE.items() if k != name}
    problems = Settings.from_env(env).production_problems()
    assert len(problems) == 1 and name in problems[0]


def test_the_real_wechat_api_means_production_even_without_syb_env() -> None:
    settings = Settings.from_env({"WECHAT_API_BASE": "https://api.weixin.qq.com"})
    assert settings.production and not settings.local_wechat
    assert any("WECHAT_TOKEN" in p for p in settings.production_problems())


def test_short_shared_secrets_are_refused() -> None:
    problems = Settings.from_env({**SAFE, "SYB_REST_SECRET": "short"}).production_problems()
    assert problems == ["SYB_REST_SECRET 太短（至少 16 个字符）"]


def test_secrets_are_read_from_files(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("token-from-a-file\n", encoding="utf-8")
    (tmp_path / "rest").write_text("rest-secret-from-a-file-0123", encoding="utf-8")
    settings = Settings.from_env({**SAFE, "WECHAT_TOKEN_FILE": str(tmp_path / "token"),
                                  "SYB_REST_SECRET_FILE": str(tmp_path / "rest")})
    assert settings.wechat_token == "token-from-a-file"
    assert settings.rest_secret == "rest-secret-from-a-file-0123"


def test_a_missing_secret_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="WECHAT_APP_SECRET_FILE"):
        Settings.from_env({"WECHAT_APP_SECRET_FILE": str(tmp_path / "absent")})


def test_settings_survive_the_trip_through_a_child_environment() -> None:
    settings = Settings.from_env({**SAFE, "SYB_MESSAGE_RATE": "7/30", "SYB_RASA_HOST": "10.0.0.5"})
    assert Settings.from_env(settings.to_env()) == settings
