"""Horizontal bar charts as server-rendered SVG, each with a data table beside it."""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 26
GAP = 8
LABEL_WIDTH = 150
CHART_WIDTH = 460


@dataclass
class Bar:
    label: str
    value: int
    y: int
    width: float
    slug: str = ""


@dataclass
class Chart:
    id: str
    title: str
    column: str
    param: str | None
    bars: list[Bar]
    height: int
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH
    approximate: bool = False  # estimated from a sample of the rows

    @property
    def total(self) -> int:
        return sum(b.value for b in self.bars)

    @property
    def description(self) -> str:
        return "; ".join(f"{b.label}: {b.value}" for b in self.bars)


def bar_chart(chart_id, title, rows, column, param) -> Chart:
    """rows: (label, value) or (label, value, slug)."""
    rows = list(rows)
    top = max((r[1] for r in rows), default=0) or 1
    usable = CHART_WIDTH - LABEL_WIDTH - 40
    bars = []
    for i, row in enumerate(rows):
        label, value = row[0], row[1]
        slug = row[2] if len(row) > 2 else ""
        bars.append(Bar(str(label), value, i * (BAR_HEIGHT + GAP), usable * value / top, slug))
    height = max(len(bars), 1) * (BAR_HEIGHT + GAP)
    return Chart(chart_id, str(title), str(column), param, bars, height)
