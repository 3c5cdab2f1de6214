"""The report's timeline chart: the technical tier and the executive level over time as
steps, each SLA target's due time that ran out as a dashed line and its breach as a
mark; drawn by matplotlib (Agg, SVG out), times in the account's zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from escalada.adapters.svg_figure import svg_figure
from escalada.domain.escalation_report import EscalationReport

TIERS = ("T1", "T2", "T3", "VENDOR")
LEVELS = (None, "L1", "L2", "L3", "L4")


def _tier_path(report: EscalationReport, end: datetime) -> tuple[list[datetime], list[int]]:
    times, values = [report.summary.opened_at], [1]
    for step in report.steps:
        if step.track == "technical" and step.to in TIERS:
            times.append(step.at)
            values.append(TIERS.index(step.to) + 1)
    return [*times, end], [*values, values[-1]]


def _level_path(report: EscalationReport, end: datetime) -> tuple[list[datetime], list[int]]:
    times, values = [report.summary.opened_at], [0]
    for step in report.steps:
        if step.track == "executive":
            times.append(step.at)
            values.append(LEVELS.index(step.to) if step.to in LEVELS else 0)
    return [*times, end], [*values, values[-1]]


def _numbers(times: list[datetime]) -> list[float]:
    """Times as matplotlib's date numbers (days since its epoch, from UTC)."""
    from matplotlib import dates as mdates

    return [float(n) for n in mdates.date2num(times)]  # type: ignore[no-untyped-call]


def timeline_chart(report: EscalationReport, words: dict[str, str]) -> str:
    """The chart as an inline SVG element."""
    zone = ZoneInfo(report.timezone)
    end = report.summary.resolved_at or report.generated_at

    def draw(_figure: Any, axes: Any) -> None:
        from matplotlib import dates as mdates

        # The executive line sits a little above the technical one, so that where both
        # are at the same height neither hides the other.
        for (times, values), label, colour, lift, style in (
                (_tier_path(report, end), words["chart_technical"], "#1f5fa8", 0.0, "-"),
                (_level_path(report, end), words["chart_executive"], "#c77c0e", 0.08, "--")):
            axes.step(_numbers(times), [v + lift for v in values], where="post",
                      label=label, color=colour, linewidth=2, linestyle=style)
        for n, breach in enumerate(report.impact.breaches):
            axes.axvline(_numbers([breach.due_at])[0], color="#888", linestyle="--",
                         linewidth=1, label=words["chart_due"] if n == 0 else None)
            axes.plot(_numbers([breach.breached_at]), [4.3], marker="v",
                      color="#c0392b", markersize=9, linestyle="none",
                      label=words["chart_breach"] if n == 0 else None)
        axes.set_yticks(range(5), ["—/L0", "T1/L1", "T2/L2", "T3/L3",
                                   f"{words['chart_vendor']}/L4"])
        axes.set_ylim(-0.3, 4.6)
        axes.xaxis.set_major_formatter(
            mdates.DateFormatter("%d.%m %H:%M", tz=zone))  # type: ignore[no-untyped-call]
        axes.set_title(words["chart_title"], fontsize=10)
        axes.grid(axis="y", color="#eee")
        # Beside the plot, where no line or breach mark can run under it.
        axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)

    return svg_figure((10, 3.2), draw)
