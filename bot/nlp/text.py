"""Text normalisation shared by directory search, policy search and the NLU data builders."""
from __future__ import annotations

import re
import unicodedata

from bot.db.directory import DISTRICTS

# What people type for each district: the full name and the name without its suffix.
DISTRICT_FORMS: dict[str, str] = {}
for _full in DISTRICTS:
    DISTRICT_FORMS[_full] = _full
    _short = re.sub(r"(新区|区|市|县)$", "", _full)
    DISTRICT_FORMS.setdefault(_short, _full)
DISTRICT_FORMS["沈北"] = "沈北新区"
# Former names people still use: 东陵区 became 浑南区 (2014), 新城子区 沈北新区 (2006), 辽中县 辽中区
# (2016); the economic and technological development zone (经开区) lies in 铁西区.
DISTRICT_FORMS.update({
    "东陵区": "浑南区", "浑南新区": "浑南区", "新城子区": "沈北新区", "新城子": "沈北新区", "辽中县": "辽中区",
    "经开区": "铁西区", "经济技术开发区": "铁西区", "铁西新区": "铁西区",
})
# Each district's name without its suffix (和平区 → 和平, 沈北新区 → 沈北).
DISTRICT_SHORT: dict[str, str] = {full: re.sub(r"(新区|区|市|县)$", "", full) for full in DISTRICTS}
_DISTRICT_RE = re.compile("|".join(sorted(map(re.escape, DISTRICT_FORMS), key=len, reverse=True)))

_KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), lower case, and only CJK, letters and digits kept."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(_KEEP.findall(text))


def find_district(text: str) -> "str | None":
    """The first district named in ``text`` (full or short form), as its full name."""
    match = _DISTRICT_RE.search(text or "")
    return DISTRICT_FORMS[match.group(0)] if match else None


def canonical_district(value: "str | None") -> "str | None":
    """Map an entity value such as 浑南 or 浑南区的 to 浑南区; None when it is no district."""
    return find_district(value) if value else None


def bigrams(text: str) -> list[str]:
    """Character bigrams of the CJK runs of ``text`` (the key to typo-tolerant matching)."""
    out: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fff]+|[a-z0-9]+", text):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out
