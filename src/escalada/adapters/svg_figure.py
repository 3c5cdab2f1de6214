"""One matplotlib figure drawn off-screen (Agg) and handed back as an inline SVG element:
the charts of the report and of account health share this, not their own copies."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any


def svg_figure(size: tuple[float, float], draw: Callable[[Any, Any], None]) -> str:
    """`draw(figure, axes)` on a new figure of `size` inches; the result as `<svg …>`
    without the XML prologue, with no creation date in it (the same chart renders the
    same bytes)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=size)
    try:
        draw(figure, axes)
        figure.autofmt_xdate()
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    finally:
        plt.close(figure)
    svg = out.getvalue()
    return svg[svg.index("<svg"):]
