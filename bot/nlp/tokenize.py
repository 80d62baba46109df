"""jieba tokenisation with the generated user dictionary (one tokenizer per dictionary file)."""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Optional

import jieba

jieba.setLogLevel(logging.WARNING)


@lru_cache(maxsize=4)
def tokenizer(dict_file: Optional[str] = None) -> jieba.Tokenizer:
    """A jieba tokenizer loaded with ``dict_file`` (when it exists)."""
    tk = jieba.Tokenizer()
    tk.initialize()
    if dict_file and Path(dict_file).exists():
        tk.load_userdict(dict_file)
    return tk


def words(text: str, dict_file: Optional[str] = None) -> list[str]:
    """jieba's search-mode tokens of ``text`` (long words and their parts), without blanks."""
    return [w for w in tokenizer(dict_file).cut_for_search(text) if w.strip()]
