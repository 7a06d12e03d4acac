"""The desk's pictures as geometry for server-rendered SVG: bars of responses per day and
a grid of responding members per region × item. The template draws them with classes
and presentation attributes only (the CSP allows no inline styles), and shows the same
figures as a table."""

from dataclasses import dataclass
from datetime import date

from consult.statements.desk import DeskRow

WEEKDAY_LETTERS = "mdwdvzz"
WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
BAR_WIDTH, BAR_GAP, CHART_HEIGHT, LABEL_SPACE = 18, 4, 80, 16
CELL, ROW_LABEL, COLUMN_LABEL = 28, 120, 18


@dataclass
class Bar:
    day: date
    value: int
    x: int
    y: int
    height: int
    letter: str

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.day.weekday()]} {self.day.day}-{self.day.month}"


@dataclass
class Cell:
    region: str
    item_label: str
    value: int
    x: int
    y: int
    level: int  # 0..4, a class picks the shade


def day_bars(row: DeskRow) -> dict:
    """Bars scaled to the busiest day; a day without responses shows a thin baseline."""
    top = max((value for _, value in row.per_day), default=0) or 1
    bars = []
    for index, (day, value) in enumerate(row.per_day):
        height = round(CHART_HEIGHT * value / top)
        bars.append(Bar(day, value, index * (BAR_WIDTH + BAR_GAP), CHART_HEIGHT - height,
                        height, WEEKDAY_LETTERS[day.weekday()]))
    width = max(len(bars) * (BAR_WIDTH + BAR_GAP), BAR_WIDTH)
    return {"bars": bars, "width": width, "height": CHART_HEIGHT + LABEL_SPACE,
            "baseline": CHART_HEIGHT, "bar_width": BAR_WIDTH, "top": top}


def region_cells(row: DeskRow) -> dict:
    """One cell per region × item, its shade by the share of the busiest cell."""
    top = row.grid_max or 1
    cells = []
    for r, region in enumerate(row.regions):
        for c, item in enumerate(row.items):
            value = row.grid.get((region, item.id), 0)
            level = 0 if value == 0 else min(4, 1 + (3 * value) // top)
            cells.append(Cell(region, item.label, value, ROW_LABEL + c * CELL,
                              COLUMN_LABEL + r * CELL, level))
    return {"cells": cells, "cell": CELL - 2, "row_label": ROW_LABEL,
            "column_label": COLUMN_LABEL,
            "columns": [(ROW_LABEL + c * CELL + CELL // 2, item.label)
                        for c, item in enumerate(row.items)],
            "rows": [(COLUMN_LABEL + r * CELL + CELL // 2 + 4, region)
                     for r, region in enumerate(row.regions)],
            "width": ROW_LABEL + len(row.items) * CELL,
            "height": COLUMN_LABEL + len(row.regions) * CELL}


def charts(row: DeskRow) -> dict:
    return {"days": day_bars(row), "grid": region_cells(row)}
