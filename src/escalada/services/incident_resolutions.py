"""Confirming what a platform incident's resolution proposed: resolving its linked
cases, each as `case resolve` does."""

from __future__ import annotations

from escalada.domain.errors import EscaladaError, InvalidTransition
from escalada.domain.model import case_label
from escalada.domain.words import Words
from escalada.services.authz import can_work_cases
from escalada.services.cases import resolve
from escalada.services.context import Actor, Context
from escalada.services.incidents import RESOLVED, load_incident, proposed_cases
from escalada.services.repositories import case_number
from escalada.services.views import View


class ConfirmedView(View):
    incident: str
    resolved: list[str]
    refused: dict[str, str]  # case -> why it was not resolved


def confirm_resolutions(*, ctx: Context, actor: Actor, incident_id: str,
                        cases: list[str] | None = None) -> ConfirmedView:
    """Resolve the linked cases the incident's resolution proposed (all, or those named),
    each as `case resolve` does; a case that cannot be resolved is reported, not fatal."""
    can_work_cases(actor, "resolving cases")
    with ctx.reading() as uow:
        incident = load_incident(uow.session, incident_id)
        if incident.status != RESOLVED:
            raise InvalidTransition.of("{incident} is still open: resolve it first",
                                       incident=incident.ref)
        proposed = proposed_cases(uow.session, incident.id)
        ref = incident.ref
    wanted = proposed if cases is None else [load_ref(case) for case in cases]
    resolved, refused = [], {}
    for case in wanted:
        if case not in proposed:
            refused[case] = f"not proposed by {ref}"
            continue
        try:
            resolve(ctx=ctx, actor=actor, case_id=case,
                    reason=Words("platform incident {incident} resolved", incident=ref))
            resolved.append(case)
        except EscaladaError as error:  # one case's refusal never stops the others
            refused[case] = str(error)
    return ConfirmedView(incident=ref, resolved=resolved, refused=refused)


def load_ref(case_id: str) -> str:
    return case_label(case_number(case_id))
