"""Sound-alike correction: what voice input and pinyin typing get wrong is read as the known word."""
from __future__ import annotations

import pytest

from bot.nlp.sound import SoundIndex

WORDS = ["个税", "沈河区", "于洪区", "皇姑区", "浑南区", "税务局", "水务局", "社保卡", "公积金中心", "车管所", "失业金",
         "市场监督管理局", "苏家屯区", "新民市", "公积金"]


@pytest.fixture(scope="module")
def sound() -> SoundIndex:
    return SoundIndex(WORDS)


@pytest.mark.parametrize("typed, meant", [
    ("社宝卡丢了去哪补", "社保卡丢了去哪补"),
    ("沈和区政务服务中心电话", "沈河区政务服务中心电话"),
    ("于红区市场监管局电话", "于洪区市场监管局电话"),
    ("黄姑区在哪", "皇姑区在哪"),
    ("混南区", "浑南区"),
    ("公基金中心几点下班", "公积金中心几点下班"),
    ("车管锁在哪", "车管所在哪"),
    ("苏家囤区社保中心", "苏家屯区社保中心"),  # 囤 is read dun or tun
    ("新名市公安局", "新民市公安局"),  # in / ing blurred, as many accents do
    ("gongjijin中心电话", "公积金中心电话"),  # pinyin letters
    ("我想问一下 GongJiJin 怎么提", "我想问一下 公积金 怎么提"),
])
def test_sound_alikes_become_the_known_word(sound: SoundIndex, typed: str, meant: str) -> None:
    assert sound.correct(typed) == meant


def test_homophones_go_to_the_word_sharing_most_characters(sound: SoundIndex) -> None:
    assert sound.correct("税物局电话") == "税务局电话"
    assert sound.correct("水雾局电话") == "水务局电话"


@pytest.mark.parametrize("text", [
    "事业单位招聘",  # 事业 is a word of its own, not a typo of 失业
    "沈阳市市场监督管理局电话",  # already right
    "帮我订张机票",
    "这个水费咋交",  # 个水 sounds like 个税, but 这个 and 水费 are words of their own
    "开个水果店",
    "",
])
def test_ordinary_words_and_right_names_are_left_alone(sound: SoundIndex, text: str) -> None:
    assert sound.correct(text) == text


def test_a_long_text_is_left_alone(sound: SoundIndex) -> None:
    text = "社宝卡" * 100
    assert sound.correct(text) == text


def test_pinyin_letters_are_matched_only_as_whole_runs(sound: SoundIndex) -> None:
    assert sound.correct("xgongjijinx") == "xgongjijinx"
    assert sound.correct("hello world") == "hello world"
