"""Read policy files (YAML or XLSX, docs/policy-format.md), check every policy, and import all or nothing."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from bot.db.base import utcnow
from bot.db.directory import DISTRICTS, Unit
from bot.db.policies import INDUSTRIES, POLICY_CATEGORIES, SIZES, TAGS, Policy, PolicyFaq
from bot.errors import InvalidInput
from bot.policies.facts import AMOUNT_KEYS, check_facts

SAMPLE_DIR = Path(__file__).parent / "sample"
CODE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
PHONE = re.compile(r"^[0-9-]{5,20}$")
REQUIRED = ("code", "title", "short_title", "category", "issuer", "issued_on", "effective_on", "answer_phone",
            "text", "interpretation")
LIST_FIELDS = ("keywords", "steps")
ELIGIBILITY_LISTS = {"industries": INDUSTRIES, "sizes": SIZES, "districts": DISTRICTS, "tags": TAGS}
ELIGIBILITY_YEARS = ("min_years", "max_years")
MIN_FAQ = 3
_SEPARATORS = re.compile(r"[；;|\n]")


@dataclass(frozen=True)
class Entry:
    """One policy as read from a file, with where it came from (for error messages)."""

    where: str
    data: dict[str, Any]


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"政策新增 {len(self.created)} 条，更新 {len(self.updated)} 条"


# ---- reading ---------------------------------------------------------------------------------------

def read_files(paths: Iterable[Path]) -> list[Entry]:
    """Entries of every file, in order; an unreadable file is an InvalidInput naming it."""
    entries: list[Entry] = []
    for path in paths:
        suffix = path.suffix.lower()
        if suffix in (".yml", ".yaml"):
            entries.extend(_read_yaml(path))
        elif suffix == ".xlsx":
            entries.extend(_read_xlsx(path))
        else:
            raise InvalidInput(f"不支持的文件类型：{path.name}（只接受 .yml、.yaml 或 .xlsx）")
    return entries


def _read_yaml(path: Path) -> list[Entry]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"无法读取文件 {path.name}：{exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise InvalidInput(f"文件 {path.name} 不是有效的 YAML{where}：{getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, list):
        raise InvalidInput(f"文件 {path.name} 的顶层应是政策列表")
    return [Entry(f"{path.name} 第 {i} 条", item if isinstance(item, dict) else {"__bad__": item})
            for i, item in enumerate(data, 1)]


def _read_xlsx(path: Path) -> list[Entry]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken file
        raise InvalidInput(f"无法读取文件 {path.name}：{exc}") from exc
    missing = [s for s in ("policies", "faq") if s not in book.sheetnames]
    if missing:
        raise InvalidInput(f"文件 {path.name} 缺少工作表：{'、'.join(missing)}")
    faqs: dict[str, list[dict[str, Any]]] = {}
    for _, row in _sheet_rows(book["faq"]):
        faqs.setdefault(str(row.get("code") or "").strip(), []).append({"q": row.get("q"), "a": row.get("a")})
    facts: dict[str, dict[str, Any]] = {}
    if "facts" in book.sheetnames:  # optional: one row per amount or per other field
        for _, row in _sheet_rows(book["facts"]):
            into = facts.setdefault(str(row.get("code") or "").strip(), {})
            key = str(row.get("key") or "").strip()
            if key == "amounts":
                into.setdefault(key, []).append({k: row.get(k) for k in AMOUNT_KEYS if row.get(k) not in (None, "")})
            elif key == "materials":
                into[key] = _split(row.get("value"))
            else:
                into[key] = row.get("value")
    entries = []
    for number, row in _sheet_rows(book["policies"]):
        data = {k: v for k, v in row.items() if k not in ELIGIBILITY_LISTS and k not in ELIGIBILITY_YEARS}
        for key in (*LIST_FIELDS, "highlights"):
            data[key] = _split(row.get(key))
        data["highlights"] = [_highlight(h) for h in data["highlights"]]
        data["eligibility"] = {k: _split(row.get(k)) for k in ELIGIBILITY_LISTS if row.get(k)}
        data["eligibility"].update({k: row[k] for k in ELIGIBILITY_YEARS if row.get(k) not in (None, "")})
        data["faq"] = faqs.get(str(row.get("code") or "").strip(), [])
        data["facts"] = facts.get(str(row.get("code") or "").strip(), {})
        entries.append(Entry(f"{path.name} 工作表 policies 第 {number} 行", data))
    return entries


def _sheet_rows(sheet: Any) -> Iterable[tuple[int, dict[str, Any]]]:
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    for number, values in enumerate(rows, 2):
        if any(v not in (None, "") for v in values):
            yield number, dict(zip(header, values))


def _split(value: Any) -> list[str]:
    return [p.strip() for p in _SEPARATORS.split(str(value or "")) if p.strip()]


def _highlight(text: str) -> dict[str, str]:
    """``标签：数值`` as {"label", "value"} (an empty value is reported by the check)."""
    label, _, value = text.replace(":", "：").partition("：")
    return {"label": label.strip(), "value": value.strip()}


# ---- checking --------------------------------------------------------------------------------------

def _date(value: Any) -> Optional[date]:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _check(entry: Entry, issuers: dict[str, int], problems: list[str]) -> Optional[dict[str, Any]]:
    """The clean values of one policy, or None after adding its problems."""
    data, before = entry.data, len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(f"{entry.where} 列 {column}：{message}")

    if "__bad__" in data:
        bad("-", "应是一条政策（键值对）")
        return None
    for column in REQUIRED:
        if data.get(column) in (None, ""):
            bad(column, "不能为空")
    code = str(data.get("code") or "").strip()
    if code and not CODE.match(code):
        bad("code", "只能由字母、数字和“-”组成，最长 32 个字符")
    if data.get("category") and data["category"] not in POLICY_CATEGORIES:
        bad("category", f"“{data['category']}”不是 18 类政策之一")
    if data.get("issuer") and str(data["issuer"]) not in issuers:
        bad("issuer", f"目录中没有编码为 {data['issuer']} 的单位")
    if len(str(data.get("short_title") or "")) > 20:
        bad("short_title", "不能超过 20 个字")
    if data.get("answer_phone") and not PHONE.match(str(data["answer_phone"])):
        bad("answer_phone", f"“{data['answer_phone']}”不是有效的电话号码")
    url = str(data.get("source_url") or "")
    if url and not url.startswith(("http://", "https://")):
        bad("source_url", "应以 http:// 或 https:// 开头")
    dates = {}
    for column in ("issued_on", "effective_on", "expires_on"):
        if data.get(column) not in (None, ""):
            dates[column] = _date(data[column])
            if dates[column] is None:
                bad(column, f"“{data[column]}”不是 YYYY-MM-DD 格式的日期")
    if dates.get("expires_on") and dates.get("effective_on") and dates["expires_on"] < dates["effective_on"]:
        bad("expires_on", "失效日期早于生效日期")
    for column in LIST_FIELDS:
        value = data.get(column) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            bad(column, "应是文字列表")
    highlights = data.get("highlights") or []
    if not isinstance(highlights, list) or not all(
            isinstance(h, dict) and str(h.get("label") or "").strip() and str(h.get("value") or "").strip()
            for h in highlights):
        bad("highlights", "每项都要有 label 和 value")
    elif len(highlights) > 8:
        bad("highlights", "最多 8 项")
    eligibility = _check_eligibility(data.get("eligibility") or {}, bad)
    facts = check_facts(data.get("facts"), bad)
    faq = data.get("faq") or []
    pairs = [(str(f.get("q") or "").strip(), str(f.get("a") or "").strip()) for f in faq if isinstance(f, dict)]
    if not isinstance(faq, list) or len(pairs) != len(faq) or not all(q and a for q, a in pairs):
        bad("faq", "每条问答都要有 q 和 a")
    elif len(pairs) < MIN_FAQ:
        bad("faq", f"至少需要 {MIN_FAQ} 条高频问答（现有 {len(pairs)} 条）")
    if len(problems) > before:
        return None
    return {
        "code": code, "title": str(data["title"]).strip(), "short_title": str(data["short_title"]).strip(),
        "doc_number": str(data.get("doc_number") or "").strip(), "category": data["category"],
        "issuer_id": issuers[str(data["issuer"])], "issued_on": dates["issued_on"],
        "effective_on": dates["effective_on"], "expires_on": dates.get("expires_on"),
        "full_text": str(data["text"]).strip(), "interpretation": str(data["interpretation"]).strip(),
        "keywords": [k.strip() for k in data.get("keywords") or []],
        "highlights": [{"label": str(h["label"]).strip(), "value": str(h["value"]).strip()} for h in highlights],
        "steps": [s.strip() for s in data.get("steps") or []], "eligibility": eligibility,
        "facts": facts,
        "answer_phone": str(data["answer_phone"]).strip(), "source_url": url, "faq": pairs,
    }


def _check_eligibility(rules: Any, bad: Any) -> dict[str, Any]:
    if not isinstance(rules, dict):
        bad("eligibility", "应是键值对")
        return {}
    clean: dict[str, Any] = {}
    for key, value in rules.items():
        if key in ELIGIBILITY_LISTS:
            values = value if isinstance(value, list) else [value]
            unknown = [str(v) for v in values if v not in ELIGIBILITY_LISTS[key]]
            if unknown:
                bad(f"eligibility.{key}", f"不认识的取值：{'、'.join(unknown)}")
            elif values:
                clean[key] = list(values)
        elif key in ELIGIBILITY_YEARS:
            if value is None:
                continue
            try:
                clean[key] = int(value)
            except (TypeError, ValueError):
                bad(f"eligibility.{key}", f"“{value}”不是整数")
                continue
            if clean[key] < 0:
                bad(f"eligibility.{key}", "不能为负数")
        else:
            bad("eligibility", f"不认识的条件 {key}")
    if clean.get("min_years", 0) > clean.get("max_years", 10 ** 6):
        bad("eligibility", "min_years 大于 max_years")
    return clean


def check(session: Session, entries: list[Entry]) -> list[dict[str, Any]]:
    """Every policy's clean values; InvalidInput listing every problem of every entry otherwise."""
    issuers = dict(session.execute(select(Unit.code, Unit.id)).all())
    problems: list[str] = []
    clean = [c for c in (_check(e, issuers, problems) for e in entries) if c is not None]
    seen: dict[str, str] = {}
    for entry in entries:
        code = str(entry.data.get("code") or "").strip()
        if code and code in seen:
            problems.append(f"{entry.where} 列 code：{code} 与 {seen[code]} 重复")
        seen.setdefault(code, entry.where)
    if not entries:
        problems.append("文件中没有政策")
    if problems:
        raise InvalidInput(f"政策文件有 {len(problems)} 处问题，未导入任何内容", problems)
    return clean


# ---- writing ---------------------------------------------------------------------------------------

def apply(session: Session, policies: list[dict[str, Any]]) -> ImportReport:
    """Upsert by code inside the caller's transaction; a policy's FAQ is replaced by the file's."""
    report = ImportReport()
    existing = {p.code: p for p in session.scalars(select(Policy).where(Policy.code.in_([p["code"] for p in policies])))}
    for values in policies:
        values = dict(values)
        faq = values.pop("faq")
        policy = existing.get(values["code"])
        if policy is None:
            policy = Policy(**values)
            session.add(policy)
            report.created.append(values["code"])
        else:
            for key, value in values.items():
                setattr(policy, key, value)
            policy.updated_at = utcnow()  # also when only the FAQ changed: running indexes reload
            report.updated.append(values["code"])
        session.flush()
        session.execute(delete(PolicyFaq).where(PolicyFaq.policy_id == policy.id))
        session.add_all(PolicyFaq(policy_id=policy.id, position=i, question=q, answer=a)
                        for i, (q, a) in enumerate(faq, 1))
    session.flush()
    return report


def import_files(session: Session, paths: Iterable[Path]) -> ImportReport:
    """Read, check and apply: all or nothing (the caller's transaction rolls back on InvalidInput)."""
    return apply(session, check(session, read_files(paths)))


def sample_files() -> list[Path]:
    return sorted(SAMPLE_DIR.glob("*.yml"))


def load_sample(session: Session) -> ImportReport:
    """Import the bundled sample policies (idempotent)."""
    return import_files(session, sample_files())


# ---- exporting -------------------------------------------------------------------------------------

def export_policies(session: Session) -> list[dict[str, Any]]:
    """Every policy in the import format (docs/policy-format.md): what is exported imports back unchanged."""
    rows = session.scalars(select(Policy).options(selectinload(Policy.faqs), selectinload(Policy.issuer))
                           .order_by(Policy.code))
    return [{
        "code": p.code, "title": p.title, "short_title": p.short_title, "doc_number": p.doc_number,
        "category": p.category, "issuer": p.issuer.code, "issued_on": p.issued_on, "effective_on": p.effective_on,
        "expires_on": p.expires_on, "answer_phone": p.answer_phone, "source_url": p.source_url,
        "keywords": list(p.keywords or []), "eligibility": dict(p.eligibility or {}),
        "highlights": list(p.highlights or []), "steps": list(p.steps or []), "facts": dict(p.facts or {}),
        "text": p.full_text, "interpretation": p.interpretation,
        "faq": [{"q": f.question, "a": f.answer} for f in p.faqs],
    } for p in rows]


def write_yaml(path: Path, policies: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump(policies, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    return path
