"""Account health kept current by the workers: each account's score is computed and
kept every `health.refresh_every_hours` (and a new account's at once), taken from the
`health_refreshes` queue with a lease as timers are, so that workers on any number of
machines share the portfolio and none is scored twice at a time. Keeping a score is
what `health keep` does: the trend, the account's score the criteria read
(`strategic_account_at_risk`), and a drop into an alarming band on the account's log
and its open cases' timelines, with nobody running a command."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy import select

from escalada.adapters.db.leased_queue import LeasedQueue
from escalada.adapters.db.tables import HealthRefreshRow
from escalada.domain.errors import StoreUnavailable
from escalada.services.account_health import keep_scores
from escalada.services.authz import SYSTEM_ROLE
from escalada.services.context import Actor, Context

log = structlog.get_logger("escalada.worker")

REFRESHES = LeasedQueue(HealthRefreshRow, HealthRefreshRow.id, HealthRefreshRow.due_at,
                        holder=HealthRefreshRow.holder, attempts=HealthRefreshRow.attempts)
ESCALADA = Actor("escalada", SYSTEM_ROLE)  # who keeps the scores the workers compute
# Long enough to score a hundred accounts; a worker that dies meanwhile lets them go.
REFRESH_LEASE = timedelta(minutes=5)


def refresh_due(ctx: Context, *, owner: str, limit: int = 100,
                lease: timedelta = REFRESH_LEASE) -> int:
    """Compute and keep the scores of the accounts whose refresh is due (workers call
    this); how many were taken."""
    now = ctx.clock()
    with ctx.reading() as uow:  # most calls find nothing due: no write lock for that
        upcoming = REFRESHES.next_due_at(uow.session)
    if upcoming is None or upcoming > now:
        return 0
    with ctx.unit_of_work() as uow:
        held = [row.account_id for row in REFRESHES.take(
            uow.session, now=now, holder=owner, lease=lease, limit=limit)]
        if not held:
            return 0
        uow.commit()
    try:
        _keep(ctx, held, owner, now)
    except StoreUnavailable:
        raise
    except Exception as error:  # left held: taken again when the lease ends
        log.warning("health_refresh_failed", accounts=len(held), worker=owner,
                    error=f"{type(error).__name__}: {error}")
    return len(held)


def _keep(ctx: Context, held: list[str], owner: str, now: datetime) -> None:
    policy = ctx.policy()
    with ctx.unit_of_work() as uow:
        done = keep_scores(uow.session, policy, held, now, ESCALADA, only_changed=True)
        following = now + timedelta(hours=policy.health.refresh_every_hours)
        for row in uow.session.scalars(select(HealthRefreshRow).where(
                HealthRefreshRow.account_id.in_(held), HealthRefreshRow.holder == owner)):
            REFRESHES.due_again(row, following)
            row.attempts = 0
        uow.commit()
    for account_id, why in done.failed.items():
        log.warning("health_score_failed", account=account_id, worker=owner, error=why)


def next_refresh_at(ctx: Context) -> datetime | None:
    """When the next account's refresh is due (a worker sleeps until then)."""
    with ctx.reading() as uow:
        return REFRESHES.next_due_at(uow.session)
