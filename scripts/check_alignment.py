"""Report entity annotations that do not fall on jieba token boundaries.

Rasa only warns about a misaligned annotation during training and then drops it, so
`make validate` (part of `make test`) runs this and fails on any.
Usage: python scripts/check_alignment.py --dict var/jieba data/nlu tests/nlu
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Iterable

from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.loading import load_data


def nlu_files(paths: Iterable[str]) -> list[str]:
    out: list[str] = []
    for p in map(Path, paths):
        out += [str(f) for f in sorted(p.rglob("*.yml"))] if p.is_dir() else [str(p)]
    return out


def misaligned(paths: Iterable[str], dict_dir: str) -> list[str]:
    """Every annotation whose start or end is not a token boundary, as readable lines."""
    config = {**JiebaTokenizer.get_default_config(), "dictionary_path": dict_dir}
    tokenizer = JiebaTokenizer.create(config, None, None, None)  # type: ignore[arg-type]
    problems = []
    for path in nlu_files(paths):
        data = load_data(path)
        for message in data.training_examples:
            entities = message.get(ENTITIES) or []
            if not entities:
                continue
            tokens = tokenizer.tokenize(message, TEXT)
            starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
            for ent in entities:
                if ent["start"] not in starts or ent["end"] not in ends:
                    words = "/".join(t.text for t in tokens)
                    problems.append(f"{path}: “{message.get(TEXT)}” 的实体 {ent['entity']}=“{message.get(TEXT)[ent['start']:ent['end']]}” 与分词 {words} 不对齐")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dict", required=True, help="folder of jieba user dictionaries")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    problems = misaligned(args.paths, args.dict)
    for line in problems:
        print(line)
    print(f"{len(problems)} 处实体标注与分词不对齐")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
