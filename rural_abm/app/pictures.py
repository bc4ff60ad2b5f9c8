"""The teaching page's pictures: village panels as a PNG, charts as ECharts options, from the model's public outputs.

The panels are drawn with NumPy and Pillow (a cell per person); the charts
are option dictionaries for ECharts, which the browser draws from the copy
that solara-assets installed. Nothing here imports Solara, so the pictures
can be made and checked without a browser, and a redraw costs the server
milliseconds (the page steps several years a second).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from PIL import Image

from ..model.agents import Person
from ..model.codes import Occupation, Status
from .lesson import VILLAGE_NAMES

#: What a person is on the village panels, in the order cells are filled (away last, at the bottom).
CATEGORIES = ("entrepreneur", "employee", "returned", "home", "away")
COLOURS = ("#d7301f", "#f46d43", "#2c7bb6", "#1a9641", "#d0d0d0")
PANEL_COLUMNS = 20
#: Largest number of cells drawn per village; larger villages are sampled (evenly over the sorted cells).
MAX_CELLS = 400
CELL_PX = 6
GAP_PX = 14
VILLAGE_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4", "#b2df8a")


def person_categories(model) -> list[np.ndarray]:
    """Category codes (indices into CATEGORIES) of the living persons of each village, sorted."""
    code = {name: i for i, name in enumerate(CATEGORIES)}
    by_village = [[] for _ in range(model.n_villages)]
    for village, status, occupation in model.agents_by_type[Person].get(["village", "status", "occupation"]):
        if status not in (Status.HOME, Status.RETURNED):
            cat = "away"
        elif occupation == Occupation.ENTREPRENEUR:
            cat = "entrepreneur"
        elif occupation == Occupation.LOCAL_EMPLOYEE:
            cat = "employee"
        else:
            cat = "returned" if status == Status.RETURNED else "home"
        by_village[village].append(code[cat])
    return [np.sort(np.array(v, dtype=np.int8)) for v in by_village]


def panel_cells(categories: np.ndarray, cells: int) -> np.ndarray:
    """``cells`` category codes of one village (sampled evenly when larger; -1 pads), as rows of PANEL_COLUMNS."""
    if len(categories) > cells:
        categories = categories[np.linspace(0, len(categories) - 1, cells).round().astype(int)]
    padded = np.full(cells, -1, np.int8)
    padded[: len(categories)] = categories
    return padded.reshape(-1, PANEL_COLUMNS)


def village_panels_png(categories: list[np.ndarray]) -> bytes:
    """One panel per village side by side, a cell per person coloured by CATEGORIES (white = no one), as PNG."""
    largest = max((len(c) for c in categories), default=1)
    cells = int(np.ceil(max(min(largest, MAX_CELLS), 1) / PANEL_COLUMNS)) * PANEL_COLUMNS
    palette = np.array([[255, 255, 255]] + [[int(c[i: i + 2], 16) for i in (1, 3, 5)] for c in COLOURS], np.uint8)
    panels = []
    for cats in categories:
        grid = palette[panel_cells(cats, cells) + 1]
        grid = grid.repeat(CELL_PX, axis=0).repeat(CELL_PX, axis=1)
        grid[::CELL_PX, :] = 255  # thin white lines between cells
        grid[:, ::CELL_PX] = 255
        panels.append(grid)
        panels.append(np.full((grid.shape[0], GAP_PX, 3), 255, np.uint8))
    buf = io.BytesIO()
    Image.fromarray(np.concatenate(panels[:-1], axis=1)).save(buf, format="png")
    return buf.getvalue()


def legend_html() -> str:
    """The colour key of the village panels as inline HTML."""
    swatch = '<span style="display:inline-block;width:10px;height:10px;background:{};margin:0 3px 0 8px"></span>{}'
    return "".join(swatch.format(c, name) for name, c in zip(CATEGORIES, COLOURS))


# ------------------------------------------------------------------ charts (ECharts options)
def _line(name, x, y, colour=None, width=2, **extra) -> dict:
    """A line series through points (x, y); x None means y is given per year category."""
    data = [None if pd.isna(b) else round(float(b), 4) for b in y]
    if x is not None:
        data = [[float(a), b] for a, b in zip(x, data)]
    series = {"name": name, "type": "line", "showSymbol": False, "lineStyle": {"width": width}, "data": data, **extra}
    if colour:
        series["itemStyle"] = {"color": colour}
        series["lineStyle"]["color"] = colour
    return series


def _chart(title: str, ylabel: str, series: list, span: tuple, marks: list | None = None) -> dict:
    if marks and series:
        series[0]["markLine"] = {"silent": True, "symbol": "none", "data": marks, "label": {"fontSize": 10}}
    return {
        "animation": False,
        "title": {"text": title, "textStyle": {"fontSize": 13}},
        "legend": {"top": 22, "textStyle": {"fontSize": 11}},
        "grid": {"left": 55, "right": 15, "top": 55, "bottom": 30},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "data": [str(y) for y in range(span[0], span[1] + 1)], "boundaryGap": False},
        "yAxis": {"type": "value", "name": ylabel, "nameTextStyle": {"fontSize": 11}, "scale": True},
        "series": series,
    }


def _by_year(values: pd.Series, span: tuple) -> pd.Series:
    """``values`` (indexed by year) on every year of ``span``, NaN where not yet simulated."""
    return values.reindex(range(span[0], span[1] + 1))


def _shock_mark(shock_year: int) -> list:
    return [{"xAxis": str(shock_year), "name": "shock", "lineStyle": {"type": "dotted", "color": "#000"}}] if shock_year else []


def county_chart(county: pd.DataFrame, columns: dict, title: str, ylabel: str, span: tuple, shock_year: int = 0) -> dict:
    """County outputs over the years, one line per column (``columns``: metric -> legend label)."""
    series = [_line(label, None, _by_year(county[name], span)) for name, label in columns.items() if name in county]
    return _chart(title, ylabel, series, span, _shock_mark(shock_year))


def village_chart(villages: pd.DataFrame, column: str, title: str, ylabel: str, span: tuple, shock_year: int = 0,
                  level: float | None = None, level_label: str = "") -> dict:
    """A village output over the years, one line per village (a dotted horizontal ``level`` if given)."""
    table = villages[column].unstack("village") if len(villages) else pd.DataFrame()
    series = [_line(VILLAGE_NAMES[v], None, _by_year(table[v], span), VILLAGE_COLOURS[v % len(VILLAGE_COLOURS)])
              for v in table.columns]
    marks = _shock_mark(shock_year)
    if level is not None:
        marks.append({"yAxis": round(level, 3), "name": level_label, "lineStyle": {"type": "dashed", "color": "#d00"},
                      "label": {"formatter": level_label, "position": "insideEndTop"}})
    return _chart(title, ylabel, series, span, marks)


def mean_field_chart(x, fx, tip: float | None, villages: pd.DataFrame, trail: int = 6) -> dict:
    """The mean-field map with the villages moving on it, in two panels.

    Left: share away next year against share away now, with the map F(x),
    the 45-degree line and the tipping point. Right: the same as the change
    over a year, F(x) - x, magnified (the map lies close to the diagonal).
    Each village's last ``trail`` years are a path ending in a large dot.
    """
    series = [_line("45° line: no change", [0, 1], [0, 1], "#000", 1, lineStyle={"type": "dashed", "color": "#000", "width": 1}),
              _line("", [0, 1], [0, 0], "#000", 1, lineStyle={"type": "dashed", "color": "#000", "width": 1},
                    xAxisIndex=1, yAxisIndex=1)]
    if x is not None:
        series.append(_line("map F(x)", x, fx, "#444", 3))
        series.append(_line("map F(x)", x, np.asarray(fx) - np.asarray(x), "#444", 3, xAxisIndex=1, yAxisIndex=1))
    if tip is not None:
        ring = {"color": "rgba(0,0,0,0)", "borderColor": "#d00", "borderWidth": 2}
        for panel, y in ((0, tip), (1, 0.0)):
            series.append({"name": f"tipping point {tip:.2f}", "type": "scatter", "symbolSize": 16, "data": [[tip, y]],
                           "itemStyle": ring, "xAxisIndex": panel, "yAxisIndex": panel})
    if len(villages):
        share = villages["hollowing_index"].unstack("village")
        for v in share.columns:
            h = share[v].to_numpy()
            if len(h) < 2:
                continue
            colour, name = VILLAGE_COLOURS[v % len(VILLAGE_COLOURS)], VILLAGE_NAMES[v]
            now, nxt = h[:-1][-trail:], h[1:][-trail:]
            for panel, y in ((0, nxt), (1, nxt - now)):
                series.append(_line(name, now, y, colour, 1, xAxisIndex=panel, yAxisIndex=panel))
                series.append({"name": name, "type": "scatter", "symbolSize": 11, "data": [[float(now[-1]), float(y[-1])]],
                               "itemStyle": {"color": colour}, "xAxisIndex": panel, "yAxisIndex": panel})
    axis = {"type": "value", "min": 0, "max": 1, "name": "share of workers away now", "nameLocation": "middle", "nameGap": 22,
            "nameTextStyle": {"fontSize": 11}}
    keys = [s["name"] for s in series if s["name"] and s["name"] not in VILLAGE_NAMES]
    return {
        "animation": False,
        "legend": {"top": 0, "textStyle": {"fontSize": 11}, "data": list(dict.fromkeys(keys))},
        "grid": [{"left": 45, "width": "38%", "top": 50, "bottom": 40}, {"right": 15, "width": "38%", "top": 50, "bottom": 40}],
        "tooltip": {"trigger": "item"},
        "xAxis": [{**axis, "gridIndex": 0}, {**axis, "gridIndex": 1}],
        "yAxis": [{"type": "value", "min": 0, "max": 1, "name": "share away next year", "gridIndex": 0},
                  {"type": "value", "min": -0.1, "max": 0.1, "name": "change over a year", "gridIndex": 1}],
        "series": series,
    }
