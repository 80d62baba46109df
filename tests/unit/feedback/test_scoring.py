"""The score formula: bounded, smoothed for small counts, lowered by complaints."""
from __future__ import annotations

from bot.feedback.scoring import Stats, score

CITY = 4.2


def stars(n: int, mean: float) -> Stats:
    return Stats(ratings=n, star_sum=n * mean)


def test_no_data_scores_like_an_average_unit() -> None:
    empty = score(Stats(), CITY)
    assert 0 < empty.total < 100 and empty.rating == round((CITY - 1) / 4 * 100, 2)


def test_one_perfect_rating_does_not_beat_many_very_good_ones() -> None:
    assert score(stars(1, 5.0), CITY).total < score(stars(200, 4.8), CITY).total
    assert score(stars(1, 1.0), CITY).total > score(stars(200, 1.5), CITY).total


def test_bounds() -> None:
    best = score(Stats(ratings=10_000, star_sum=50_000, satisfied=1000), CITY)
    worst = score(Stats(ratings=10_000, star_sum=10_000, complaints=10_000, substantiated=10_000,
                        overdue=10_000, dissatisfied=10_000), CITY)
    assert 99 < best.total <= 100 and 0 <= worst.total < 10


def test_complaints_substantiated_overdue_and_dissatisfaction_each_lower_the_score() -> None:
    base = Stats(ratings=100, star_sum=430, complaints=5, satisfied=3)
    worse = [
        Stats(ratings=100, star_sum=430, complaints=15, satisfied=3),
        Stats(ratings=100, star_sum=430, complaints=5, substantiated=4, satisfied=3),
        Stats(ratings=100, star_sum=430, complaints=5, overdue=3, satisfied=3),
        Stats(ratings=100, star_sum=430, complaints=5, dissatisfied=3),
    ]
    assert all(score(w, CITY).total < score(base, CITY).total for w in worse)


def test_complaints_are_normalised_by_volume() -> None:
    busy = score(Stats(ratings=1000, star_sum=4300, complaints=10), CITY)
    quiet = score(Stats(ratings=20, star_sum=86, complaints=10), CITY)
    assert busy.complaints > quiet.complaints
