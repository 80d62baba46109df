"""The generated jieba dictionary keeps the directory's names whole, and matters at their shortest names."""
from __future__ import annotations

from pathlib import Path

from bot.nlp.tokenize import tokenizer


def test_unit_names_and_matters_are_single_tokens(sample_db: Path) -> None:
    tk = tokenizer(str(sample_db / "jieba" / "userdict.txt"))
    for text, word in (("沈阳市市场监督管理局电话多少", "沈阳市市场监督管理局"), ("公积金提取找哪个部门", "公积金"),
                       ("浑南区的营业执照", "浑南区"), ("马晓东负责什么", "马晓东")):
        assert word in list(tk.cut(text)), (text, list(tk.cut(text)))


def test_only_atomic_matter_names_become_words() -> None:
    from bot.nlp.dictionary import atomic_forms

    assert atomic_forms(["营业执照", "办营业执照", "营业执照办理", "低保", "办低保", "社保断了", "社保"]) == ["低保", "社保", "营业执照"]
