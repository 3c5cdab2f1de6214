"""Typed dependencies that keep route signatures short and honest."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from escalada.domain.validation import BIG_ID_MAX, existing_id
from escalada.services.context import Actor, Context
from escalada.services.people import authenticate

_bearer = HTTPBearer(auto_error=False, description="an API token (`escalada token create`)")


def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The user whose bearer token came with the request (401 without a live one).
    Roles are checked by the service functions, as for the CLI."""
    context: Context = request.app.state.context
    actor = authenticate(ctx=context, token=None if credentials is None
                         else credentials.credentials)
    if actor.language:  # the user's own language answers their errors (api/language.py)
        request.state.language = actor.language
    return actor


ContextDep = Annotated[Context, Depends(get_context)]
ActorDep = Annotated[Actor, Depends(current_actor)]


# A number in the path outside what a row's id can be names nothing: 404, like any id
# nobody has, rather than an overflow in the database driver.
def _token_id(token_id: int) -> int:
    return existing_id(token_id, "token")


def _draft_id(draft_id: int) -> int:
    return existing_id(draft_id, "draft")


def _delivery_id(delivery_id: int) -> int:
    return existing_id(delivery_id, "delivery", BIG_ID_MAX)


def _credit_id(credit_id: int) -> int:
    return existing_id(credit_id, "service credit")


def _task_id(task_id: int) -> int:
    return existing_id(task_id, "recovery task")


TokenId = Annotated[int, Depends(_token_id)]
DraftId = Annotated[int, Depends(_draft_id)]
DeliveryId = Annotated[int, Depends(_delivery_id)]
CreditId = Annotated[int, Depends(_credit_id)]
TaskId = Annotated[int, Depends(_task_id)]
