"""Policy files: the sample loads, every problem of a bad file is reported, nothing is half imported."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.policies import POLICY_CATEGORIES, Policy, PolicyFaq
from bot.errors import InvalidInput
from bot.policies.importer import check, import_files, read_files, sample_files
from bot.policies.store import category_counts, get_policy

SEED = Path(__file__).resolve().parents[3] / "bot" / "policies" / "sample" / "seed.yml"


def seed_policy() -> dict:
    return yaml.safe_load(SEED.read_text(encoding="utf-8"))[0]


def write_yaml(path: Path, policies: list) -> Path:
    path.write_text(yaml.safe_dump(policies, allow_unicode=True), encoding="utf-8")
    return path


def test_the_sample_covers_every_category_with_sixty_policies(session: Session) -> None:
    counts = category_counts(session)
    assert set(counts) == set(POLICY_CATEGORIES) and all(n >= 1 for n in counts.values()), counts
    assert sum(counts.values()) >= 60
    fewest_faq = session.execute(select(func.min(select(func.count(PolicyFaq.id))
                                                 .where(PolicyFaq.policy_id == Policy.id).scalar_subquery()))).scalar()
    assert fewest_faq >= 3


def test_the_seed_article_figures_are_all_there(session: Session) -> None:
    policy = get_policy(session, "RS-2019-GSDY")
    text = policy.full_text + "".join(f.answer for f in policy.faqs)
    for figure in ("2481", "2337", "2205", "2073", "118", "111", "105", "99", "1940", "1610", "1340", "92", "77",
                   "64", "2019年1月1日", "2018年12月31日", "10月底"):
        assert figure in text, figure
    assert policy.issuer.code == "C-DEPT-HRSS" and len(policy.faqs) >= 3
    etc = get_policy(session, "JT-2019-ETC")
    assert {"盗刷", "黑名单", "95折", "免费通行"} <= {w for w in ("盗刷", "黑名单", "95折", "免费通行")
                                                   if any(w in f.question + f.answer for f in etc.faqs)}


def test_reimporting_updates_in_place_and_replaces_the_faq(session: Session, tmp_path: Path) -> None:
    policy = seed_policy()
    policy["faq"] = policy["faq"][:3]
    policy["title"] = "新的标题"
    report = import_files(session, [write_yaml(tmp_path / "p.yml", [policy])])
    assert report.updated == ["RS-2019-GSDY"] and not report.created
    stored = get_policy(session, "RS-2019-GSDY")
    assert stored.title == "新的标题" and len(stored.faqs) == 3


def test_every_problem_is_reported_and_nothing_is_imported(session: Session, tmp_path: Path) -> None:
    good = dict(seed_policy(), code="NEW-OK-1")
    no_faq = dict(seed_policy(), code="NEW-NOFAQ", faq=[])
    bad = dict(seed_policy(), code="bad code!", category="吃喝玩乐", issuer="C-DEPT-NOPE", answer_phone="打电话",
               issued_on="2019-13-45", eligibility={"sizes": ["巨型"], "min_years": "three"}, faq=[{"q": "只有问题"}],
               facts={"amounts": [{"item": "一级", "value": "2481元", "from": "2019-02-30"}, {"item": "没有数"}],
                      "payer": ["基金"], "price": "免费"})
    before = session.scalar(select(func.count(Policy.id)))
    with pytest.raises(InvalidInput) as err:
        import_files(session, [write_yaml(tmp_path / "p.yml", [good, no_faq, bad, good])])
    text = "\n".join(err.value.problems)
    for column in ("code", "category", "issuer", "answer_phone", "issued_on", "eligibility.sizes",
                   "eligibility.min_years", "faq", "facts.amounts 第 1 项", "facts.amounts 第 2 项", "facts.payer",
                   "facts"):
        assert f"第 3 条 列 {column}：" in text, column
    assert "第 2 条 列 faq：至少需要 3 条高频问答" in text
    assert "第 4 条 列 code：NEW-OK-1 与 p.yml 第 1 条 重复" in text
    assert session.scalar(select(func.count(Policy.id))) == before


@pytest.mark.parametrize("content, message", [
    ("- code: [unclosed\n", "不是有效的 YAML"),
    ("code: X\n", "顶层应是政策列表"),
])
def test_malformed_files_are_refused_with_a_reason(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        read_files([path])
    with pytest.raises(InvalidInput, match="不支持的文件类型"):
        read_files([tmp_path / "policies.docx"])


def test_xlsx_reads_like_yaml(session: Session, tmp_path: Path) -> None:
    policy = seed_policy()
    book = Workbook()
    sheet = book.active
    sheet.title = "policies"
    columns = ["code", "title", "short_title", "doc_number", "category", "issuer", "issued_on", "effective_on",
               "expires_on", "answer_phone", "source_url", "keywords", "highlights", "steps", "text",
               "interpretation", "sizes", "districts", "min_years"]
    sheet.append(columns)
    row = dict(policy, code="XLSX-1", keywords="；".join(policy["keywords"]), steps="；".join(policy["steps"]),
               highlights="；".join(f"{h['label']}：{h['value']}" for h in policy["highlights"]),
               issued_on="2019-09-20", effective_on="2019-01-01", sizes="小型；微型", districts="浑南区", min_years=1)
    sheet.append([row.get(c) for c in columns])
    faq = book.create_sheet("faq")
    faq.append(["code", "q", "a"])
    for pair in policy["faq"][:4]:
        faq.append(["XLSX-1", pair["q"], pair["a"]])
    facts = book.create_sheet("facts")
    facts.append(["code", "key", "item", "value", "change", "from"])
    facts.append(["XLSX-1", "amounts", "一级伤残津贴", "每月2481元", "每月增加118元", "2019-01-01"])
    facts.append(["XLSX-1", "payer", None, "工伤保险基金", None, None])
    facts.append(["XLSX-1", "materials", None, "身份证；社保卡", None, None])
    book.save(tmp_path / "p.xlsx")
    [clean] = check(session, read_files([tmp_path / "p.xlsx"]))
    assert clean["facts"] == {"amounts": [{"item": "一级伤残津贴", "value": "每月2481元", "change": "每月增加118元",
                                           "from": "2019-01-01"}],
                              "payer": "工伤保险基金", "materials": ["身份证", "社保卡"]}
    assert clean["eligibility"] == {"sizes": ["小型", "微型"], "districts": ["浑南区"], "min_years": 1}
    assert clean["highlights"][0] == {"label": "一级伤残津贴", "value": "2481元/月（+118元）"}
    assert len(clean["faq"]) == 4 and clean["steps"] == policy["steps"]


def test_the_sample_files_are_found() -> None:
    assert SEED in sample_files()


def test_a_running_index_sees_an_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import runtime
    from bot.db import create_db_engine, init_schema, make_session_factory, session_scope
    from bot.db.directory import Unit

    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = create_db_engine(url)
    init_schema(engine)
    sessions = make_session_factory(engine)
    policies = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    with session_scope(sessions) as s:
        s.add_all(Unit(code=p["issuer"], name=p["issuer"], category="city_department", level="city") for p in policies)
        s.flush()
        import_files(s, [SEED])
    monkeypatch.setenv("SYB_DATABASE_URL", url)
    monkeypatch.setenv("SYB_DICT_DIR", str(tmp_path))
    monkeypatch.setattr(runtime, "POLICY_RECHECK_SECONDS", 0.0)
    runtime.reset()
    try:
        before = runtime.policy_index()
        assert runtime.policy_index() is before  # nothing changed: the same index
        policies[0]["faq"][0]["a"] = "新的答案"
        with session_scope(sessions) as s:
            import_files(s, [write_yaml(tmp_path / "p.yml", policies[:1])])
        after = runtime.policy_index()
        assert after is not before and after.by_code["RS-2019-GSDY"].faqs[0].answer == "新的答案"
    finally:
        runtime.reset()
        engine.dispose()


def test_an_export_imports_back_unchanged(session: Session, tmp_path: Path) -> None:
    from bot.policies.importer import export_policies, write_yaml

    exported = export_policies(session)
    assert len(exported) == session.scalar(select(func.count(Policy.id)))
    seed = next(p for p in exported if p["code"] == "RS-2019-GSDY")
    assert seed["facts"]["amounts"][2]["value"] == "每月2205元" and seed["issuer"] == "C-DEPT-HRSS"
    again = check(session, read_files([write_yaml(tmp_path / "all.yml", exported)]))
    assert [c["code"] for c in again] == [p["code"] for p in exported]
    assert next(c for c in again if c["code"] == "RS-2019-GSDY")["facts"] == seed["facts"]
