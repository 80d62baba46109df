"""Text from outside cannot forge a log line: controls and separators are escaped, length is capped."""
from __future__ import annotations

import pytest

from bot.logsafe import printable


@pytest.mark.parametrize("text, shown", [
    ("/console/login\n127.0.0.1 GET /admin 200", "/console/login\\n127.0.0.1 GET /admin 200"),
    ("a\r\nb\tc", "a\\r\\nb\\tc"),
    ("nul\x00 esc\x1b[31m del\x7f", "nul\\x00 esc\\x1b[31m del\\x7f"),
    ("c1\x85\x9b", "c1\\x85\\x9b"),
    ("line\u2028para\u2029", "line\\u2028para\\u2029"),
    ("bidi\u202eevil\u2066", "bidi\\u202eevil\\u2066"),
    ("back\\n slash", "back\\\\n slash"),  # a typed backslash cannot pass for an escape
    ("沈阳市营商环境建设局 ✓ 😀", "沈阳市营商环境建设局 ✓ 😀"),
])
def test_escapes(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert len(shown.splitlines()) <= 1


def test_the_limit_counts_what_is_written_and_never_splits_an_escape() -> None:
    assert printable("x" * 10, 10) == "x" * 10
    assert printable("x" * 11, 10) == "x" * 9 + "…"
    assert printable("abcdefgh\n\n", 10) == "abcdefgh…"  # no room for "\\n" and "…" both
    assert printable("\n" * 1000, 9) == "\\n" * 4 + "…"
    assert len(printable("\x00" * 10_000)) <= 300
