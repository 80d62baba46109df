"""The generated jieba dictionary keeps the directory's names whole."""
from __future__ import annotations

from pathlib import Path

from bot.nlp.tokenize import tokenizer


def test_unit_names_and_matters_are_single_tokens(sample_db: Path) -> None:
    tk = tokenizer(str(sample_db / "jieba" / "userdict.txt"))
    for text, word in (("沈阳市市场监督管理局电话多少", "沈阳市市场监督管理局"), ("公积金提取找哪个部门", "公积金提取"),
                       ("浑南区的营业执照", "浑南区"), ("马晓东负责什么", "马晓东")):
        assert word in list(tk.cut(text)), (text, list(tk.cut(text)))
