"""Known phrases found by their first two characters."""
from __future__ import annotations

from bot.nlp.phrases import PhraseIndex


def test_every_phrase_said_is_found_longest_first() -> None:
    index = PhraseIndex(["营业执照", "营业执照变更", "执照", "社保", "x"])
    assert index.found("办营业执照变更去哪 社保呢") == ["营业执照变更", "营业执照", "执照", "社保"]
    assert index.found("") == [] and index.found("营") == []


def test_spans_start_inside_the_window() -> None:
    index = PhraseIndex(["水电气开户", "开户"])
    assert list(index.spans("水电气开户", 0, 1)) == [(0, "水电气开户")]
    assert list(index.spans("水电气开户", 1)) == [(3, "开户")]


def test_a_table_finds_its_items_whole_or_with_a_filler_word_inside() -> None:
    from bot.nlp.phrases import PhraseTable

    table = PhraseTable([("水电气开户", "bundle"), ("房子过户", "transfer"), ("开户", "gas"), ("开户", "water")])
    assert table.found("新房水电气咋开户") == [("水电气开户", "bundle"), ("开户", "gas"), ("开户", "water")]
    assert table.found("房子继承过户") == []  # 继承 is content, not a filler
    assert table.found("房子的过户") == [("房子过户", "transfer")]
    assert table.found("水电气开") == []
