"""Typed dependencies that keep route signatures short and honest."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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
    return authenticate(ctx=context, token=None if credentials is None
                        else credentials.credentials)


ContextDep = Annotated[Context, Depends(get_context)]
ActorDep = Annotated[Actor, Depends(current_actor)]
