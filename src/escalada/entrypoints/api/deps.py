"""Typed dependencies that keep route signatures short and honest."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from escalada.services.context import Actor, Context


def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


def current_actor(
    x_escalada_actor: Annotated[str | None, Header(description="who acts")] = None,
) -> Actor:
    """Who is calling. The seam for authentication: bearer tokens and roles plug in
    here (people-and-roles work); until then the caller names itself."""
    return Actor(name=(x_escalada_actor or "").strip() or "api")


ContextDep = Annotated[Context, Depends(get_context)]
ActorDep = Annotated[Actor, Depends(current_actor)]
