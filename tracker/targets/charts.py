"""Charts drawn on the server as SVG: no JavaScript, no CDN, readable on a phone.

Three kinds of chart, each comparing series (target, actual) over categories:

- `bar_chart`: vertical bars grouped by category, for a few short categories (the years);
- `hbar_chart`: horizontal bars, one group per category with the category's full name on its own
  line(s) above its bars, for long names (the types of support);
- `line_chart`: lines over the categories, for running totals.

The SVG is 360 units wide and scales to the width of its column: on a 375px phone one unit is
about one pixel, so the font sizes in app.css are what the phone shows. Each SVG is an image
(role="img") named by its <title> and described by a <desc> that carries every number; the page
puts a visible caption above it (`Chart`, templates/targets/index.html) and the tables on the page
carry the same numbers.
"""

from __future__ import annotations

import textwrap
import zlib
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from tracker.core.formatting import format_number

WIDTH, HEIGHT = 360, 210
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 34, 44
# Horizontal bars: a line of the category's name, then one bar per series, then a gap.
NAME_LINE, BAR, BAR_GAP, GROUP_GAP = 15, 12, 3, 12
VALUE_ROOM = 44  # room right of the longest bar for its value
NAME_CHARACTERS = 44  # characters of a name per line: fits 360 units at the labels' 12px


@dataclass
class Series:
    label: str
    css_class: str  # chart-target, chart-actual
    values: list[Decimal | None]


@dataclass
class Chart:
    """A chart as the page shows it: a visible caption above the SVG."""

    title: str
    svg: Markup


def _nice_max(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return Decimal(step)
    return value


def _open(title: str, height: float, description: str, kind: str) -> list[str]:
    return [
        f'<svg class="chart" data-chart="{kind}" viewBox="0 0 {WIDTH} {height:g}" role="img" '
        f'aria-labelledby="{_id(title)}-t" aria-describedby="{_id(title)}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_id(title)}-t">{escape(title)}</title>',
        f'<desc id="{_id(title)}-d">{escape(description)}</desc>',
    ]


def _legend(series: list[Series], line: bool = False) -> list[str]:
    parts, x = [], LEFT
    for item in series:
        if line:
            parts.append(f'<line x1="{x}" x2="{x + 14}" y1="11" y2="11" class="chart-line {item.css_class}"></line>')
            text_x = x + 18
        else:
            parts.append(f'<rect x="{x}" y="5" width="11" height="11" class="{item.css_class}"></rect>')
            text_x = x + 15
        parts.append(f'<text x="{text_x}" y="15" class="chart-legend">{escape(item.label)}</text>')
        x = text_x + 7 * len(item.label) + 12
    return parts


def _bar_title(category: str, item: Series, value: Decimal) -> str:
    return f"<title>{escape(category)} · {escape(item.label)}: {escape(format_number(value))}</title>"


def bar_chart(title: str, categories: list[str], series: list[Series], description: str = "") -> Markup:
    """Vertical bars grouped by category: for a few short categories (years)."""
    values = [v for s in series for v in s.values if v is not None]
    top = _nice_max(max(values, default=Decimal(0)))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    group_width = plot_width / max(len(categories), 1)
    bar_width = min(group_width * 0.8 / max(len(series), 1), 28)
    parts = _open(title, HEIGHT, description or _describe(categories, series), "bars") + _legend(series)
    baseline = TOP + plot_height
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{baseline}" y2="{baseline}" class="chart-axis"></line>')
    for index, category in enumerate(categories):
        group_x = LEFT + index * group_width + (group_width - bar_width * len(series)) / 2
        for position, item in enumerate(series):
            value = item.values[index]
            bar_x = group_x + position * bar_width
            if value is None:
                parts.append(
                    f'<text x="{bar_x + bar_width / 2:.1f}" y="{baseline - 4}" class="chart-value chart-missing" text-anchor="middle">–</text>'
                )
                continue
            height = float(value) / float(top) * plot_height if value > 0 else 0
            parts.append(
                f'<rect x="{bar_x:.1f}" y="{baseline - height:.1f}" width="{bar_width - 2:.1f}" height="{height:.1f}" class="{item.css_class}">'
                f"{_bar_title(category, item, value)}</rect>"
            )
            parts.append(
                f'<text x="{bar_x + (bar_width - 2) / 2:.1f}" y="{baseline - height - 3:.1f}" class="chart-value" text-anchor="middle">{escape(format_number(value))}</text>'
            )
        parts.append(
            f'<text x="{LEFT + index * group_width + group_width / 2:.1f}" y="{baseline + 16}" class="chart-label" text-anchor="middle">{escape(category)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def hbar_chart(title: str, categories: list[str], series: list[Series], description: str = "") -> Markup:
    """Horizontal bars: each category's full name on its own line(s), its bars (one per series)
    below, each bar's value at its end. The chart grows downwards with the categories, so long
    names and many categories stay readable on a phone."""
    values = [v for s in series for v in s.values if v is not None]
    top = max(values, default=Decimal(0))
    plot_width = WIDTH - LEFT - RIGHT - VALUE_ROOM
    parts = []
    y = 30.0
    for index, category in enumerate(categories):
        lines = textwrap.wrap(category, NAME_CHARACTERS, break_long_words=False) or [""]
        spans = "".join(
            f'<tspan x="{LEFT}" dy="{0 if number == 0 else NAME_LINE}">{escape(line)}</tspan>'
            for number, line in enumerate(lines)
        )
        parts.append(f'<text x="{LEFT}" y="{y + 11:.1f}" class="chart-label">{spans}</text>')
        y += NAME_LINE * len(lines) + 2
        # The axis, where the category's bars start.
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT}" y1="{y - 1:.1f}" y2="{y + len(series) * (BAR + BAR_GAP) - BAR_GAP + 1:.1f}" class="chart-axis"></line>'
        )
        for item in series:
            value = item.values[index]
            if value is None:
                parts.append(f'<text x="{LEFT + 2}" y="{y + BAR - 2:.1f}" class="chart-value chart-missing">–</text>')
            else:
                length = float(value) / float(top) * plot_width if top > 0 and value > 0 else 0
                parts.append(
                    f'<rect x="{LEFT}" y="{y:.1f}" width="{length:.1f}" height="{BAR}" class="{item.css_class}">'
                    f"{_bar_title(category, item, value)}</rect>"
                )
                parts.append(
                    f'<text x="{LEFT + length + 4:.1f}" y="{y + BAR - 2:.1f}" class="chart-value">{escape(format_number(value))}</text>'
                )
            y += BAR + BAR_GAP
        y += GROUP_GAP - BAR_GAP
    height = max(y, 40.0)
    return Markup(
        "".join(
            _open(title, height, description or _describe(categories, series), "hbars")
            + _legend(series)
            + parts
            + ["</svg>"]
        )
    )


def line_chart(title: str, categories: list[str], series: list[Series], description: str = "") -> Markup:
    """Lines over the categories, each point labelled with its value: the higher value of a
    category above its point, the lower one below, so that two close lines keep readable labels.
    A series stops at its first missing value."""
    values = [v for s in series for v in s.values if v is not None]
    top = max(values, default=Decimal(0)) or Decimal(1)  # the highest point at the top: no axis to read
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(categories), 1)
    baseline = TOP + plot_height
    parts = _open(title, HEIGHT, description or _describe(categories, series), "lines") + _legend(series, line=True)
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{baseline}" y2="{baseline}" class="chart-axis"></line>')

    def x_of(index: int) -> float:
        return LEFT + index * step + step / 2

    def y_of(value: Decimal) -> float:
        return baseline - (float(value) / float(top) * plot_height if value > 0 else 0)

    for item in series:
        points = [(x_of(i), y_of(v)) for i, v in enumerate(item.values) if v is not None]
        if len(points) > 1:
            parts.append(
                f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}" class="chart-line {item.css_class}"></polyline>'
            )
    for index, category in enumerate(categories):
        known = [(item, item.values[index]) for item in series if item.values[index] is not None]
        ranked = sorted(known, key=lambda pair: pair[1], reverse=True)
        for item, value in known:
            x, y = x_of(index), y_of(value)
            above = len(ranked) < 2 or ranked[0][0] is item
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="chart-point {item.css_class}">{_bar_title(category, item, value)}</circle>'
            )
            label_y = y - 6 if above else y + 14
            parts.append(
                f'<text x="{x:.1f}" y="{label_y:.1f}" class="chart-value" text-anchor="middle">{escape(format_number(value))}</text>'
            )
        parts.append(
            f'<text x="{x_of(index):.1f}" y="{baseline + 30}" class="chart-label" text-anchor="middle">{escape(category)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _id(title: str) -> str:
    return "chart-" + format(zlib.crc32(title.encode("utf-8")), "x")


def _describe(categories: list[str], series: list[Series]) -> str:
    return "; ".join(
        f"{category}: "
        + ", ".join(f"{s.label} {format_number(s.values[i]) if s.values[i] is not None else '–'}" for s in series)
        for i, category in enumerate(categories)
    )
