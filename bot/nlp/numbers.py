"""Whole numbers as people type them: Arabic digits, Chinese numerals, or both ("5千", "一百二十", "两百")."""
from __future__ import annotations

import re
from typing import Optional

DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0, "俩": 2, "仨": 3}
UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
NUMERAL = r"[\d零〇一二两俩仨三四五六七八九十百千万]+"


def to_int(raw: str) -> Optional[int]:
    """The value of ``raw`` ("120", "一百二十", "十五", "3万", "两千五"), or None if it is not a number."""
    raw = raw.strip()
    if not raw or not re.fullmatch(NUMERAL, raw):
        return None
    if raw.isdigit():
        return int(raw)
    total, section, digit = 0, 0, None
    last_unit = 1
    for ch in re.findall(r"\d+|.", raw):
        if ch.isdigit():
            digit = int(ch)
        elif ch in DIGITS:
            digit = DIGITS[ch]
        elif ch != "万":
            last_unit = UNITS[ch]
            section += (1 if digit is None else digit) * last_unit
            digit = None
        else:  # 万
            total += (section + (digit or 0)) * 10_000
            section, digit, last_unit = 0, None, 10_000
    if digit is not None:  # "两千五" is 2500: a trailing digit counts in the unit below the last one
        section += digit * (last_unit // 10 if last_unit >= 100 and raw[-2:-1] in UNITS else 1)
    return total + section
