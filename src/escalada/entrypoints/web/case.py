"""The case page, `/cases/{case_id}`, and its actions, `POST /cases/{case_id}/...`.

Each action calls the same service function as the API and the CLI (the role checks are
theirs), then sends the browser back to the page (303) saying what was done; a refusal
shows the page again with its message and the form as sent (403 not permitted, 409 not
now, 422 a field's problem or a missing handoff). Forms work as plain HTML; with htmx
they swap the case in place."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from escalada.domain.errors import EscaladaError, InvalidInput, NotFound
from escalada.domain.model import case_label
from escalada.entrypoints.web.case_view import refused, show
from escalada.entrypoints.web.session import ConsoleUser, CsrfChecked, context_of
from escalada.services import (
    cases,
    credits,
    drafting,
    escalations,
    outbox,
    timer_views,
    vendor_opening,
    vendor_sync,
)
from escalada.services.context import Actor
from escalada.services.repositories import case_number

router = APIRouter(include_in_schema=False)
_LONGEST = 20_000  # characters in one field of a form
_FORM_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


async def _sent(request: Request) -> dict[str, str]:
    """The form's text fields (a field too long is bad input naming it)."""
    form = await request.form()
    sent = {name: value for name, value in form.multi_items() if isinstance(value, str)}
    too_long = [(name, f"must be at most {_LONGEST} characters")
                for name, value in sent.items() if len(value) > _LONGEST]
    if too_long:
        raise InvalidInput(too_long)
    return sent


Sent = Annotated[dict[str, str], Depends(_sent)]


def _text(sent: Mapping[str, str], name: str) -> str | None:
    value = sent.get(name, "").strip()
    return value or None


def _prefixed(sent: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {name[len(prefix):]: value for name, value in sent.items()
            if name.startswith(prefix) and len(name) > len(prefix)}


def _act(request: Request, user: Actor, case_id: str, sent: Mapping[str, str], *,
         form: str, done: str, anchor: str, action: Callable[[], object]) -> Response:
    """Take the action; back to the page saying so, or the page with its refusal."""
    asked = sent.get("_form", "")
    form = asked if _FORM_NAME.match(asked) else form
    try:
        action()
    except EscaladaError as error:
        return refused(request, user, case_id, form, error, sent)
    return RedirectResponse(f"/cases/{quote(case_id)}?done={done}#{anchor}", status_code=303)


@router.get("/cases/{case_id}")
def case_page(request: Request, user: ConsoleUser, case_id: str,
              done: str | None = None) -> Response:
    return show(request, user, case_id, done=done)


@router.post("/cases/{case_id}/escalate")
def escalate(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
             sent: Sent) -> Response:
    """A step up either track, the technical one with its handoff package."""
    version = sent.get("version", "")

    def action() -> object:
        return escalations.escalate(
            ctx=context_of(request), actor=user, case_id=case_id, to=sent.get("to", ""),
            handoff=_prefixed(sent, "handoff."), reason=_text(sent, "reason"),
            override_reason=_text(sent, "override_reason"),
            expected_version=int(version) if version.isdigit() else None)

    return _act(request, user, case_id, sent, form="escalate", done="escalated",
                anchor="escalate", action=action)


@router.post("/cases/{case_id}/acknowledge")
def acknowledge(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
                sent: Sent) -> Response:
    def action() -> object:
        step = sent.get("step", "")
        if not step.isdigit():
            raise InvalidInput.of("step", "name the step to acknowledge by its number")
        return escalations.acknowledge(
            ctx=context_of(request), actor=user, case_id=case_id, step=int(step),
            on_behalf_of=_text(sent, "on_behalf_of"), note=_text(sent, "note"))

    return _act(request, user, case_id, sent, form="acknowledge", done="acknowledged",
                anchor="steps", action=action)


def _lifecycle(name: str, done: str, note: str) -> None:
    service = getattr(cases, name)

    def route(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
              sent: Sent) -> Response:
        return _act(request, user, case_id, sent, form="status", done=done, anchor="top",
                    action=lambda: service(ctx=context_of(request), actor=user,
                                           case_id=case_id, **{note: _text(sent, "note")}))

    route.__name__ = name
    router.post(f"/cases/{{case_id}}/{name}")(route)


for _name, _done, _note in (("pause", "paused", "reason"), ("resume", "resumed", "reason"),
                            ("respond", "responded", "note")):
    _lifecycle(_name, _done, _note)


@router.post("/cases/{case_id}/drafts")
def draft(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
          sent: Sent) -> Response:
    """Draft a message (again, to edit one: the same kind with its parts rewritten)."""
    written = {name: text for name, text in _prefixed(sent, "fields.").items() if text.strip()}
    kind = sent.get("kind", "progress_update")
    return _act(request, user, case_id, sent, form="draft", done="drafted", anchor="drafts",
                action=lambda: drafting.draft_message(
                    ctx=context_of(request), actor=user, case_id=case_id, kind=kind,
                    language=sent.get("lang", "auto"),
                    status=_text(sent, "status") if kind == "progress_update" else None,
                    fields=written))


@router.post("/cases/{case_id}/drafts/{draft_id}/send")
def send(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
         draft_id: int, sent: Sent) -> Response:
    ctx = context_of(request)

    def action() -> object:
        if drafting.show_draft(ctx=ctx, draft_id=draft_id).case != _ref(case_id):
            raise NotFound.of("{case} has no draft {draft_id}", case=_ref(case_id),
                              draft_id=draft_id)
        return outbox.send_draft(ctx=ctx, actor=user, draft_id=draft_id,
                                 channel=sent.get("channel", ""), to=sent.get("to", ""))

    return _act(request, user, case_id, sent, form=f"send-{draft_id}", done="sent",
                anchor="communications", action=action)


def _ref(case_id: str) -> str:
    return case_label(case_number(case_id))


@router.post("/cases/{case_id}/vendor-cases")
def open_vendor_case(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
                     sent: Sent) -> Response:
    return _act(request, user, case_id, sent, form="vendor", done="vendor_opened",
                anchor="vendor", action=lambda: vendor_opening.open_vendor_case(
                    ctx=context_of(request), actor=user, case_id=case_id,
                    vendor=sent.get("vendor", ""), plan=_text(sent, "plan"),
                    service=_text(sent, "service"), category=_text(sent, "category"),
                    region=_text(sent, "region"), request=_text(sent, "request"),
                    handoff=_prefixed(sent, "handoff.") or None,
                    override_reason=_text(sent, "override_reason")))


@router.post("/cases/{case_id}/vendor-cases/sync")
def sync_vendor_cases(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
                      sent: Sent) -> Response:
    return _act(request, user, case_id, sent, form="vendor-sync", done="vendor_synced",
                anchor="vendor", action=lambda: vendor_sync.sync_vendor_cases(
                    ctx=context_of(request), actor=user, case_id=case_id))


@router.post("/cases/{case_id}/credits")
def propose_credit(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
                   sent: Sent) -> Response:
    from_breach = sent.get("basis") == "breach"
    return _act(request, user, case_id, sent, form="credit", done="credit_proposed",
                anchor="credits", action=lambda: credits.propose_credit(
                    ctx=context_of(request), actor=user, case_id=case_id,
                    amount_usd=None if from_breach else _text(sent, "amount_usd"),
                    from_breach=from_breach, reason=_text(sent, "reason")))


@router.post("/cases/{case_id}/credits/{credit_id}/{decision}")
def decide_credit(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
                  credit_id: int, decision: str, sent: Sent) -> Response:
    """Approve or reject a proposed credit (four eyes, within one's authority)."""
    ctx = context_of(request)
    decide = {"approve": credits.approve_credit, "reject": credits.reject_credit}.get(decision)
    if decide is None:
        raise NotFound.of("no credit decision {decision!r}: approve or reject", decision=decision)

    def action() -> object:
        if credits.show_credit(ctx=ctx, credit_id=credit_id).case != _ref(case_id):
            raise NotFound.of("{case} has no service credit #{credit_id}", case=_ref(case_id),
                              credit_id=credit_id)
        return decide(ctx=ctx, actor=user, credit_id=credit_id,
                      reason=sent.get("reason", ""))

    return _act(request, user, case_id, sent, form=f"credit-{credit_id}",
                done=f"credit_{decision}d", anchor="credits", action=action)


@router.post("/cases/{case_id}/reminders")
def remind(request: Request, user: ConsoleUser, _csrf: CsrfChecked, case_id: str,
           sent: Sent) -> Response:
    """A reminder at a time in the account's time zone (as the page shows times)."""
    ctx = context_of(request)

    def action() -> object:
        zone = cases.show_case(ctx=ctx, case_id=case_id).snapshot.account.timezone
        return timer_views.set_reminder(ctx=ctx, actor=user, case_id=case_id,
                                        at=_local_time(sent.get("at", ""), zone),
                                        note=sent.get("note", ""))

    return _act(request, user, case_id, sent, form="remind", done="reminded",
                anchor="top", action=action)


def _local_time(text: str, zone: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.of("at", "give a date and time, e.g. 2026-11-26T15:30") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment
