"""The application factory: one FastAPI app over one service-layer context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.routing import Route

from escalada import __version__
from escalada.domain.errors import StoreUnavailable
from escalada.entrypoints.agents import HttpAgents
from escalada.entrypoints.api import (
    audit,
    board,
    case_outcomes,
    comms,
    credits,
    endpoints,
    health,
    hooks,
    incidents,
    kb,
    operations,
    post_mortem,
    recovery,
    report,
    routes,
    slack,
    vendors,
    war_rooms,
)
from escalada.entrypoints.api.docs import install_docs
from escalada.entrypoints.api.errors import install_error_handlers
from escalada.entrypoints.api.problems import install_problem_documents
from escalada.entrypoints.web import install_console
from escalada.services.context import Context


def create_app(context: Context) -> FastAPI:
    # AI agents' MCP tools at /mcp, behind the same bearer tokens and roles (agents.py).
    agents = HttpAgents(context)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        _open_database(context)
        async with agents.running():
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="escalada",
        version=__version__,
        description="Coordinates support escalations: tiers, executive levels, SLA clocks.",
        docs_url=None, redoc_url=None,
    )
    app.state.context = context
    install_error_handlers(app)
    install_problem_documents(app)
    install_docs(app)
    app.include_router(routes.health)
    app.include_router(hooks.inbound, prefix="/api/v1")  # signed by the help desks
    # Routes are matched in the order they are included, one after another: the board's
    # page, the most asked for, is matched first (it was behind a hundred others).
    app.include_router(board.router, prefix="/api/v1")
    app.include_router(routes.opening, prefix="/api/v1")
    app.include_router(routes.api, prefix="/api/v1")
    for feature in (credits, war_rooms, recovery, audit, comms, endpoints, vendors,
                    case_outcomes, health, report, kb, post_mortem, hooks,
                    incidents, slack):
        app.include_router(feature.router, prefix="/api/v1")
    app.include_router(operations.router)  # /readyz, /metrics
    app.router.routes.append(Route("/mcp", agents, methods=["GET", "POST", "DELETE"],
                                   include_in_schema=False))
    install_console(app)  # the web console: /, /sign-in, /board, ... and /static
    return app


def _open_database(context: Context) -> None:
    """Open the engine as the server starts, so that every request's plain reads (the
    token check first) share its pool instead of each opening a connection of its own
    (Context.plain_reading). A database that cannot be reached yet is opened by the first
    request that reaches it; until then requests answer 503 as before."""
    with suppress(StoreUnavailable):
        context.engine  # noqa: B018 (opening it is the point)
