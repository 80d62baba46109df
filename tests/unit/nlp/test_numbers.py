"""Numbers as people type them."""
from __future__ import annotations

import pytest

from bot.nlp.numbers import to_int


@pytest.mark.parametrize(("raw", "value"), [
    ("120", 120), ("九", 9), ("十", 10), ("十五", 15), ("二十一", 21), ("一百零五", 105), ("一百二十", 120),
    ("三百五", 350), ("两千五", 2500), ("1千2百", 1200), ("3万", 30_000), ("一万二", 12_000), ("十万", 100_000),
    ("俩", 2), ("仨", 3)])
def test_numbers(raw: str, value: int) -> None:
    assert to_int(raw) == value


@pytest.mark.parametrize("raw", ["", "多", "五星", "abc"])
def test_not_numbers(raw: str) -> None:
    assert to_int(raw) is None
