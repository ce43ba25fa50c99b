"""Inline SVG charts: the close report must open with no network, so no chart library from a CDN.

Each function returns an `<svg>` string sized by viewBox, so the page scales it. Labels are escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

PALETTE = ["#1f6feb", "#d29922", "#8957e5", "#cf222e", "#2da44e", "#6e7781", "#bf3989", "#0a7f8f"]


def money(value: float | Decimal | int | None) -> str:
    if value is None:
        return "-"
    value = Decimal(str(value))
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def _nice_max(value: float) -> float:
    """Rounds an axis maximum up to 1, 2 or 5 times a power of ten, so gridlines land on round figures."""
    if value <= 0:
        return 1.0
    exponent = len(str(int(value))) - 1
    base = 10.0**exponent
    for step in (1, 2, 5, 10):
        if value <= step * base:
            return step * base
    return 10 * base


def _legend(names: list[str], colors: Sequence[str], *, x: int, y: int) -> list[str]:
    """A swatch and a name per series; a single series needs no legend (the title names it)."""
    if len(names) < 2:
        return []
    parts = []
    for k, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colors[k % len(colors)]}"/>')
        parts.append(f'<text x="{x + 14}" y="{y + 9}" class="tick">{escape(name)}</text>')
        x += 20 + 8 * len(name)
    return parts


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    fmt=money,
    color: str = PALETTE[0],
    width: int = 640,
    height: int = 260,
) -> str:
    """Vertical bars, one per label, value printed above each bar."""
    return stacked_bar_chart(
        labels, {title: values}, title=title, fmt=fmt, colors=[color], width=width, height=height, legend=False
    )


def stacked_bar_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    fmt=money,
    colors: Sequence[str] = PALETTE,
    width: int = 640,
    height: int = 260,
    legend: bool = True,
) -> str:
    left, right, top, bottom = 70, 10, 30, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(float(s[i] or 0) for s in series.values()) for i in range(len(labels))]
    y_max = _nice_max(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    bar_w = slot * 0.6
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" class="chart">',
        f'<text x="{left}" y="18" class="chart-title">{escape(title)}</text>',
    ]
    for i in range(5):  # gridlines at 0, 25, 50, 75, 100 % of the axis
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{escape(fmt(y_max * i / 4))}</text>'
        )
    for i, label in enumerate(labels):
        x = left + slot * i + (slot - bar_w) / 2
        base = 0.0
        for k, (name, values) in enumerate(series.items()):
            value = float(values[i] or 0)
            h = plot_h * value / y_max
            y = top + plot_h - plot_h * (base + value) / y_max
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{max(h, 0):.1f}" '
                f'fill="{colors[k % len(colors)]}"><title>{escape(label)} / {escape(name)}: '
                f"{escape(fmt(value))}</title></rect>"
            )
            base += value
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - plot_h * base / y_max - 4:.1f}" '
            f'text-anchor="middle" class="value">{escape(fmt(totals[i]))}</text>'
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'class="tick">{escape(label)}</text>'
        )
    if legend:
        parts += _legend(list(series), colors, x=left, y=height - 18)
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bar_chart(
    labels: Sequence[str], values: Sequence[float], *, title: str, fmt=str, color: str = PALETTE[3], width: int = 640
) -> str:
    """One row per label: suits category names too long for a vertical axis (exception types)."""
    row_h, left, right, top = 24, 220, 80, 30
    height = top + row_h * max(len(labels), 1) + 10
    v_max = max((float(v or 0) for v in values), default=0) or 1.0
    plot_w = width - left - right
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" class="chart">',
        f'<text x="10" y="18" class="chart-title">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + row_h * i
        w = plot_w * float(value or 0) / v_max
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" class="tick">{escape(label)}</text>')
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{color}">'
            f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>"
        )
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 15}" class="value">{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    fmt=money,
    colors: Sequence[str] = PALETTE,
    width: int = 640,
    height: int = 260,
) -> str:
    left, right, top, bottom = 70, 10, 30, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    flat = [float(v) for vs in series.values() for v in vs if v is not None]
    y_min = min(0.0, min(flat, default=0.0))
    y_max = _nice_max(max(flat, default=0.0))
    span = (y_max - y_min) or 1.0
    step = plot_w / max(len(labels) - 1, 1)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" class="chart">',
        f'<text x="{left}" y="18" class="chart-title">{escape(title)}</text>',
    ]
    for i in range(5):
        value = y_min + span * i / 4
        y = top + plot_h - plot_h * (value - y_min) / span
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{escape(fmt(value))}</text>')
    every = max(1, -(-len(labels) * 60 // plot_w))  # about 60 px per label keeps month labels apart
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(
                f'<text x="{left + step * i:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'class="tick">{escape(label)}</text>'
            )
    for k, (name, values) in enumerate(series.items()):
        points = [
            (left + step * i, top + plot_h - plot_h * (float(v) - y_min) / span)
            for i, v in enumerate(values)
            if v is not None
        ]
        color = colors[k % len(colors)]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>')
            for (x, y), v in zip(points, [v for v in values if v is not None], strict=True):
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                    f"<title>{escape(name)}: {escape(fmt(v))}</title></circle>"
                )
    parts += _legend(list(series), colors, x=left, y=height - 18)
    parts.append("</svg>")
    return "".join(parts)
