"""An account's health trend as an HTML page: the kept scores over time drawn by
matplotlib (Agg, SVG inline) over the policy's bands, and the scores as a table."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from escalada.adapters.catalogs import translations
from escalada.adapters.svg_figure import svg_figure
from escalada.domain.policy.health import HealthPolicy
from escalada.domain.words import Words

# The bands from the top, shaded from green to red.
_SHADES = ("#d8f0d8", "#eaf5d5", "#fdf0d0", "#f9d9d5", "#f3c6c0")
# The page's words, in the reader's language (their Russian in health.po; "score", "band"
# and "kept by" are the headings of `health trend`'s table).
_HEADINGS = (Words("kept at (UTC)"), Words("score"), Words("band"), Words("rests on data"),
             Words("kept by"))
_NONE = Words("No score kept yet (`escalada health keep`).")

Point = tuple[datetime, float | None, str | None, float, str]  # at, score, band, coverage, by


def trend_chart(points: Sequence[Point], policy: HealthPolicy, language: str) -> str:
    """The kept scores as an inline SVG element, the bands shaded behind them."""

    def draw(_figure: Any, axes: Any) -> None:
        from matplotlib import dates as mdates

        top = 100.0
        for band, shade in zip(policy.bands, _SHADES, strict=False):
            axes.axhspan(float(band.lowest), top, color=shade, zorder=0)
            axes.text(1.01, (float(band.lowest) + top) / 2, band.label.in_language(language),
                      transform=axes.get_yaxis_transform(), fontsize=7, va="center")
            top = float(band.lowest)
        scored = [(at, score) for at, score, *_ in points if score is not None]
        times = [float(n) for n in mdates.date2num(  # type: ignore[no-untyped-call]
            [at for at, _ in scored])]
        axes.plot(times, [score for _, score in scored], marker="o", color="#1f5fa8",
                  linewidth=2, zorder=2)
        axes.set_ylim(0, 100)
        axes.xaxis.set_major_formatter(
            mdates.DateFormatter("%d.%m.%Y" if language == "ru" else "%Y-%m-%d"))  # type: ignore[no-untyped-call]

    return svg_figure((9, 3.2), draw)


def trend_page(account: str, points: Sequence[Point], policy: HealthPolicy,
               language: str) -> str:
    """A standalone HTML page: the chart and the table of kept scores."""
    said = translations(language)
    title = html.escape(Words("Health of {account}", account=account).render(said))
    headings = "".join(f"<th>{html.escape(words.render(said))}</th>" for words in _HEADINGS)
    labels = {band.key: band.label.in_language(language) for band in policy.bands}
    rows = "".join(
        f"<tr><td>{at:%Y-%m-%d %H:%M}</td><td>{'—' if score is None else f'{score:g}'}</td>"
        f"<td>{html.escape(labels.get(band or '', band or '—'))}</td>"
        f"<td>{coverage:.0%}</td><td>{html.escape(by)}</td></tr>"
        for at, score, band, coverage, by in points)
    body = (f"<figure>{trend_chart(points, policy, language)}</figure>"
            f"<table><tr>{headings}</tr>{rows}</table>" if points
            else f"<p>{html.escape(_NONE.render(said))}</p>")
    return (f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>body{{font-family:sans-serif;color:#222}}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px}"
            f"figure svg{{width:100%;height:auto}}</style></head><body><h1>{title}</h1>"
            f"{body}</body></html>")
