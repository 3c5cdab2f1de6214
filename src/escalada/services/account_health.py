"""Account health: the score computed from the account's records and entered inputs,
scores kept over time (the trend, and the account's `health_score` the criteria read),
what-if scores of given component values, and the portfolio by health."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalada.adapters.db.tables import AccountRow, CaseRow, HealthInputRow, HealthScoreRow
from escalada.domain.account_health import HealthScore, score_account, score_components
from escalada.domain.errors import InvalidInput
from escalada.domain.model import ENDED_STATUSES
from escalada.domain.policy import Policy
from escalada.domain.validation import YEARS, in_years
from escalada.domain.words import Words
from escalada.services.account_log import log_account
from escalada.services.authz import can_enter_health_input, can_keep_health_score, can_read
from escalada.services.context import Actor, Context
from escalada.services.health_evidence import gather
from escalada.services.health_views import (
    HealthInputView,
    HealthTrendView,
    HealthView,
    RefreshView,
    TrendPoint,
    health_view,
    number,
)
from escalada.services.records import record
from escalada.services.repositories import load_account

Progress = Callable[[int, int], None]


def account_health(
    *, ctx: Context, actor: Actor, account_id: str, at: datetime | None = None,
    language: str | None = None,
) -> HealthView:
    """The account's health computed now (or as at `at`), sub-metric by sub-metric, its
    words in `language` (the reader's; else the account's)."""
    can_read(actor)
    if at is not None and not in_years(at):
        raise InvalidInput.of("at", YEARS)
    now, policy = at or ctx.clock(), ctx.policy()
    with ctx.reading() as uow:
        account = load_account(uow.session, account_id)
        return health_of(uow.session, policy, account, now, language or account.language)


def health_of(session: Session, policy: Policy, account: AccountRow, now: datetime,
              language: str) -> HealthView:
    """The account's health computed at `now`, its labels in `language`."""
    score = _scores(session, policy, [account], now)[account.id]
    return health_view(account.id, score, policy.health, language)


def what_if(*, ctx: Context, actor: Actor, components: Mapping[str, Any],
            language: str = "en") -> HealthView:
    """The score and band of component values given directly (0-100 each), its words in
    `language`."""
    can_read(actor)
    policy = ctx.policy()
    known = policy.health.components
    problems: list[tuple[str, str | Words]] = [
        (key, Words("not a component; the components are {known}", known=", ".join(known)))
        for key in components if key not in known]
    values: dict[str, Decimal | None] = {}
    for key, value in components.items():
        if key in known and value is not None:
            values[key] = _decimal(key, value, problems, (Decimal(0), Decimal(100)))
    if not values and not problems:
        problems.append(("components", Words("give at least one of {known}",
                                             known=", ".join(known))))
    if problems:
        raise InvalidInput(problems)
    return health_view(None, score_components(values, policy.health, ctx.clock()),
                       policy.health, language)


def enter_inputs(
    *, ctx: Context, actor: Actor, account_id: str, values: Mapping[str, Any],
    as_of: datetime | None = None, note: str | None = None,
) -> list[HealthInputView]:
    """Record entered sub-metrics (NPS, QBR attendance ...) for the date they are for."""
    can_enter_health_input(actor)
    now, policy = ctx.clock(), ctx.policy()
    entered = _entered(policy, values)
    if as_of is not None and not in_years(as_of):
        raise InvalidInput.of("as_of", YEARS)
    if as_of is not None and as_of > now:
        raise InvalidInput.of("as_of", "is in the future; inputs are for a date passed")
    with ctx.unit_of_work() as uow:
        account = load_account(uow.session, account_id)
        rows = [HealthInputRow(account_id=account.id, metric=key, value=value,
                               as_of=as_of or now, entered_by=actor.name, entered_at=now,
                               note=note) for key, value in entered.items()]
        uow.session.add_all(rows)
        shown = ", ".join(f"{key} {value.normalize():f}" for key, value in entered.items())
        log_account(uow.session, account.id, actor=actor, at=now, kind="health_input",
                    summary=Words("health input: {inputs}", inputs=shown), reason=note,
                    data={"inputs": {k: str(v) for k, v in entered.items()},
                          "as_of": (as_of or now).isoformat()})
        uow.commit()
        return [_input_view(row) for row in rows]


def keep_score(*, ctx: Context, actor: Actor, account_id: str,
               language: str | None = None) -> HealthView:
    """Compute the account's score now and keep it: on its trend, and as its score (its
    words in `language`, the reader's; else the account's)."""
    can_keep_health_score(actor)
    now, policy = ctx.clock(), ctx.policy()
    with ctx.unit_of_work() as uow:
        account = load_account(uow.session, account_id)
        score = _scores(uow.session, policy, [account], now)[account.id]
        _keep(uow.session, policy, account, score, actor, _last_bands(uow.session, [account.id]),
              _open_cases(uow.session, [account.id]))
        uow.commit()
        return health_view(account.id, score, policy.health, language or account.language)


def refresh_scores(*, ctx: Context, actor: Actor, progress: Progress | None = None
                   ) -> RefreshView:
    """Keep a score for every account, in batches; an account that fails is reported
    and the others are kept."""
    can_keep_health_score(actor)
    now, policy = ctx.clock(), ctx.policy()
    with ctx.reading() as uow:
        ids = list(uow.session.scalars(select(AccountRow.id).order_by(AccountRow.id)))
    kept, dropped, failed = 0, [], {}
    for start in range(0, len(ids), 100):
        batch = ids[start:start + 100]
        with ctx.unit_of_work() as uow:
            done = keep_scores(uow.session, policy, batch, now, actor)
            uow.commit()
        kept += done.kept
        dropped += done.dropped
        failed.update(done.failed)
        if progress is not None:
            progress(min(start + 100, len(ids)), len(ids))
    return RefreshView(accounts=len(ids), kept=kept, dropped=dropped, failed=failed)


def keep_scores(session: Session, policy: Policy, ids: list[str], now: datetime,
                actor: Actor, *, only_changed: bool = False) -> RefreshView:
    """Compute and keep the scores of the accounts `ids` at `now`, in the session's
    transaction (`health refresh` and the workers): an account that fails is reported
    and the others are kept. With `only_changed` (the workers' periodic refresh), a score
    and band the same as the last kept are not kept again, so the trend shows how the
    score moved, not how often it was computed."""
    accounts = list(session.scalars(select(AccountRow).where(AccountRow.id.in_(ids))))
    scores = _scores(session, policy, accounts, now)
    before = _last_bands(session, ids)
    same = _last_scores(session, ids) if only_changed else {}
    open_cases = _open_cases(session, ids)
    kept, dropped, failed = 0, [], {}
    with session.no_autoflush:  # the batch's rows go in at the commit
        for account in accounts:
            score = scores[account.id]
            if account.id in same and same[account.id] == (score.score, score.band):
                continue
            try:
                if _keep(session, policy, account, scores[account.id], actor, before,
                         open_cases):
                    dropped.append(account.id)
                kept += 1
            except (InvalidInput, ArithmeticError) as error:
                failed[account.id] = str(error)
    return RefreshView(accounts=len(accounts), kept=kept, dropped=dropped, failed=failed)


def health_trend(*, ctx: Context, actor: Actor, account_id: str, limit: int = 100
                 ) -> HealthTrendView:
    """The scores kept for the account, oldest first (the newest `limit`)."""
    can_read(actor)
    with ctx.reading() as uow:
        return trend_of(uow.session, load_account(uow.session, account_id), limit)


def trend_of(session: Session, account: AccountRow, limit: int) -> HealthTrendView:
    """The newest `limit` scores kept for the account, oldest first."""
    rows = list(session.scalars(
        select(HealthScoreRow).where(HealthScoreRow.account_id == account.id)
        .order_by(HealthScoreRow.at.desc(), HealthScoreRow.id.desc()).limit(limit)))
    return HealthTrendView(account=account.id, scores=[
        TrendPoint(at=row.at, score=number(row.score), band=row.band,
                   coverage=float(row.coverage), kept_by=row.kept_by)
        for row in reversed(rows)])


def health_trend_page(*, ctx: Context, actor: Actor, account_id: str, limit: int = 100,
                      language: str | None = None) -> str:
    """The trend as an HTML page with its chart, in `language` (the reader's, as the
    console's account page draws the same chart; else the account's)."""
    trend = health_trend(ctx=ctx, actor=actor, account_id=account_id, limit=limit)
    if language is None:
        with ctx.reading() as uow:
            language = load_account(uow.session, account_id).language
    try:
        from escalada.adapters.health_chart import trend_page

        return trend_page(trend.account, [(p.at, p.score, p.band, p.coverage, p.kept_by)
                                          for p in trend.scores],
                          ctx.policy().health, language)
    except ModuleNotFoundError as error:
        raise InvalidInput.of("format", "the chart needs the report extra ({name} is not "
                              "installed): pip install 'escalada[report]'",
                              name=error.name) from error


def _scores(session: Session, policy: Policy, accounts: list[AccountRow], now: datetime
            ) -> dict[str, HealthScore]:
    evidence = gather(session, policy, accounts, now)
    return {account_id: score_account(found.readings(policy, now), policy.health, now)
            for account_id, found in evidence.items()}


def _last_scores(session: Session, ids: list[str]
                 ) -> dict[str, tuple[Decimal | None, str | None]]:
    """Each account's score and band as last kept."""
    last: dict[str, tuple[Decimal | None, str | None]] = {}
    for account_id, score, band in session.execute(
            select(HealthScoreRow.account_id, HealthScoreRow.score, HealthScoreRow.band)
            .where(HealthScoreRow.account_id.in_(ids))
            .order_by(HealthScoreRow.at, HealthScoreRow.id)):
        last[account_id] = (score, band)
    return last


def _last_bands(session: Session, ids: list[str]) -> dict[str, str | None]:
    """Each account's band as last kept."""
    bands: dict[str, str | None] = {}
    for account_id, band in session.execute(
            select(HealthScoreRow.account_id, HealthScoreRow.band)
            .where(HealthScoreRow.account_id.in_(ids))
            .order_by(HealthScoreRow.at, HealthScoreRow.id)):
        bands[account_id] = band
    return bands


def _open_cases(session: Session, ids: list[str]) -> dict[str, list[CaseRow]]:
    """The accounts' open cases, oldest first."""
    found: dict[str, list[CaseRow]] = {}
    for case in session.scalars(select(CaseRow).where(
            CaseRow.account_id.in_(ids), CaseRow.status.not_in(ENDED_STATUSES))
            .order_by(CaseRow.number)):
        found.setdefault(case.account_id, []).append(case)
    return found


def _keep(session: Session, policy: Policy, account: AccountRow, score: HealthScore,
          actor: Actor, before: Mapping[str, str | None],
          open_cases: Mapping[str, list[CaseRow]]) -> bool:
    """Keep the score as the account's; True when it fell into an alarming band (then on
    the account's log). A move into, within or out of the alarming bands, which the
    criteria read, goes on the timelines of the account's open cases too."""
    session.add(HealthScoreRow(account_id=account.id, at=score.at, score=score.score,
                               band=score.band, coverage=score.coverage,
                               components=score.as_json(), kept_by=actor.name))
    account.health_score = None if score.score is None else float(score.score)
    previous = before.get(account.id)
    if score.band == previous:
        return False
    alarming = [band.key for band in policy.health.bands if band.alarming]
    if previous not in alarming and score.band not in alarming:
        return False
    summary = _band_moved(previous, score)
    data = {"before": previous, "after": score.band,
            "score": None if score.score is None else str(score.score)}
    for case in open_cases.get(account.id, ()):
        # Told, not changed: the case's clocks and timers do not read the account's
        # health (the criteria do, whenever the case is evaluated), so nothing is planned
        # again and the case keeps its version.
        record(session, case, actor=actor, at=score.at, kind="account_health_changed",
               summary=summary, data=data, changed=False)
    bands = [band.key for band in policy.health.bands]
    dropped = score.band in alarming and (
        previous not in bands or bands.index(previous) < bands.index(score.band or ""))
    if dropped:
        log_account(session, account.id, actor=actor, at=score.at,
                    kind="health_band_dropped", summary=summary, data=data)
    return dropped


# The default policy's bands as the timelines name them (an operator's own band is
# named by its key).
_BAND_WORDS = {"excellent": Words("excellent"), "good": Words("good"),
               "at_risk": Words("at risk"), "critical": Words("critical")}


def _band_moved(previous: str | None, score: HealthScore) -> Words:
    """How a timeline and the account's log tell of the band's move, e.g. `account health
    good -> at risk: score 55.1`."""
    before = Words("not kept") if previous is None else (
        _BAND_WORDS.get(previous) or Words.literal(previous))
    after = Words("no score") if score.band is None else (
        _BAND_WORDS.get(score.band) or Words.literal(score.band))
    if score.score is None:
        return Words("account health {before} -> {after}", before=before, after=after)
    return Words("account health {before} -> {after}: score {score}", before=before,
                 after=after, score=float(score.score))


def _entered(policy: Policy, values: Mapping[str, Any]) -> dict[str, Decimal]:
    metrics = policy.health.metrics()
    entered = policy.health.entered()
    problems: list[tuple[str, str | Words]] = []
    found: dict[str, Decimal] = {}
    for key, value in values.items():
        if key not in metrics:
            problems.append((key, Words("not a health sub-metric; the entered ones are {known}",
                                        known=", ".join(entered))))
        elif key not in entered:
            problems.append((key, Words.literal(
                "escalada computes it from its records; it is not entered")))
        else:
            bounds = entered[key].range
            assert bounds is not None  # the policy requires it of entered sub-metrics
            found[key] = _decimal(key, value, problems, bounds)
    if not values:
        problems.append(("inputs", Words("give at least one of {known}",
                                         known=", ".join(entered))))
    if problems:
        raise InvalidInput(problems)
    return found


def _decimal(key: str, value: Any, problems: list[tuple[str, str | Words]],
             bounds: tuple[Decimal, Decimal]) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        problems.append((key, Words("{value!r} is not a number", value=value)))
        return Decimal(0)
    low, high = bounds
    if not number.is_finite() or not low <= number <= high:
        problems.append((key, Words("must be from {low:f} to {high:f}", low=low.normalize(),
                                    high=high.normalize())))
    return number


def _input_view(row: HealthInputRow) -> HealthInputView:
    return HealthInputView(account=row.account_id, metric=row.metric, value=float(row.value),
                           as_of=row.as_of, entered_by=row.entered_by,
                           entered_at=row.entered_at, note=row.note)
