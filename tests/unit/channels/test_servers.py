"""The Rasa server's command line, read by Rasa's own parser."""
from __future__ import annotations

from pathlib import Path

from rasa.__main__ import create_argument_parser

from bot.channels.servers import rasa_arguments
from bot.config import Settings


def test_a_token_that_begins_with_a_dash_reaches_rasa_whole(tmp_path: Path) -> None:
    (tmp_path / "20261207-000000.tar.gz").write_bytes(b"")
    settings = Settings.from_env({"SYB_RASA_API_TOKEN": "-Qx3_generated-token", "SYB_MODEL_DIR": str(tmp_path),
                                  "SYB_RASA_PORT": "5999"})
    parsed = create_argument_parser().parse_args(rasa_arguments(settings))
    assert parsed.auth_token == "-Qx3_generated-token"
    assert parsed.port == 5999 and parsed.enable_api
    assert Path(parsed.model) == tmp_path / "20261207-000000.tar.gz"
