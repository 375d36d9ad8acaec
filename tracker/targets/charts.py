"""Charts drawn on the server as SVG: no JavaScript, no CDN, readable on a phone.

A chart is a grouped bar chart: one group per category (a year, a type of support), one bar per
series (target, actual). The SVG scales to the page's width; a text description and the tables on
the page carry the same numbers for screen readers.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from tracker.core.formatting import format_number

WIDTH, HEIGHT = 360, 210
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 34, 44


@dataclass
class Series:
    label: str
    css_class: str  # chart-target, chart-actual
    values: list[Decimal | None]


def _nice_max(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return Decimal(step)
    return value


def bar_chart(title: str, categories: list[str], series: list[Series], description: str = "") -> Markup:
    values = [v for s in series for v in s.values if v is not None]
    top = _nice_max(max(values, default=Decimal(0)))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    group_width = plot_width / max(len(categories), 1)
    bar_width = min(group_width * 0.8 / max(len(series), 1), 28)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{_id(title)}-t {_id(title)}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_id(title)}-t">{escape(title)}</title>',
        f'<desc id="{_id(title)}-d">{escape(description or _describe(categories, series))}</desc>',
    ]
    # Legend.
    x = LEFT
    for item in series:
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" class="{item.css_class}"></rect>')
        parts.append(f'<text x="{x + 14}" y="15" class="chart-legend">{escape(item.label)}</text>')
        x += 14 + 7 * len(item.label) + 12
    baseline = TOP + plot_height
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{baseline}" y2="{baseline}" class="chart-axis"></line>')
    for index, category in enumerate(categories):
        group_x = LEFT + index * group_width + (group_width - bar_width * len(series)) / 2
        for position, item in enumerate(series):
            value = item.values[index]
            bar_x = group_x + position * bar_width
            if value is None:
                parts.append(f'<text x="{bar_x + bar_width / 2:.1f}" y="{baseline - 4}" class="chart-value chart-missing" text-anchor="middle">–</text>')
                continue
            height = float(value) / float(top) * plot_height if value > 0 else 0
            parts.append(
                f'<rect x="{bar_x:.1f}" y="{baseline - height:.1f}" width="{bar_width - 2:.1f}" height="{height:.1f}" class="{item.css_class}">'
                f"<title>{escape(category)} · {escape(item.label)}: {escape(format_number(value))}</title></rect>"
            )
            parts.append(f'<text x="{bar_x + (bar_width - 2) / 2:.1f}" y="{baseline - height - 3:.1f}" class="chart-value" text-anchor="middle">{escape(format_number(value))}</text>')
        parts.append(f'<text x="{LEFT + index * group_width + group_width / 2:.1f}" y="{baseline + 14}" class="chart-label" text-anchor="middle">{escape(_short(category))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(text: str, length: int = 14) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _id(title: str) -> str:
    return "chart-" + format(zlib.crc32(title.encode("utf-8")), "x")


def _describe(categories: list[str], series: list[Series]) -> str:
    return "; ".join(
        f"{category}: " + ", ".join(f"{s.label} {format_number(s.values[i]) if s.values[i] is not None else '–'}" for s in series)
        for i, category in enumerate(categories)
    )
