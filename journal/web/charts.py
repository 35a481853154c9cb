"""Charts drawn on the server as SVG geometry (templates/macros/charts.html draws it): bars and lines, no JavaScript.

A chart is numbers in a fixed viewBox; the page scales it. Each series gets a CSS class (chart-series-0, -1…) so
the stylesheet colours it, and every chart is shown beside the table of the same figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 28, 12, 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    value: float
    category: str


@dataclass(frozen=True)
class Line:
    series: int
    points: str  # "x,y x,y …" for <polyline>
    dots: tuple[tuple[float, float, float, str], ...]  # (x, y, value, category)


@dataclass(frozen=True)
class Chart:
    title: str
    kind: str  # "bar" or "line"
    names: tuple[str, ...]  # the series, in order (the legend)
    bars: tuple[Bar, ...]
    lines: tuple[Line, ...]
    x_labels: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: float = HEIGHT - BOTTOM
    right_x: float = WIDTH - RIGHT


def nice_top(largest: float) -> tuple[float, float]:
    """The axis' top and its step: 1, 2 or 5 times a power of ten, four or five steps."""
    if largest <= 0:
        return 1, 1
    raw = largest / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if step < 1 and largest >= 1:
        step = 1
    return step * math.ceil(largest / step), step


def _axis(values: list[float]) -> tuple[float, tuple[tuple[float, str], ...]]:
    top, step = nice_top(max(values, default=0))
    ticks, value = [], 0.0
    while value <= top + step / 2:
        ticks.append((_y(value, top), f"{value:g}"))
        value += step
    return top, tuple(ticks)


def _y(value: float, top: float) -> float:
    return round(HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (value / top), 1)


def _x_labels(categories: list[str], centre) -> tuple[tuple[float, str], ...]:
    every = max(1, math.ceil(len(categories) / 12))  # at most a dozen labels under the axis
    return tuple((centre(i), c) for i, c in enumerate(categories) if i % every == 0)


def bar_chart(title: str, categories: list[str], series: list[tuple[str, list[float | None]]]) -> Chart:
    """Grouped bars: one group per category, one bar per series; a missing value (None) draws no bar."""
    values = [v or 0 for _name, vs in series for v in vs]
    top, ticks = _axis(values)
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(categories))
    bar_width = slot * 0.8 / max(1, len(series))
    bars = []
    for s, (_name, vs) in enumerate(series):
        for i, value in enumerate(vs):
            if value is None:
                continue
            y = _y(value, top)
            bars.append(Bar(round(LEFT + i * slot + slot * 0.1 + s * bar_width, 1), y, round(bar_width, 1),
                            round(HEIGHT - BOTTOM - y, 1), s, value, categories[i]))
    return Chart(title, "bar", tuple(n for n, _ in series), tuple(bars), (),
                 _x_labels(categories, lambda i: round(LEFT + (i + 0.5) * slot, 1)), ticks)


def line_chart(title: str, categories: list[str], series: list[tuple[str, list[float]]]) -> Chart:
    """One line per series over the categories (months)."""
    top, ticks = _axis([v for _name, vs in series for v in vs])
    step = (WIDTH - LEFT - RIGHT) / max(1, len(categories) - 1) if len(categories) > 1 else 0

    def x(i: int) -> float:
        return round(LEFT + i * step if len(categories) > 1 else (WIDTH + LEFT - RIGHT) / 2, 1)

    lines = []
    for s, (_name, vs) in enumerate(series):
        dots = tuple((x(i), _y(v, top), v, categories[i]) for i, v in enumerate(vs))
        lines.append(Line(s, " ".join(f"{dx},{dy}" for dx, dy, _v, _c in dots), dots))
    return Chart(title, "line", tuple(n for n, _ in series), (), tuple(lines), _x_labels(categories, x), ticks)
