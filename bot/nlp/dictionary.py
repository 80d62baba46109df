"""Build jieba's user dictionary from the directory, so names and matters stay whole tokens."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.directory import Cadre, Matter, Unit
from bot.db.policies import POLICY_CATEGORIES, Policy
from bot.nlp.text import DISTRICT_FORMS

DICT_FILE = "userdict.txt"
# Words of the service itself that jieba's default dictionary splits.
SERVICE_WORDS = (
    "营商局", "营商环境", "政务服务", "政务服务中心", "便民服务中心", "办事大厅", "服务大厅",
    "服务态度", "熟练程度", "转人工", "人工客服", "电子名片", "服务名片",
)


def vocabulary(session: Session) -> tuple[list[str], list[str]]:
    """(domain words, person names) from the directory and the fixed lists."""
    words: set[str] = set(SERVICE_WORDS) | set(POLICY_CATEGORIES) | set(DISTRICT_FORMS)
    for name, short, aliases in session.execute(select(Unit.name, Unit.short_name, Unit.aliases)):
        words.update([name, *(aliases or [])])
        if short:
            words.add(short)
    words.update(atomic_forms(f for name, synonyms in session.execute(select(Matter.name, Matter.synonyms))
                              for f in (name, *(synonyms or []))))
    directory = set(words)
    for short_title, keywords in session.execute(select(Policy.short_title, Policy.keywords)):
        # A policy's name holding a directory word stays cut at it ("公积金提取": 公积金 is what people
        # name and the NLU extracts).
        words.update(w for w in (short_title, *(keywords or [])) if not _holds_any(w, directory))
    names = set(session.scalars(select(Cadre.name).distinct()))
    return sorted(w for w in words if len(w) > 1), sorted(names - words)


def _holds_any(word: str, known: set[str]) -> bool:
    """True when a shorter part of ``word`` (two characters or more) is in ``known``."""
    return any(word[i:j] in known for i in range(len(word)) for j in range(i + 2, len(word) + 1)
               if j - i < len(word))


def atomic_forms(forms: Iterable[str]) -> list[str]:
    """The forms that hold no shorter form (but for one last character: 施工许可证): "营业执照" stays a
    word, "办营业执照" and "营业执照办理" do not, so that jieba cuts them at the name people annotate and
    the NLU extracts."""
    kept: set[str] = set()
    for form in sorted({f for f in forms if len(f) >= 2}, key=len):
        parts = {form[i:j] for i in range(len(form)) for j in range(i + 2, len(form) + 1)} - {form}
        if all(part == form[:-1] for part in parts & kept):  # 施工许可 + 证 is still one name
            kept.add(form)
    return sorted(kept)


def write_dictionary(out_dir: Path, words: Iterable[str], names: Iterable[str]) -> Path:
    """Write a jieba user dictionary: domain words forced whole, names as ``nr`` words."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / DICT_FILE
    lines = [f"{w} 2000 n" for w in words if " " not in w]
    lines += [f"{n} 500 nr" for n in names]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def build_dictionary(session: Session, out_dir: Path) -> Path:
    """Generate the user dictionary from the database into ``out_dir``."""
    words, names = vocabulary(session)
    return write_dictionary(out_dir, words, names)
