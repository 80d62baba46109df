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


def years_since(founded_year: Optional[int], today: date) -> Optional[int]:
    """Whole years since founding, by calendar year; None when the year is unknown."""
    return None if founded_year is None else today.year - int(founded_year)


@dataclass(frozen=True)
class Rules:
    """A policy's eligibility, parsed once (empty sets and None bounds restrict nothing)."""

    sizes: frozenset[str]
    industries: frozenset[str]
    districts: frozenset[str]
    tags: frozenset[str]
    min_years: Optional[int]
    max_years: Optional[int]

    @classmethod
    def parse(cls, eligibility: Optional[Mapping[str, Any]]) -> "Rules":
        """The rules of a policy's ``eligibility`` mapping (docs/policy-format.md)."""
        rules = eligibility or {}
        low, high = year_bounds(rules)
        return cls(values(rules, "sizes"), values(rules, "industries"), values(rules, "districts"),
                   values(rules, "tags"), low, high)

    @property
    def restricts_years(self) -> bool:
        return self.min_years is not None or self.max_years is not None

    def allows_years(self, years: Optional[int]) -> bool:
        """Whether an enterprise founded ``years`` ago (None: unknown) meets the years bounds."""
        if not self.restricts_years:
            return True
        return years is not None and (self.min_years is None or years >= self.min_years) \
            and (self.max_years is None or years <= self.max_years)

    def specificity(self) -> float:
        """Points for the restrictions made: narrower restrictions count more."""
        score = 0.0
        for key, universe in LIST_KEYS:
            allowed: frozenset[str] = getattr(self, key)
            if allowed:
                score += WEIGHT * (1 + max(0, universe - len(allowed)) / universe)
        if self.restricts_years:
            start = self.min_years or 0
            width = (self.max_years if self.max_years is not None else start + YEARS_SPAN) - start
            score += WEIGHT * (1 + max(0, YEARS_SPAN - width) / YEARS_SPAN)
        return score

    def reasons(self, enterprise: Union[Enterprise, Profile], today: date) -> Optional[list[str]]:
        """What of ``enterprise`` meets each restriction; None when one is not met."""
        found: list[str] = []
        if self.sizes:
            if enterprise.size not in self.sizes:
                return None
            found.append(_size_reason(enterprise.size, self.sizes))
        if self.industries:
            if enterprise.industry not in self.industries:
                return None
            found.append(f"属于{enterprise.industry}")
        if self.districts:
            district = district_of(enterprise.district)
            if district not in self.districts:
                return None
            found.append(f"位于{district}")
        if self.restricts_years:
            years = years_since(enterprise.founded_year, today)
            if not self.allows_years(years):
                return None
            found.append(f"成立{years}年" if years else "成立不满1年")
        if self.tags:
            held = [t for t in dict.fromkeys(enterprise.tags or ()) if t in self.tags]
            if not held:
                return None
            found.extend(_tag_reasons(held))
        return found


def specificity(rules: Mapping[str, Any]) -> float:
    """Points for the restrictions an eligibility mapping makes."""
    return Rules.parse(rules).specificity()


def recency(policy: Policy, today: date) -> float:
    """Up to 1 point for a recently issued policy."""
    age = (today - policy.issued_on).days
    return max(0.0, min(1.0, 1 - age / RECENT_DAYS))


def policy_score(policy: Policy, today: date, rules: Optional[Rules] = None) -> float:
    """The score of any enterprise that fits ``policy`` on ``today``."""
    return round((rules or Rules.parse(policy.eligibility)).specificity() + recency(policy, today), 4)


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


def check(policy: Policy, enterprise: Union[Enterprise, Profile], today: date, rules: Optional[Rules] = None,
          score: Optional[float] = None) -> Optional[Fit]:
    """How ``enterprise`` fits ``policy`` on ``today``; None when it does not (or the policy is not in force).

    ``rules`` and ``score`` may be given when already computed (bulk callers).
    """
    if not in_force(policy, today):
        return None
    rules = rules or Rules.parse(policy.eligibility)
    reasons = rules.reasons(enterprise, today)
    if reasons is None:
        return None
    return Fit(policy_score(policy, today, rules) if score is None else score, reasons)


def reason_text(fit: Fit) -> str:
    """The reasons as one sentence, e.g. "贵公司属于小微企业、位于浑南区"."""
    if not fit.reasons:
        return "本政策面向各类企业，不限条件"
    separator = "，" if any("、" in r for r in fit.reasons) else "、"
    return "贵公司" + separator.join(fit.reasons)
