"""Typed dependencies that keep route signatures short and honest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from weakref import WeakKeyDictionary

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from escalada.domain.errors import EscaladaError
from escalada.domain.validation import BIG_ID_MAX, existing_id
from escalada.services.context import Actor, Context
from escalada.services.people import authenticate

_bearer = HTTPBearer(auto_error=False, description="an API token (`escalada token create`)")


def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


# The bearer credentials as they came (None without any): nothing checked yet.
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def current_actor(request: Request, credentials: Credentials) -> Actor:
    """The user whose bearer token came with the request (401 without a live one).
    Roles are checked by the service functions, as for the CLI."""
    context: Context = request.app.state.context
    actor = authenticate(ctx=context, token=None if credentials is None
                         else credentials.credentials)
    if actor.language:  # the user's own language answers their errors (api/language.py)
        request.state.language = actor.language
    return actor


Result = TypeVar("Result")


async def read(context: Context, work: Callable[..., Result], *args: Any) -> Result:
    """A request's reading (`work(*args)`, its token checked inside), where it costs the
    least: on SQLite right here, on the event loop, because a read there takes no lock and
    waits for nothing (Context.reads_in_place), so a thread would only add its hop and the
    hand-offs of the GIL between threads (measured with 8 clients reading board pages: the
    server's CPU per page 2.85 ms in the thread pool, 1.50 ms here); on PostgreSQL, whose
    reads wait for the server, in the thread pool."""
    if context.reads_in_place:
        return work(*args)
    return await _in_database_thread(work, *args)


async def write(context: Context, work: Callable[..., Result], *args: Any) -> Result:
    """A request's writing (`work(*args)`, its token checked inside), where it costs the
    least: on SQLite right here, on the event loop, when no other writer holds the lock
    (Context.at_once: its first write does not wait), because then it only works the CPU
    and a thread would add its hop and the GIL's hand-offs; done again in the thread pool,
    where waiting for the lock blocks no one, when another writer held it before anything
    was written. On PostgreSQL, whose writes wait for the server, in the thread pool. (A
    commit on the loop may checkpoint SQLite's log: the same few milliseconds a thread
    would spend holding the lock.)"""
    if context.writes_in_place:
        done, result = context.at_once(work, *args)
        if done:
            return result  # type: ignore[return-value]
    return await _in_database_thread(work, *args)


# How many of these requests (`read`, `write`) work the database at once in the thread
# pool: one works the CPU while the others wait for the server. The server is one process
# whose Python runs one thread at a time; more threads overlap no more waiting, but each
# hands that one lock back and forth at every round trip to the database (8 clients on
# PostgreSQL, board pages / healthz in requests/s, side by side: 0.42 and 0.48 with the
# pool's 40 threads, 0.49 and 0.54 with 3; openings alike within the noise). The rest of
# the API keeps the pool's own limit.
DATABASE_THREADS = 3
_database_threads: WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = (
    WeakKeyDictionary())


async def _in_database_thread(work: Callable[..., Result], *args: Any) -> Result:
    """`work(*args)` in the thread pool, at most DATABASE_THREADS at once (per event loop:
    a limiter belongs to the loop it was made on)."""
    loop = asyncio.get_running_loop()
    limiter = _database_threads.get(loop)
    if limiter is None:
        limiter = _database_threads[loop] = CapacityLimiter(DATABASE_THREADS)
    return await anyio.to_thread.run_sync(work, *args, limiter=limiter)


Route = TypeVar("Route", bound=Callable[..., Any])


def checks_token_itself(route: Route) -> Route:
    """Marks a route that calls current_actor itself, in the thread call that answers
    (sharing its reading: Context.sharing_reads), instead of depending on it: a thread
    hop and a reading fewer for a list read all day. `token_first` keeps the order a
    dependency gives when FastAPI refuses the request's fields before the route runs."""
    route.checks_token_itself = True  # type: ignore[attr-defined]
    return route


async def token_first(request: Request) -> EscaladaError | None:
    """Once FastAPI refused the fields of a request to a `checks_token_itself` route:
    its token checked as a dependency would have checked it before them. The refusal
    to give instead (a token that is not a live one: 401), or None (then the reader's
    language is known for the fields' refusal)."""
    if not getattr(request.scope.get("endpoint"), "checks_token_itself", False):
        return None
    try:
        await run_in_threadpool(current_actor, request, await _bearer(request))
    except EscaladaError as refusal:
        return refusal
    return None


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
