"""Text problems in a matplotlib figure: text outside the figure, labels that overlap.

Used by the figure tests: every figure the CLI makes must have all its text
inside the figure bounds and no two text labels drawn on top of each other.
"""

from __future__ import annotations

import matplotlib.text as mtext
from matplotlib.axis import Tick


def _drawn_texts(fig) -> list:
    """Every text the figure draws: non-empty, visible, of visible axes; tick labels only within the view."""
    tick_ids, texts = set(), []
    for ax in fig.axes:
        for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = sorted(lim)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                for label in (tick.label1, tick.label2):
                    tick_ids.add(id(label))
                    loc = tick.get_loc()
                    if ax.get_visible() and label.get_visible() and label.get_text().strip() and loc is not None and lo - 1e-9 <= loc <= hi + 1e-9:
                        texts.append(label)
    for t in fig.findobj(mtext.Text):
        if id(t) in tick_ids or isinstance(t.axes, Tick) or not t.get_visible() or not t.get_text().strip():
            continue
        if t.axes is not None and not t.axes.get_visible():
            continue
        texts.append(t)
    return texts


def text_problems(fig, tolerance: float = 1.0) -> list[str]:
    """'outside: ...' and 'overlap: ... / ...' for every clipped or overlapping text (empty when clean)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    texts = _drawn_texts(fig)
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    problems = []
    for t, b in boxes:
        if b.x0 < box.x0 - tolerance or b.y0 < box.y0 - tolerance or b.x1 > box.x1 + tolerance or b.y1 > box.y1 + tolerance:
            problems.append(f"outside: {t.get_text()!r}")
    for i, (t1, b1) in enumerate(boxes):
        for t2, b2 in boxes[i + 1:]:
            w = min(b1.x1, b2.x1) - max(b1.x0, b2.x0)
            h = min(b1.y1, b2.y1) - max(b1.y0, b2.y0)
            if w > tolerance and h > tolerance:
                problems.append(f"overlap: {t1.get_text()!r} / {t2.get_text()!r}")
    return problems
