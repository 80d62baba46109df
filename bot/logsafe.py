"""Text from outside made safe for one log line (or one audit row): nothing in it can start a new line.

C0 and C1 control characters, DEL, the Unicode line and paragraph separators and the bidirectional
overrides (which make a line read differently from what it holds) are written as escapes; so is the
backslash, so that an escape in the log always stands for a character that was escaped.
"""
from __future__ import annotations

import itertools

_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x5C: "\\\\"}
_ESCAPES: dict[int, str] = {
    **{code: f"\\x{code:02x}" for code in itertools.chain(range(0x20), range(0x7F, 0xA0))},
    **{code: f"\\u{code:04x}" for code in itertools.chain((0x2028, 0x2029), range(0x202A, 0x202F),
                                                           range(0x2066, 0x206A))},
    **_NAMED,
}
CUT = "…"


def printable(text: str, limit: int = 300) -> str:
    """``text`` escaped, at most ``limit`` characters long; a shortened one ends with "…"."""
    pieces = [_ESCAPES.get(ord(char), char) for char in text[:limit + 1]]
    if sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    ends = itertools.accumulate(map(len, pieces))
    return "".join(piece for piece, end in zip(pieces, ends) if end < limit) + CUT
