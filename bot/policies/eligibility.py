"""Whether an enterprise fits a policy's eligibility (docs/policy-format.md), why, and how well.

Every key a policy gives must hold: ``industries``, ``sizes``, ``districts`` (the enterprise's is one of
them), ``min_years``/``max_years`` (whole years since founding, inclusive) and ``tags`` (it holds at
least one). An empty list or a missing key restricts nothing. A policy not in force never fits.

The score depends on the policy only (every restriction it makes is met when it fits): each restriction
adds 10 to 20 points, more the narrower it is; a policy without restrictions fits everyone with less
than 1 point; newer policies get up to 1 point more.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Optional, Protocol, Sequence, Union

from bot.db.directory import DISTRICTS
from bot.db.policies import INDUSTRIES, SIZES, TAGS, Enterprise, Policy
from bot.nlp.text import DISTRICT_FORMS
from bot.policies.store import in_force

LIST_KEYS: tuple[tuple[str, int], ...] = (  # key, how many values it may take
    ("sizes", len(SIZES)), ("industries", len(INDUSTRIES)), ("districts", len(DISTRICTS)), ("tags", len(TAGS)))
WEIGHT = 10.0  # points of one restriction; up to twice that when it is narrow
YEARS_SPAN = 50  # a years range this wide (or wider) counts as the least specific
RECENT_DAYS = 730  # the recency bonus fades over this many days
SMALL_AND_MICRO = frozenset({"微型", "小型"})
QUALIFICATIONS = frozenset({"高新技术企业", "科技型中小企业", "专精特新企业"})  # "具有…资质"; other tags "属于…"


class Profile(Protocol):
    """What eligibility reads of an enterprise (an Enterprise row, or a lighter stand-in)."""

    industry: str
    size: str
    district: str
    founded_year: Optional[int]
    tags: Any


@dataclass(frozen=True)
class Fit:
    """An enterprise fits a policy: what matched (Chinese phrases) and how specific the policy is."""

    score: float
    reasons: list[str] = field(default_factory=list)


def values(rules: Mapping[str, Any], key: str) -> frozenset[str]:
    """The values an eligibility list key allows (empty: no restriction)."""
    raw = rules.get(key) or ()
    if isinstance(raw, str):
        raw = [raw]
    found = {str(v).strip() for v in raw if str(v).strip()}
    return frozenset(DISTRICT_FORMS.get(v, v) for v in found) if key == "districts" else frozenset(found)


def year_bounds(rules: Mapping[str, Any]) -> tuple[Optional[int], Optional[int]]:
    """(min_years, max_years); None where the policy gives no bound."""
    def bound(key: str) -> Optional[int]:
        raw = rules.get(key)
        return None if raw is None or raw == "" else int(raw)
    return bound("min_years"), bound("max_years")


def district_of(enterprise_district: Optional[str]) -> str:
    """The full district name (enterprises may be registered with the short form, e.g. 浑南)."""
    name = (enterprise_district or "").strip()
    return DISTRICT_FORMS.get(name, name)


def specificity(rules: Mapping[str, Any]) -> float:
    """Points for the restrictions a policy makes: narrower restrictions count more."""
    score = 0.0
    for key, universe in LIST_KEYS:
        allowed = values(rules, key)
        if allowed:
            score += WEIGHT * (1 + max(0, universe - len(allowed)) / universe)
    low, high = year_bounds(rules)
    if low is not None or high is not None:
        start = low or 0
        width = (high if high is not None else start + YEARS_SPAN) - start
        score += WEIGHT * (1 + max(0, YEARS_SPAN - width) / YEARS_SPAN)
    return score


def recency(policy: Policy, today: date) -> float:
    """Up to 1 point for a recently issued policy."""
    age = (today - policy.issued_on).days
    return max(0.0, min(1.0, 1 - age / RECENT_DAYS))


def policy_score(policy: Policy, today: date) -> float:
    """The score of any enterprise that fits ``policy`` on ``today``."""
    return round(specificity(policy.eligibility or {}) + recency(policy, today), 4)


def years_since(founded_year: Optional[int], today: date) -> Optional[int]:
    """Whole years since founding, by calendar year; None when the year is unknown."""
    return None if founded_year is None else today.year - int(founded_year)


def _size_reason(size: str, allowed: frozenset[str]) -> str:
    """E.g. 属于小型企业; 属于小微企业 when the policy is for both small and micro enterprises."""
    if size in SMALL_AND_MICRO and SMALL_AND_MICRO <= allowed:
        return "属于小微企业"
    return f"属于{size}企业"


def _tag_reasons(held: Sequence[str]) -> list[str]:
    """E.g. 具有高新技术企业资质 for qualifications, 属于个体工商户 for the other tags."""
    qualified = [t for t in held if t in QUALIFICATIONS]
    other = [t for t in held if t not in QUALIFICATIONS]
    reasons = [f"具有{'、'.join(qualified)}资质"] if qualified else []
    if other:
        reasons.append(f"属于{'、'.join(other)}")
    return reasons


def check(policy: Policy, enterprise: Union[Enterprise, Profile], today: date) -> Optional[Fit]:
    """How ``enterprise`` fits ``policy`` on ``today``; None when it does not (or the policy is not in force)."""
    if not in_force(policy, today):
        return None
    rules = policy.eligibility or {}
    reasons: list[str] = []
    sizes = values(rules, "sizes")
    if sizes:
        if enterprise.size not in sizes:
            return None
        reasons.append(_size_reason(enterprise.size, sizes))
    industries = values(rules, "industries")
    if industries:
        if enterprise.industry not in industries:
            return None
        reasons.append(f"属于{enterprise.industry}")
    districts = values(rules, "districts")
    if districts:
        district = district_of(enterprise.district)
        if district not in districts:
            return None
        reasons.append(f"位于{district}")
    low, high = year_bounds(rules)
    if low is not None or high is not None:
        years = years_since(enterprise.founded_year, today)
        if years is None or (low is not None and years < low) or (high is not None and years > high):
            return None
        reasons.append(f"成立{years}年" if years > 0 else "成立不满1年")
    tags = values(rules, "tags")
    if tags:
        held = [t for t in (enterprise.tags or []) if t in tags]
        if not held:
            return None
        reasons.extend(_tag_reasons(list(dict.fromkeys(held))))
    return Fit(policy_score(policy, today), reasons)


def reason_text(fit: Fit) -> str:
    """The reasons as one sentence, e.g. "贵公司属于小微企业、位于浑南区"."""
    if not fit.reasons:
        return "本政策面向各类企业，不限条件"
    separator = "，" if any("、" in r for r in fit.reasons) else "、"
    return "贵公司" + separator.join(fit.reasons)
