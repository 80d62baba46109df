"""The house rule that keeps business logic free of Rasa: only bot/channels/ imports it."""
from __future__ import annotations

import re

from bot.config import REPO_ROOT

RASA_IMPORT = re.compile(r"^\s*(from|import)\s+rasa(_sdk)?\b", re.MULTILINE)


def test_only_the_rasa_plug_ins_import_rasa() -> None:
    bot = REPO_ROOT / "bot"
    offenders = [str(path.relative_to(REPO_ROOT)) for path in sorted(bot.rglob("*.py"))
                 if path.parent != bot / "channels" and RASA_IMPORT.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
    assert RASA_IMPORT.search((bot / "channels" / "tracker_store.py").read_text(encoding="utf-8"))
