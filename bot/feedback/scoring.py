"""Service-quality score of a unit (or a cadre) for a period, 0–100.

    rating part   R = (r̃ − 1) / 4 · 100, with r̃ = (C·m + n·r̄) / (C + n)        (Bayesian mean of stars)
    complaints    K = 100 · (1 − k / (n + k + A))                                  (complaints per interaction)
    substantiated S = 100 · (1 − s / (k + A))
    overdue       O = 100 · (1 − o / (k + A))
    satisfaction  F = 100 · (y + B·p) / (y + u + B)                                (smoothed towards p)
    score = 0.60·R + 0.15·K + 0.10·S + 0.10·O + 0.05·F

r̄ is the mean of both dimensions over the n ratings, m the city-wide mean in the same period, C
the prior's weight in ratings; k complaints, s of them substantiated, o handled late; y satisfied and
u dissatisfied verdicts after handling. A unit with no data scores like an average unit, and a few
ratings move it only a little: small counts are smoothed rather than trusted.
"""
from __future__ import annotations

from dataclasses import dataclass

PRIOR_RATINGS = 10.0  # C
COMPLAINT_SMOOTHING = 5.0  # A
SATISFACTION_PRIOR = 4.0  # B
SATISFACTION_MEAN = 0.8  # p
WEIGHTS = {"rating": 0.60, "complaints": 0.15, "substantiated": 0.10, "overdue": 0.10, "satisfaction": 0.05}


@dataclass(frozen=True)
class Stats:
    """What happened to one unit (or cadre) in the period."""

    ratings: int = 0
    star_sum: float = 0.0  # sum over ratings of (attitude + proficiency) / 2
    complaints: int = 0
    substantiated: int = 0
    overdue: int = 0
    satisfied: int = 0
    dissatisfied: int = 0


@dataclass(frozen=True)
class Score:
    total: float
    rating: float
    complaints: float
    substantiated: float
    overdue: float
    satisfaction: float


def score(stats: Stats, city_mean_stars: float) -> Score:
    """The score and its parts (see the module docstring)."""
    smoothed = (PRIOR_RATINGS * city_mean_stars + stats.star_sum) / (PRIOR_RATINGS + stats.ratings)
    parts = {
        "rating": (smoothed - 1) / 4 * 100,
        "complaints": 100 * (1 - stats.complaints / (stats.ratings + stats.complaints + COMPLAINT_SMOOTHING)),
        "substantiated": 100 * (1 - stats.substantiated / (stats.complaints + COMPLAINT_SMOOTHING)),
        "overdue": 100 * (1 - stats.overdue / (stats.complaints + COMPLAINT_SMOOTHING)),
        "satisfaction": 100 * (stats.satisfied + SATISFACTION_PRIOR * SATISFACTION_MEAN)
        / (stats.satisfied + stats.dissatisfied + SATISFACTION_PRIOR),
    }
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    return Score(round(total, 2), *(round(parts[k], 2) for k in WEIGHTS))
