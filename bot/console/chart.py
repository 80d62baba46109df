"""The geometry of a small line chart drawn as inline SVG by the templates (no script needed)."""
from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 14, 38  # margins for the axis labels (20 units tall on a phone)
MIN_SPAN = 20  # points: a flat series still gets a readable scale


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    value: float
    label: str  # under the axis: "11月"
    title: str  # on hover: "2026年11月 83.5 分"


@dataclass(frozen=True)
class GridLine:
    y: float
    value: int


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    right: int
    baseline: float
    points: list[ChartPoint]
    grid: list[GridLine]

    @property
    def polyline(self) -> str:
        """The ``points`` attribute of the SVG polyline."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _scale(values: list[float]) -> tuple[int, int, int]:
    """Bounds on multiples of ten within 0–100 around the values, and the grid step."""
    low = max(0, math.floor((min(values) - 5) / 10) * 10)
    high = min(100, math.ceil((max(values) + 5) / 10) * 10)
    if high - low < MIN_SPAN:
        high = min(100, low + MIN_SPAN)
        low = high - MIN_SPAN
    return low, high, 10 if high - low <= 50 else 20


def line_chart(series: list[tuple[str, float]], width: int = WIDTH, height: int = HEIGHT) -> LineChart:
    """Place ``series`` (("2026-11", 83.5) oldest first, scores 0–100) on a ``width`` × ``height`` canvas."""
    values = [v for _, v in series] or [0.0]
    low, high, step = _scale(values)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    gap = plot_w / max(len(series) - 1, 1)
    points = []
    for i, (month, value) in enumerate(series):
        year, mon = month.split("-")
        points.append(ChartPoint(LEFT + i * gap, y_of(value), value, f"{int(mon)}月", f"{year}年{int(mon)}月 {value:g} 分"))
    grid = [GridLine(y_of(v), v) for v in range(low, high + 1, step)]
    return LineChart(width, height, LEFT, width - RIGHT, TOP + plot_h, points, grid)
