"""Showing the case page (`case.html`): as read by services.case_page, with the outcome
of the action just taken (a line saying what was done), or the action's refusal and the
form as it was sent, its fields' problems beside them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from escalada.adapters.catalogs import translations
from escalada.domain.communications import OPTIONAL_FIELDS, REQUIRED_FIELDS
from escalada.domain.errors import EscaladaError, HandoffIncomplete, InvalidInput
from escalada.entrypoints.errors import http_status
from escalada.entrypoints.web.case_words import criterion_names, words
from escalada.entrypoints.web.paging import pager
from escalada.entrypoints.web.rendering import render
from escalada.entrypoints.web.session import context_of, language_of
from escalada.entrypoints.web.translate import gettext
from escalada.services.case_page import case_page
from escalada.services.context import Actor
from escalada.services.drafting import template_sources
from escalada.services.vendor_health_views import line

CHANNELS = ("email", "slack", "webhook")
VENDORS = ("aws", "azure", "gcp")
UPDATE_STATUSES = ("INVESTIGATING", "MITIGATING", "MONITORING", "RESOLVED")


@dataclass(frozen=True)
class Refusal:
    """An action the services refused: which form, why, and what was sent in it."""

    form: str
    message: str
    problems: dict[str, str] = field(default_factory=dict)  # field -> reason
    sent: Mapping[str, str] = field(default_factory=dict)

    def value(self, form: str, name: str, default: Any = "") -> Any:
        """What the form's field holds: as sent, when this form was refused."""
        return self.sent.get(name, default) if form == self.form else default


NO_REFUSAL = Refusal(form="", message="")


def refusal_of(request: Request, form: str, error: EscaladaError,
               sent: Mapping[str, str]) -> Refusal:
    """The refusal as the page says it (a missing handoff is named item by item)."""
    language = language_of(request)
    if isinstance(error, HandoffIncomplete):
        named = words(language)
        message = gettext(language, "The step %(step)s needs its full handoff package. "
                                    "Missing: %(items)s.") % {
            "step": error.step,
            "items": ", ".join(named.get(item, item) for item in error.missing)}
        return Refusal(form, message, {f"handoff.{item}": gettext(language, "missing")
                                       for item in error.missing}, sent)
    reader = translations(language)
    problems = dict(error.told_problems(reader)) if isinstance(error, InvalidInput) else {}
    return Refusal(form, error.told(reader), problems, sent)


# What the line at the top says after each action (the key travels in `?done=`).
def _done_messages(language: str) -> dict[str, str]:
    return {
        "escalated": gettext(language, "Escalated."),
        "acknowledged": gettext(language, "Step acknowledged."),
        "paused": gettext(language, "Paused: the SLA clocks wait for the customer."),
        "resumed": gettext(language, "Resumed: the SLA clocks run again."),
        "responded": gettext(language, "Response recorded."),
        "drafted": gettext(language, "Draft saved."),
        "sent": gettext(language, "Message sent to the outbox."),
        "vendor_opened": gettext(language, "Vendor case opened."),
        "vendor_synced": gettext(language, "Vendor cases synced."),
        "credit_proposed": gettext(language, "Credit proposed."),
        "credit_approved": gettext(language, "Credit approved."),
        "credit_rejected": gettext(language, "Credit rejected."),
        "reminded": gettext(language, "Reminder set."),
    }


def show(request: Request, user: Actor, case_id: str, *, refusal: Refusal = NO_REFUSAL,
         status_code: int = 200, done: str | None = None) -> Response:
    """The case page for `user`."""
    ctx = context_of(request)
    page = case_page(ctx=ctx, actor=user, case_id=case_id,
                     timeline_cursor=request.query_params.get("timeline") or None)
    language = language_of(request)
    kinds = sorted(template_sources(ctx.settings()))
    zone, now, reader = page.case.snapshot.account.timezone, ctx.clock(), translations(language)
    vendor_lines = [(event.status, line(event, timezone=zone, now=now).render(reader))
                    for event in page.vendor_events]
    return render(
        request, "case.html", status_code=status_code, page=page, case=page.case,
        snapshot=page.case.snapshot, zone=page.case.snapshot.account.timezone,
        now=ctx.clock(), named={**words(language), **criterion_names(language, page.criteria)},
        refusal=refusal, vendor_lines=vendor_lines,
        done=_done_messages(language).get(done or ""), kinds=kinds,
        draft_fields={kind: REQUIRED_FIELDS.get(kind, ()) + OPTIONAL_FIELDS.get(kind, ())
                      for kind in kinds},
        required_fields=REQUIRED_FIELDS, channels=CHANNELS, vendors=VENDORS,
        update_statuses=UPDATE_STATUSES, reply_reason=page.reply_language_reason_in(reader),
        timeline_pager=pager(request, page.timeline_next, param="timeline",
                             anchor="timeline"))


def refused(request: Request, user: Actor, case_id: str, form: str, error: EscaladaError,
            sent: Mapping[str, str]) -> Response:
    """The case page again, with the refusal and its status (403, 409, 422 ...)."""
    return show(request, user, case_id, refusal=refusal_of(request, form, error, sent),
                status_code=http_status(error))
