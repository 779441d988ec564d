"""Horizontal bar charts as server-rendered SVG, each with a data table beside it."""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 26
# Bars of a ranked chart: at a million partnerships a chart per country would list every
# country on earth (about 200 bars, 15,000 px tall).
TOP_BARS = 15
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
    left_out: int = 0  # values not drawn (a ranked chart shows its top ones)

    @property
    def total(self) -> int:
        return sum(b.value for b in self.bars)

    @property
    def description(self) -> str:
        return "; ".join(f"{b.label}: {b.value}" for b in self.bars)


def bar_chart(chart_id, title, rows, column, param, *, top=None) -> Chart:
    """rows: (label, value) or (label, value, slug); with ``top``, rows ranked most first of
    which only the first ``top`` are drawn."""
    rows = list(rows)
    left_out = 0
    if top is not None and len(rows) > top:
        rows, left_out = rows[:top], len(rows) - top
    top = max((r[1] for r in rows), default=0) or 1
    usable = CHART_WIDTH - LABEL_WIDTH - 100  # room after the longest bar for "≈1,234,567"
    bars = []
    for i, row in enumerate(rows):
        label, value = row[0], row[1]
        slug = row[2] if len(row) > 2 else ""
        bars.append(Bar(str(label), value, i * (BAR_HEIGHT + GAP), usable * value / top, slug))
    height = max(len(bars), 1) * (BAR_HEIGHT + GAP)
    return Chart(chart_id, str(title), str(column), param, bars, height, left_out=left_out)
