"""Find the known words a text says by sound: what voice input and pinyin typing get wrong.

"社宝卡丢了", "税物局电话", "沈和区", "于红区", "新名市", "gongjijin中心" are typed by people who said
or spelled the right word; the characters differ, the syllables do not (or only as accents blur
them: zh/z, ch/c, sh/s, in/ing, en/eng, an/ang). ``SoundIndex.correct`` replaces a span whose
syllables are those of a known word (a unit's name, a matter, a district) when the span shares
most of its characters with the word (pinyin letters count as said) and is not itself an ordinary
word (jieba's dictionary), so that "事业单位" never becomes "失业单位"; a two-character span must also
not cut one of the text's words, so that "这个水费" keeps its 水费 (个水 sounds like 个税). Characters with several
readings (囤: dun, tun) match by any of them in spans of three or more characters.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional

import jieba
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.constants import PINYIN_DICT
from pypinyin.contrib.tone_convert import to_normal

MAX_SYLLABLES = 10
MAX_TEXT = 200
MAX_READINGS = 16  # combinations of readings tried for one span
COMMON_WORD_FREQ = 50  # a span jieba knows at least this well is a word of its own, not a typo
_CJK = re.compile(r"[\u4e00-\u9fff]")
_RUN = re.compile(r"[\u4e00-\u9fff]|[a-z]+|.", re.S)


def blur(syllable: str) -> str:
    """A syllable as accents and careless typing blur it (zh→z, ch→c, sh→s, ing→in, eng→en, ang→an)."""
    if syllable[:2] in ("zh", "ch", "sh"):
        syllable = syllable[0] + syllable[2:]
    if syllable.endswith("ng") and syllable[-3:-2] in ("i", "e", "a") and not syllable.endswith("ong"):
        syllable = syllable[:-1]
    return syllable


@lru_cache(maxsize=1)
def _syllable_set() -> frozenset[str]:
    return frozenset(to_normal(r) for readings in PINYIN_DICT.values() for r in readings.split(","))


def split_pinyin(letters: str) -> Optional[list[str]]:
    """``letters`` as the fewest pinyin syllables ("gongjijin" → gong ji jin); None if it is no pinyin."""
    valid = _syllable_set()
    best: list[Optional[list[str]]] = [[]] + [None] * len(letters)
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and letters[start:end] in valid:
                if best[end] is None or len(head) + 1 < len(best[end]):  # type: ignore[arg-type]
                    best[end] = head + [letters[start:end]]
    return best[-1] if letters else None


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    readings: tuple[str, ...]  # blurred syllables; empty: nothing to match
    latin: bool = False


@lru_cache(maxsize=8192)
def _readings(char: str) -> tuple[str, ...]:
    """A character's blurred syllables, its usual reading first."""
    return tuple(dict.fromkeys(blur(r) for r in pinyin(char, style=Style.NORMAL, heteronym=True)[0]))


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    position = 0
    for piece in _RUN.findall(text):
        if _CJK.match(piece):
            out.append(_Token(position, position + 1, _readings(piece)))
        elif piece.isascii() and piece.isalpha() and len(piece) >= 2 and (parts := split_pinyin(piece)):
            offset = position
            for part in parts:
                out.append(_Token(offset, offset + len(part), (blur(part),), latin=True))
                offset += len(part)
        else:
            out.append(_Token(position, position + len(piece), ()))
        position += len(piece)
    return out


class SoundIndex:
    """Known words by their blurred syllables; built once per process."""

    def __init__(self, words: Iterable[str]) -> None:
        self._words: dict[tuple[str, ...], list[str]] = {}  # homophones share a key: 税务局, 水务局
        for word in sorted(set(words)):
            if 2 <= len(word) <= MAX_SYLLABLES and all(_CJK.match(ch) for ch in word):
                key = tuple(blur(s) for s in lazy_pinyin(word, style=Style.NORMAL))
                self._words.setdefault(key, []).append(word)
        self._known = {w for same in self._words.values() for w in same}
        self._lengths = sorted({len(k) for k in self._words}, reverse=True)
        jieba.initialize()

    def correct(self, text: str) -> str:
        """``text`` with sound-alike spans replaced by the known words they sound like."""
        if not text or len(text) > MAX_TEXT:
            return text
        lowered = text.lower()
        tokens = _tokens(lowered)
        out: list[str] = []
        done = 0  # characters of text already copied or replaced
        i = 0
        while i < len(tokens):
            found = self._match_at(lowered, tokens, i)
            if found:
                length, word = found
                out.append(text[done:tokens[i].start] + word)
                done = tokens[i + length - 1].end
                i += length
            else:
                i += 1
        return "".join(out) + text[done:]

    def _match_at(self, text: str, tokens: list[_Token], i: int) -> Optional[tuple[int, str]]:
        for length in self._lengths:
            span_tokens = tokens[i:i + length]
            if len(span_tokens) < length or not all(t.readings for t in span_tokens):
                continue
            if not _whole_runs(tokens, i, length):
                continue
            same = self._homophones(span_tokens)
            if not same:
                continue
            span = text[span_tokens[0].start:span_tokens[-1].end]
            if span in same:
                return length, span  # already right: keep it whole so that its parts are not "corrected"
            differ, word = min((_differences(span_tokens, text, w), w) for w in same)
            said = all(t.latin for t in span_tokens)
            if said or differ <= max(1, length // 3) and not self._is_word(span) and \
                    (length > 2 or _on_word_boundaries(text, span_tokens[0].start, span_tokens[-1].end)):
                return length, word
        return None

    def _homophones(self, span_tokens: list[_Token]) -> list[str]:
        if len(span_tokens) < 3:  # a short span by its usual readings only: 找 is also read hua (火化)
            return self._words.get(tuple(t.readings[0] for t in span_tokens), [])
        found: list[str] = []
        for key in itertools.islice(itertools.product(*(t.readings for t in span_tokens)), MAX_READINGS):
            found += self._words.get(key, [])
        return found

    def _is_word(self, span: str) -> bool:
        return span in self._known or jieba.dt.FREQ.get(span, 0) >= COMMON_WORD_FREQ


def _on_word_boundaries(text: str, start: int, end: int) -> bool:
    """True when no word of ``text`` (jieba) straddles ``start`` or ``end``: "这个水费" holds no 个税."""
    cuts = {0}
    for word, _begin, finish in jieba.dt.tokenize(text):
        cuts.add(finish)
    return start in cuts and end in cuts


def _whole_runs(tokens: list[_Token], i: int, length: int) -> bool:
    """A span may not cut a run of pinyin letters in two."""
    first, last = tokens[i], tokens[i + length - 1]
    before = tokens[i - 1] if i > 0 else None
    after = tokens[i + length] if i + length < len(tokens) else None
    return not (first.latin and before is not None and before.latin and before.end == first.start) and \
        not (last.latin and after is not None and after.latin and after.start == last.end)


def _differences(span_tokens: list[_Token], text: str, word: str) -> int:
    """Characters of the span that differ from ``word``; pinyin letters count as the word's."""
    return sum(1 for t, ch in zip(span_tokens, word) if not t.latin and text[t.start:t.end] != ch)
