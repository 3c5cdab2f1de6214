"""`escalada health ...`: an account's health score (computed, with its components and
sub-metrics), the inputs people enter, kept scores and their trend; and `escalada
accounts`, the portfolio by health."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from escalada.entrypoints.cli.output import (
    FORMAT_OPTION,
    NOTE,
    Format,
    actor,
    console,
    context,
    emit_json,
    parse_time,
    styled,
    when,
)
from escalada.entrypoints.cli.paging import ALL_OPTION, CURSOR_OPTION, LIMIT_OPTION, print_pages
from escalada.entrypoints.cli.words import tr

if TYPE_CHECKING:
    from escalada.services.health_views import HealthView, PortfolioEntry


class _AccountFirst(TyperGroup):
    """`escalada health ACCOUNT` is `escalada health show ACCOUNT`."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "show", self.commands["show"], args
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_AccountFirst,
    help="Account health: the score computed from the account's records and entered inputs "
         "(`escalada health ACCOUNT`), what-if scores, inputs, kept scores and their trend.",
    no_args_is_help=True,
)

_BAND_STYLE = {"excellent": "green", "good": "green", "at_risk": "yellow", "critical": "red"}


def _moment(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time, or a date (its end, UTC)."""
    if value is not None and len(value) == 10:
        try:
            return datetime.combine(date.fromisoformat(value), time.max, UTC)
        except ValueError:
            pass
    return parse_time(value, option)


@app.command("show")
def show(
    account: str = typer.Argument(..., help="the account's id"),
    at: str = typer.Option(None, "--at", help="as at this date or ISO 8601 time (default: now)"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The account's health now: components, sub-metrics with their sources and ages, the
    weighted score and its band."""
    from escalada.entrypoints.cli.words import language
    from escalada.services.account_health import account_health

    view = account_health(ctx=context(), actor=actor(), account_id=account,
                          at=_moment(at, "--at"), language=language())
    emit_json(view) if fmt is Format.json else _health_table(view)


@app.command("score")
def score(
    account: str = typer.Argument(None, help="an account (or give component values)"),
    support_satisfaction: float = typer.Option(None, "--support-satisfaction", help="0-100"),
    ticket_trends: float = typer.Option(None, "--ticket-trends", help="0-100"),
    engagement_quality: float = typer.Option(None, "--engagement-quality", help="0-100"),
    relationship_strength: float = typer.Option(None, "--relationship-strength",
                                                help="0-100"),
    at: str = typer.Option(None, "--at", help="for an account: as at this date or time"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Score an account, or component values given directly (what-if: the score and band
    of, e.g., --support-satisfaction 80 --ticket-trends 60 ...)."""
    from escalada.domain.errors import InvalidInput
    from escalada.entrypoints.cli.words import language
    from escalada.services.account_health import account_health, what_if

    given = {"support_satisfaction": support_satisfaction, "ticket_trends": ticket_trends,
             "engagement_quality": engagement_quality,
             "relationship_strength": relationship_strength}
    values = {key: value for key, value in given.items() if value is not None}
    if account is not None and values:
        raise InvalidInput.of("ACCOUNT", "give an account or component values, not both")
    if account is not None:
        view = account_health(ctx=context(), actor=actor(), account_id=account,
                              at=_moment(at, "--at"), language=language())
    else:
        view = what_if(ctx=context(), actor=actor(), components=values, language=language())
    emit_json(view) if fmt is Format.json else _health_table(view)


@app.command("input")
def input_(
    account: str = typer.Argument(..., help="the account's id"),
    nps: float = typer.Option(None, "--nps", help="NPS of the last quarter, -100..100"),
    reopen_rate: float = typer.Option(None, "--reopen-rate", help="0-1"),
    communication_quality: float = typer.Option(None, "--communication-quality", help="1-5"),
    proactive_outreach: float = typer.Option(None, "--proactive-outreach",
                                             help="proactive contacts in the quarter"),
    qbr_attendance: float = typer.Option(None, "--qbr-attendance", help="0-1"),
    product_feedback: float = typer.Option(None, "--product-feedback",
                                           help="feedback items in the quarter"),
    advocacy: float = typer.Option(None, "--advocacy", help="0-10"),
    other: list[str] = typer.Option(None, "--set", help="METRIC=VALUE, for a sub-metric of "
                                    "your policy's own"),
    as_of: str = typer.Option(None, "--as-of", help="the date the values are for (default: "
                              "now)"),
    note: str = typer.Option(None, "--note", help="where they come from", callback=NOTE),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Enter health inputs escalada cannot compute (team lead and up)."""
    from escalada.domain.errors import InvalidInput
    from escalada.services.account_health import enter_inputs

    given = {"nps": nps, "reopen_rate": reopen_rate,
             "communication_quality": communication_quality,
             "proactive_outreach": proactive_outreach, "qbr_attendance": qbr_attendance,
             "product_feedback": product_feedback, "advocacy": advocacy}
    values: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    for pair in other or ():
        key, sep, value = pair.partition("=")
        if not sep:
            raise InvalidInput.of("--set", "{pair!r} is not METRIC=VALUE", pair=pair)
        values[key.strip()] = value.strip()
    entered = enter_inputs(ctx=context(), actor=actor(), account_id=account, values=values,
                           as_of=_moment(as_of, "--as-of"), note=note)
    if fmt is Format.json:
        emit_json(entered)
        return
    from escalada.entrypoints.cli.words import tr

    shown = ", ".join(f"{i.metric} {i.value:g}" for i in entered)
    console().print(tr("{account}: entered {values} (for {day})", account=account,
                       values=shown, day=format(entered[0].as_of, "%Y-%m-%d")))


@app.command("keep")
def keep(account: str = typer.Argument(..., help="the account's id"),
         fmt: Format = FORMAT_OPTION) -> None:
    """Compute the account's score now and keep it (its trend, and the score the
    strategic_account_at_risk criterion reads)."""
    from escalada.entrypoints.cli.words import language
    from escalada.services.account_health import keep_score

    view = keep_score(ctx=context(), actor=actor(), account_id=account, language=language())
    emit_json(view) if fmt is Format.json else _health_table(view)


@app.command("refresh")
def refresh(fmt: Format = FORMAT_OPTION) -> None:
    """Keep a score for every account now."""
    from rich.progress import Progress

    from escalada.services.account_health import refresh_scores

    with Progress(console=console(stderr=True), transient=True,
                  disable=fmt is Format.json) as bar:
        from escalada.entrypoints.cli.words import ntr, tr

        task = bar.add_task(tr("keeping health scores"), total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = refresh_scores(ctx=context(), actor=actor(), progress=progress)
    if fmt is Format.json:
        emit_json(result)
        return
    kept = ntr("kept {kept} of {count} account's scores", "kept {kept} of {count} accounts' "
               "scores", result.accounts, kept=result.kept)
    if result.dropped:
        kept = tr("{kept}; fell into an alarming band: {accounts}", kept=kept,
                  accounts=", ".join(result.dropped))
    console().print(kept)
    for account, why in result.failed.items():
        console(stderr=True).print(styled((tr("not kept:"), "red"), f" {account}: {why}"))


@app.command("trend")
def trend(
    account: str = typer.Argument(..., help="the account's id"),
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="the newest N kept scores"),
    html: str = typer.Option(None, "--html", help="also write the trend with its chart to "
                             "this HTML file"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The scores kept for the account, oldest first."""
    from pathlib import Path

    from rich.table import Table

    from escalada.services.account_health import health_trend, health_trend_page

    if html is not None:
        from escalada.entrypoints.cli.words import language

        page = health_trend_page(ctx=context(), actor=actor(), account_id=account, limit=limit,
                                 language=language())
        Path(html).write_text(page, encoding="utf-8")
    view = health_trend(ctx=context(), actor=actor(), account_id=account, limit=limit)
    if fmt is Format.json:
        emit_json(view)
        return
    from escalada.entrypoints.cli.words import named, tr

    table = Table(title=tr("{account}: health kept", account=account))
    for column in (tr("at"), tr("score"), tr("band"), tr("coverage"), tr("kept by")):
        table.add_column(column)
    previous: float | None = None
    for point in view.scores:
        arrow = "" if previous is None or point.score is None else (
            " ↑" if point.score > previous else " ↓" if point.score < previous else " →")
        table.add_row(when(point.at), _score(point.score) + arrow, named(point.band),
                      f"{point.coverage:.0%}", point.kept_by)
        previous = point.score
    console().print(table if view.scores else tr(
        "{account}: no score kept yet (`escalada health keep`)", account=account))


def portfolio(
    sort: str = typer.Option("health", "--sort", help="health (worst first), name or id"),
    name: str = typer.Option(None, "--name", help="accounts whose name or id contains this"),
    tier: str = typer.Option(None, "--tier", help="standard, enterprise or strategic"),
    support_plan: str = typer.Option(None, "--support-plan",
                                     help="developer, business or enterprise"),
    band: str = typer.Option(None, "--band", help="the newest kept score's band, e.g. "
                                                  "at_risk"),
    limit: int = LIMIT_OPTION, cursor: str = CURSOR_OPTION, every: bool = ALL_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The portfolio: every account with its health band, trend, open escalations and last
    escalation. A page at a time (the next page's --cursor goes to stderr)."""
    from functools import partial

    from escalada.services.account_list import portfolio_page

    print_pages(partial(portfolio_page, ctx=context(), actor=actor()),
                {"sort": sort, "name": name, "tier": tier, "support_plan": support_plan,
                 "band": band, "limit": limit, "cursor": cursor},
                every=every, fmt=fmt, table=_portfolio_table,
                empty=tr("no accounts"))


_ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


def _portfolio_table(entries: list[PortfolioEntry]) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.words import named, tier_name, tr

    table = Table(title=tr("Portfolio"))
    for column in (tr("account"), tr("name"), tr("account tier"), tr("health"), tr("band"),
                   tr("trend"), tr("open escalations"), tr("last escalation")):
        table.add_column(column)
    for e in entries:
        table.add_row(e.account, e.name, tier_name(e.tier), _score(e.score),
                      styled((named(e.band), _BAND_STYLE.get(e.band or "", ""))),
                      _ARROWS.get(e.trend or "", "—"), str(e.open_escalations),
                      when(e.last_escalation_at))
    console().print(table)


def _health_table(view: HealthView) -> None:
    from rich.table import Table

    from escalada.entrypoints.cli.words import tr

    title = view.account or tr("what-if")
    band = view.band_label or tr("no band: nothing to score from")
    console().print(styled(tr("{account}: health ", account=title),
                           (_score(view.score), "bold"), " — ",
                           (band, _BAND_STYLE.get(view.band or "", "")),
                           " " + tr("(rests {share} on data; at {at})",
                                    share=format(view.coverage, ".0%"), at=when(view.at))))
    table = Table()
    for column in (tr("component"), tr("sub-metric"), tr("value"), tr("score"), tr("weight"),
                   tr("source"), tr("age")):
        table.add_column(column)
    for component in view.components:
        table.add_row(component.label, "", "", _score(component.score),
                      _score(component.weight), _points(component), "")
        for m in component.metrics:
            value = _score(m.value)
            age = (tr("{days} d", days=m.age_days)
                   if m.source_kind == "entered" and m.age_days is not None else "")
            table.add_row("", m.label, value, _score(m.score), _score(m.weight),
                          m.source or tr("missing: {why}", why=m.missing), age)
    if view.components and view.components[0].metrics:
        console().print(table)
    elif view.components:
        for component in view.components:
            console().print("  " + tr("{component} (weight {weight}): {score}, {points}",
                                      component=component.label,
                                      weight=_score(component.weight),
                                      score=_score(component.score),
                                      points=_points(component)))


def _points(component: Any) -> str:
    """A component's share of the score (the weights of those with data add up to 1)."""
    from escalada.entrypoints.cli.words import tr

    if component.score is None:
        return tr("missing")
    return tr("{points} points", points=_score(component.contribution))


def _score(value: float | None) -> str:
    """A score, a weight or a value as the reader writes it ("34.5", "34,5")."""
    from escalada.entrypoints.cli.words import number

    return "—" if value is None else number(value)
