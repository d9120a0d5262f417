"""Line charts for the HTML/PDF report as coordinates the template draws as inline SVG.

The report must be one self-contained file that prints the same everywhere (no script, no CDN),
so the geometry is computed here and the template only places lines and labels; brand names
and dates reach the page through Jinja2's autoescape like every other text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Series:
    """One line: its name, colour and SVG polyline segments (a gap splits a line)."""

    name: str
    colour: str
    segments: list[str]
    dashed: bool = False


@dataclass(frozen=True)
class LineChart:
    """A chart's size, its lines, and labels for the y axis and the days."""

    width: int
    height: int
    left: int
    bottom: int
    series: list[Series]
    y_ticks: list[tuple[float, str]]  # (y, label)
    x_ticks: list[tuple[float, str, str]]  # (x, label, text-anchor)


COLOURS = ["#e07a1f", "#3b6fd1", "#2a9d8f", "#8e5ccf", "#c94f7c", "#6b7785"]


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def line_chart(days: list[date], lines: list[tuple[str, list[float | None]]],
               low: float | None = None, high: float | None = None, fmt: str = "{:.0f}",
               width: int = 640, height: int = 200,
               dashed: set[str] | None = None) -> LineChart:
    """Lay out ``lines`` (name, one value or None per day) over ``days``."""
    left, right, top, bottom = 44, 10, 8, 22
    values = [v for _, vs in lines for v in vs if v is not None]
    lo = low if low is not None else 0.0
    hi = high if high is not None else max([*values, 1.0])
    hi = max(hi, lo + 1e-9)

    def x(i: int) -> float:
        return round(left + i * (width - left - right) / max(1, len(days) - 1), 1)

    def y(v: float) -> float:
        return round(height - bottom - (v - lo) / (hi - lo) * (height - bottom - top), 1)

    series = []
    for n, (name, vs) in enumerate(lines):
        segments: list[str] = []
        current: list[str] = []
        for i, v in enumerate(vs):
            if v is None:
                if current:
                    segments.append(" ".join(current))
                current = []
                continue
            current.append(f"{x(i)},{y(v)}")
        if current:
            segments.append(" ".join(current))
        series.append(Series(name, COLOURS[n % len(COLOURS)], segments,
                             name in (dashed or set())))
    ticks = [(y(lo + (hi - lo) * t / 4), fmt.format(lo + (hi - lo) * t / 4)) for t in range(5)]
    years = bool(days) and days[0].year != days[-1].year
    step = max(1, -(-len(days) // 7))
    x_ticks = []
    for i, d in enumerate(days):
        last = i == len(days) - 1
        if (i % step == 0 and (len(days) - 1 - i >= step / 2 or i == 0)) or last:
            anchor = "end" if last and i else ("start" if i == 0 else "middle")
            x_ticks.append((x(i), d.isoformat() if years else d.strftime("%m-%d"), anchor))
    return LineChart(width, height, left, bottom, series, ticks, x_ticks)
