"""Eligibility: every key a policy gives must hold; reasons in Chinese; more specific policies rank higher."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Optional

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.directory import Unit
from bot.db.policies import Enterprise, EnterpriseBinding, Policy
from bot.policies.eligibility import Fit, check, reason_text
from bot.policies.enterprises import bound_enterprises
from bot.policies.recommend import recommend

TODAY = date(2026, 6, 1)
INDUSTRY_HALF = ["制造业", "建筑业", "批发和零售业", "金融业", "房地产业", "教育", "采矿业", "农、林、牧、渔业", "住宿和餐饮业"]


def policy(eligibility: Optional[dict[str, Any]] = None, code: str = "T-1", issued_on: date = date(2026, 1, 1),
           effective_on: date = date(2026, 1, 1), expires_on: Optional[date] = None, **kw: Any) -> Policy:
    """A policy in memory (not saved)."""
    fields: dict[str, Any] = dict(
        code=code, title=f"{code} 全称", short_title=f"{code}政策", category="补助补贴", issuer_id=1,
        issued_on=issued_on, effective_on=effective_on, expires_on=expires_on, full_text="正文", interpretation="解读",
        eligibility=eligibility or {}, answer_phone="12345", published_at=utcnow())
    fields.update(kw)
    return Policy(**fields)


def enterprise(industry: str = "制造业", size: str = "小型", district: str = "浑南区", founded_year: Optional[int] = 2023,
               tags: Optional[list[str]] = None, name: str = "沈阳示例科技有限公司", **kw: Any) -> Enterprise:
    """An enterprise in memory (not saved)."""
    return Enterprise(credit_code=kw.pop("credit_code", "91210100MA0000001X"), name=name, industry=industry, size=size,
                      district=district, founded_year=founded_year, tags=tags or [], **kw)


# ---- each key --------------------------------------------------------------------------------

def test_industries() -> None:
    rule = policy({"industries": ["制造业", "建筑业"]})
    assert check(rule, enterprise(industry="制造业"), TODAY).reasons == ["属于制造业"]
    assert check(rule, enterprise(industry="金融业"), TODAY) is None


def test_sizes_and_small_and_micro_together() -> None:
    assert check(policy({"sizes": ["小型"]}), enterprise(size="小型"), TODAY).reasons == ["属于小型企业"]
    assert check(policy({"sizes": ["小型"]}), enterprise(size="中型"), TODAY) is None
    both = policy({"sizes": ["微型", "小型"]})
    assert check(both, enterprise(size="微型"), TODAY).reasons == ["属于小微企业"]
    assert check(both, enterprise(size="大型"), TODAY) is None


def test_districts_accept_the_short_form_of_the_enterprise_district() -> None:
    rule = policy({"districts": ["浑南区", "铁西区"]})
    assert check(rule, enterprise(district="浑南区"), TODAY).reasons == ["位于浑南区"]
    assert check(rule, enterprise(district="浑南"), TODAY).reasons == ["位于浑南区"]
    assert check(rule, enterprise(district="和平区"), TODAY) is None


@pytest.mark.parametrize("founded, fits", [(2026, False), (2025, True), (2023, True), (2021, True), (2020, False),
                                           (None, False)])
def test_years_since_founding_are_inclusive_and_need_a_founding_year(founded: Optional[int], fits: bool) -> None:
    fit = check(policy({"min_years": 1, "max_years": 5}), enterprise(founded_year=founded), TODAY)
    assert (fit is not None) is fits
    if fit is not None:
        assert fit.reasons == [f"成立{TODAY.year - founded}年"]


def test_only_one_year_bound_and_a_young_enterprise() -> None:
    assert check(policy({"max_years": 3}), enterprise(founded_year=2026), TODAY).reasons == ["成立不满1年"]
    assert check(policy({"min_years": 10}), enterprise(founded_year=2016), TODAY) is not None
    assert check(policy({"min_years": 10}), enterprise(founded_year=2017), TODAY) is None
    assert check(policy({}), enterprise(founded_year=None), TODAY) is not None  # no years rule: unknown is fine


def test_tags_need_at_least_one() -> None:
    rule = policy({"tags": ["高新技术企业", "专精特新企业", "个体工商户"]})
    assert check(rule, enterprise(tags=["高新技术企业", "外商投资企业"]), TODAY).reasons == ["具有高新技术企业资质"]
    assert check(rule, enterprise(tags=["专精特新企业", "高新技术企业"]), TODAY).reasons == [
        "具有专精特新企业、高新技术企业资质"]
    assert check(rule, enterprise(tags=["个体工商户"]), TODAY).reasons == ["属于个体工商户"]
    assert check(rule, enterprise(tags=["外商投资企业"]), TODAY) is None
    assert check(rule, enterprise(tags=[]), TODAY) is None


def test_every_key_given_must_hold_and_empty_lists_restrict_nothing() -> None:
    rule = policy({"industries": ["制造业"], "sizes": ["微型", "小型"], "districts": ["浑南区"], "min_years": 2,
                   "tags": ["高新技术企业"], "max_years": None})
    good = enterprise(tags=["高新技术企业"])
    fit = check(rule, good, TODAY)
    assert fit is not None
    assert fit.reasons == ["属于小微企业", "属于制造业", "位于浑南区", "成立3年", "具有高新技术企业资质"]
    for change in ({"industry": "建筑业"}, {"size": "中型"}, {"district": "沈河区"}, {"founded_year": 2025},
                   {"tags": ["专精特新企业"]}):
        assert check(rule, enterprise(**{"tags": ["高新技术企业"], **change}), TODAY) is None, change
    assert check(policy({"industries": [], "sizes": [], "tags": []}), enterprise(), TODAY) is not None


# ---- in force ---------------------------------------------------------------------------------

def test_expired_and_not_yet_effective_policies_never_fit() -> None:
    open_to_all = enterprise()
    assert check(policy(expires_on=TODAY - timedelta(days=1)), open_to_all, TODAY) is None
    assert check(policy(effective_on=TODAY + timedelta(days=1)), open_to_all, TODAY) is None
    assert check(policy(expires_on=TODAY), open_to_all, TODAY) is not None  # the last day still counts
    assert check(policy(effective_on=TODAY), open_to_all, TODAY) is not None


# ---- reasons and ranking --------------------------------------------------------------------

def test_reason_text_joins_naturally() -> None:
    assert reason_text(Fit(1.0, ["属于小微企业", "位于浑南区"])) == "贵公司属于小微企业、位于浑南区"
    assert reason_text(Fit(1.0, ["属于信息传输、软件和信息技术服务业", "位于浑南区"])) == (
        "贵公司属于信息传输、软件和信息技术服务业，位于浑南区")
    assert "不限" in reason_text(Fit(0.5, []))
    fit = check(policy({"sizes": ["微型", "小型"], "districts": ["浑南区"]}), enterprise(size="小型"), TODAY)
    assert reason_text(fit) == "贵公司属于小微企业、位于浑南区"


def test_more_specific_policies_rank_higher_and_newer_slightly_higher() -> None:
    company = enterprise(tags=["高新技术企业"])
    general = check(policy({}), company, TODAY)
    one = check(policy({"industries": INDUSTRY_HALF}), company, TODAY)
    narrow = check(policy({"industries": ["制造业"]}), company, TODAY)
    two = check(policy({"industries": INDUSTRY_HALF, "districts": ["浑南区"]}), company, TODAY)
    assert general.score < 1 < one.score < narrow.score < two.score
    older = check(policy({"industries": ["制造业"]}, issued_on=date(2025, 1, 1)), company, TODAY)
    assert older.score < narrow.score < older.score + 1


# ---- recommend and the user's enterprises (database) ------------------------------------------

def test_recommend_ranks_fitting_policies_in_force(session: Session) -> None:
    issuer = session.scalars(select(Unit.id).where(Unit.code == "C-DEPT-HRSS")).one()
    rows = {
        "T-GENERAL": policy({}, code="T-GENERAL", issuer_id=issuer),
        "T-MAKER": policy({"industries": ["制造业"]}, code="T-MAKER", issuer_id=issuer),
        "T-MAKER-HN": policy({"industries": ["制造业"], "districts": ["浑南区"]}, code="T-MAKER-HN", issuer_id=issuer,
                             category="科技创新"),
        "T-BANK": policy({"industries": ["金融业"]}, code="T-BANK", issuer_id=issuer),
        "T-OLD": policy({"industries": ["制造业"]}, code="T-OLD", issuer_id=issuer, expires_on=TODAY - timedelta(days=1)),
        "T-SOON": policy({}, code="T-SOON", issuer_id=issuer, effective_on=TODAY + timedelta(days=30)),
    }
    session.add_all(rows.values())
    company = enterprise(credit_code="91210100MATEST0001")
    session.add(company)
    session.flush()
    found = recommend(session, company, TODAY, limit=1000)  # the sample policies are there too
    mine = [r for r in found if r.policy.code.startswith("T-")]
    assert [r.policy.code for r in mine] == ["T-MAKER-HN", "T-MAKER", "T-GENERAL"]
    assert mine[0].fit.reasons == ["属于制造业", "位于浑南区"] and mine[0].policy.issuer.code == "C-DEPT-HRSS"
    assert [r.fit.score for r in found] == sorted((r.fit.score for r in found), reverse=True)
    tech = recommend(session, company, TODAY, limit=1000, category="科技创新")
    assert "T-MAKER-HN" in [r.policy.code for r in tech] and {r.policy.category for r in tech} == {"科技创新"}
    assert len(recommend(session, company, TODAY, limit=1)) == 1


def test_bound_enterprises_lists_the_newest_binding_first(session: Session) -> None:
    first = enterprise(name="甲公司", credit_code="91210100MATEST0002")
    second = enterprise(name="乙公司", credit_code="91210100MATEST0003")
    session.add_all([first, second])
    session.flush()
    now = utcnow()
    session.add_all([EnterpriseBinding(user_id="oBind", enterprise_id=first.id, created_at=now - timedelta(days=2)),
                     EnterpriseBinding(user_id="oBind", enterprise_id=second.id, created_at=now),
                     EnterpriseBinding(user_id="oOther", enterprise_id=first.id, created_at=now)])
    session.flush()
    assert [e.name for e in bound_enterprises(session, "oBind")] == ["乙公司", "甲公司"]
    assert bound_enterprises(session, "oNobody") == []
