from bot.nlp.bm25 import BM25
from bot.nlp.text import bigrams, canonical_district, find_district, normalise


def test_normalise_folds_width_and_drops_punctuation() -> None:
    assert normalise("ＴＳ２０２６，开饭店？！ 😀") == "ts2026开饭店"


def test_districts_full_and_short_forms() -> None:
    assert find_district("浑南那边的社保") == "浑南区"
    assert find_district("沈北的") == "沈北新区"
    assert find_district("新民的低保") == "新民市"
    assert find_district("开饭店") is None
    assert canonical_district("铁西区的") == "铁西区"
    assert canonical_district(None) is None


def test_bigrams() -> None:
    assert bigrams("公积金") == ["公积", "积金"]
    assert bigrams("局") == ["局"]


def test_bm25_prefers_the_matching_document() -> None:
    index = BM25([["公积", "积金", "中心"], ["市场", "监管"], ["中心"]])
    scores = index.scores(["公积", "中心"])
    assert max(scores, key=scores.get) == 0
    assert 1 not in scores
