"""Star counts as users write them: 五星, 5分, 三颗星, 两星, 满分, 打4 — only 1 to 5 count, and only from a
star expression: the numbers in "评个价", "一会就办完了" or "办了3次" are not stars."""
from __future__ import annotations

import re
from typing import Optional

_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUMERAL = r"([0-9０-９]+|[一二两三四五六七八九十]+)"
_STARS = re.compile(_NUMERAL + r"\s*(?:颗|个)?\s*(?:星|分(?!钟))|满分|打\s*" + _NUMERAL + r"(?![0-9０-９次回遍个天])")
_BARE = re.compile(r"\s*" + _NUMERAL + r"\s*(?:颗|个)?\s*(?:星|分)?[。.！!]?\s*")
_RIGHT_AFTER = re.compile(r"[\s：:是给打]*" + _NUMERAL + r"(?![\u4e00-\u9fff])")  # "态度5 业务4"


def _number(token: str) -> Optional[int]:
    token = token.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if token.isdigit():
        return int(token)
    if len(token) == 1:
        return _CN.get(token)
    if token.startswith("十"):  # 十一 ...
        return 10 + _CN.get(token[1:], 0)
    return None


def _value(match: "re.Match[str]") -> Optional[int]:
    if match.group(0) == "满分":
        return 5
    value = _number(next(g for g in match.groups() if g))
    return value if value is not None and 1 <= value <= 5 else None


def parse_stars(text: str) -> Optional[int]:
    """The star count 1–5 of the first star expression in ``text``; None when there is none or it is out
    of range (e.g. 十星)."""
    match = _STARS.search(text or "")
    return _value(match) if match else None


def bare_stars(text: str) -> Optional[int]:
    """A message that is only a number ("5", "四", "3星"): stars when stars were asked, 1–5 only."""
    match = _BARE.fullmatch(text or "")
    return _value(match) if match else None


_DIMENSIONS = {
    "attitude": ("服务态度", "态度", "服务"),
    "proficiency": ("熟练程度", "业务熟练", "熟练度", "熟练", "业务能力", "业务", "专业", "能力", "效率"),
}
_DIMENSION_WORD = re.compile("|".join(sorted((w for ws in _DIMENSIONS.values() for w in ws), key=len, reverse=True)))


def parse_dimension_stars(text: str) -> dict[str, Optional[int]]:
    """Stars per dimension: "态度五星业务三星" → both; "都五星" / a bare "四星" → both the same.

    A dimension named with an out-of-range count (e.g. "态度十星") maps to None, so the form re-asks.
    """
    text = text or ""
    found: dict[str, Optional[int]] = {}
    matches = list(_DIMENSION_WORD.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        key = next(k for k, words in _DIMENSIONS.items() if match.group(0) in words)
        segment = text[match.end():end]
        said = _STARS.search(segment) or _RIGHT_AFTER.match(segment)
        if said:
            found.setdefault(key, _value(said))
    if not found and _STARS.search(text):
        value = parse_stars(text)
        found = {"attitude": value, "proficiency": value}
    return found


_SAID_STARS = re.compile("(?:" + _DIMENSION_WORD.pattern + r")?[\s：:是给打也都]*(?:" + _STARS.pattern + ")"
                         "|(?:" + _DIMENSION_WORD.pattern + r")[\s：:是给打]*" + _NUMERAL + r"(?![\u4e00-\u9fff])")


def without_stars(text: str) -> str:
    """What a message says besides its stars: "态度五星，小姑娘挺热情" → "小姑娘挺热情"."""
    return re.sub(r"^[\s，,。.！!、；;]+|[\s，,。.！!、；;]+$", "", _SAID_STARS.sub(" ", text or "")).strip()


def names_dimension(text: str) -> bool:
    """The text names 服务态度 or 熟练程度 in some words ("态度", "业务", "效率")."""
    return bool(_DIMENSION_WORD.search(text or ""))
