"""Every write endpoint of /api/v1, found from the app itself so that new ones are covered
the day they appear, refuses a caller without a live token (401, `WWW-Authenticate:
Bearer`) and a viewer (403), and writes nothing when it refuses.

The endpoints are enumerated from the app's OpenAPI document: with FastAPI 0.165
`create_app(ctx).routes` holds one private `_IncludedRouter` per included router, not the
APIRoutes themselves, while the OpenAPI document is public and also carries each
endpoint's request-body schema, from which a valid-looking body is built.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from examples import ADMIN, DESIGN_SNAPSHOT, T2_HANDOFF, T3_HANDOFF
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, create_engine, make_url, select, text
from sqlalchemy.pool import NullPool

from escalada.adapters.db.database import make_engine
from escalada.adapters.db.tables import Base
from escalada.adapters.policy_file import current_policy
from escalada.bootstrap import wire
from escalada.entrypoints.api import create_app
from escalada.services.context import Actor, Context
from escalada.services.people import add_user, create_token, disable_user, revoke_token
from escalada.testing import FakeClock

API = "/api/v1"
WRITES = ("post", "put", "patch", "delete")

# POSTs that compute an answer from the request and write nothing: a viewer may ask.
READ_ONLY_POSTS = {
    ("POST", f"{API}/evaluate"): "evaluates the snapshot document in the body (pure engine)",
    ("POST", f"{API}/sla/deadline"): "SLA arithmetic: a due time on a calendar",
    ("POST", f"{API}/sla/elapsed"): "SLA arithmetic: business time between two moments",
    ("POST", f"{API}/health/what-if"): "the health score of component values in the body",
}
# A read whose body is a signed document: a viewer may ask, and a document that is not a
# checkpoint is refused for what it is (422), never for the role, writing nothing.
READS_OF_A_DOCUMENT = {
    ("POST", f"{API}/audit/verify"): "checks the chains against the checkpoint in the body",
}
# Writes anyone may make on their own behalf (a viewer needs a token to read the API at
# all). The viewer test aims them at someone else's (the admin's) instead: 403.
ON_SOMEONE_ELSE = {
    ("POST", f"{API}/tokens"): "a token for another user",
    ("POST", f"{API}/tokens/{{token_id}}/revoke"): "another user's token",
}
# The help desks' inbound webhooks: authenticated by the sender's signature, not a bearer
# token (a caller with or without a token and no signature is refused 401, keeping nothing).
SIGNED_BY_THE_SENDER = {
    ("POST", f"{API}/hooks/zendesk"): "Zendesk's HMAC signature and timestamp",
    ("POST", f"{API}/hooks/jira"): "Jira's webhook secret (X-Hub-Signature)",
    ("POST", f"{API}/hooks/generic"): "escalada's own HMAC signature and timestamp",
    ("POST", f"{API}/slack/commands"): "Slack's v0 signature and timestamp (slash commands)",
}
# The one column a refused request may change: when a token was last used (written at
# most once a minute by authentication itself, before any role is known).
NOT_CONTENT = {("api_tokens", "last_used_at")}
VICTOR = Actor("victor", "vp")


@dataclass
class World:
    """What the requests point at: seeded through the API by an admin."""

    app: TestClient
    ctx: Context
    clock: FakeClock
    tokens: dict[str, str] = field(default_factory=dict)  # kind of caller -> token
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> seeded id
    operations: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    schemas: dict[str, Any] = field(default_factory=dict)

    def headers(self, caller: str) -> dict[str, str]:
        return {} if caller == "no token" else {"Authorization": f"Bearer {self.tokens[caller]}"}

    def writes(self) -> list[tuple[str, str]]:
        """(METHOD, path template) of every write under /api/v1 that takes a bearer token."""
        return sorted(key for key in self.operations if key[0].lower() in WRITES
                      and key not in SIGNED_BY_THE_SENDER)

    def call(self, method: str, template: str, caller: str) -> Response:
        url, body = request_for(self, method, template)
        return self.app.request(method, url, json=body, headers=self.headers(caller))


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): operation
            for path, item in document["paths"].items() if path.startswith(API)
            for method, operation in item.items()
            if method in (*WRITES, "get")}


@dataclass
class Seeded:
    """A world seeded once per worker and database kind, and laid down again for each
    test: the SQLite file copied, or PostgreSQL's rows inserted into the test's emptied
    database (seeding through the API took 1.5-3.5 s a test; this takes a few ms)."""

    copy: Path | dict[str, list[dict[str, Any]]]
    now: datetime
    tokens: dict[str, str]
    ids: dict[str, str]


_SEEDED: dict[str, Seeded] = {}


def context_on(url: str, clock: FakeClock) -> Context:
    return wire(lambda: make_engine(url), current_policy, clock)


def _dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as connection:
        return {table.name: [dict(row._mapping) for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables}


def _load(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    """The rows into an empty PostgreSQL database, triggers off (the append-only logs
    refuse nothing on insert, but foreign keys are triggers there too), and each serial
    column's sequence moved past the rows, as seeding would have left it."""
    with engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in Base.metadata.sorted_tables:
            if rows[table.name]:
                connection.execute(table.insert(), rows[table.name])
            for column in table.primary_key.columns:
                if column.autoincrement is True:
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                        f"'{column.name}'), COALESCE(MAX({column.name}), 0) + 1, false) "
                        f"FROM {table.name}"))


def _restore(seeded: Seeded, url: str) -> None:
    if isinstance(seeded.copy, Path):
        shutil.copy(seeded.copy, make_url(url).database or "")
    else:
        engine = create_engine(url, poolclass=NullPool)
        try:
            _load(engine, seeded.copy)
        finally:
            engine.dispose()


def _seeded_now(ctx: Context, clock: FakeClock, url: str,
                spare: pytest.TempPathFactory) -> Seeded:
    """Seed the world through the API into the test's fresh database, and keep a copy."""
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    admin_token = create_token(ctx=ctx, actor=ADMIN)
    with TestClient(create_app(ctx), raise_server_exceptions=False) as app:
        document = app.app.openapi()  # type: ignore[attr-defined]
        world = World(app=app, ctx=ctx, clock=clock, operations=_operations(document),
                      schemas=document["components"]["schemas"])
        world.tokens["admin"] = admin_token.token
        world.ids["token_id"] = str(admin_token.id)
        add_user(ctx=ctx, actor=ADMIN, name="victor", role="vp", title="VP Support")
        world.tokens["vp"] = create_token(ctx=ctx, actor=VICTOR).token
        _seed(world)
        _callers(world)
    ctx.engine.dispose()  # SQLite: the write-ahead log is folded into the file
    copy: Path | dict[str, list[dict[str, Any]]]
    if url.startswith("sqlite"):
        copy = spare.mktemp("world") / "escalada.db"
        shutil.copy(make_url(url).database or "", copy)
    else:
        engine = create_engine(url, poolclass=NullPool)
        try:
            copy = _dump(engine)
        finally:
            engine.dispose()
    return Seeded(copy=copy, now=clock.now, tokens=dict(world.tokens), ids=dict(world.ids))


@pytest.fixture
def world(database_url: str, clock: FakeClock,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    kind = make_url(database_url).get_backend_name()
    if kind not in _SEEDED:
        _SEEDED[kind] = _seeded_now(context_on(database_url, clock), clock, database_url,
                                    tmp_path_factory)
    else:
        _restore(_SEEDED[kind], database_url)
    seeded = _SEEDED[kind]
    clock.now = seeded.now
    ctx = context_on(database_url, clock)
    try:
        with TestClient(create_app(ctx), raise_server_exceptions=False) as app:
            document = app.app.openapi()  # type: ignore[attr-defined]
            yield World(app=app, ctx=ctx, clock=clock, tokens=dict(seeded.tokens),
                        ids=dict(seeded.ids), operations=_operations(document),
                        schemas=document["components"]["schemas"])
    finally:
        ctx.engine.dispose()


def _seed(world: World) -> None:
    """An account on a stored calendar, an open case at T2 with a war room, a credit and
    a recovery plan, and more people: whatever the app has endpoints for. The admin
    sets people and configuration up; a VP (the most senior on cases) works the case."""
    def call(method: str, path: str, body: Any = None, caller: str = "vp") -> dict[str, Any]:
        response = world.app.request(method, f"{API}{path}", json=body,
                                     headers=world.headers(caller))
        assert response.is_success, (method, path, response.status_code, response.text)
        result: dict[str, Any] = response.json()
        return result

    def exists(method: str, path: str) -> bool:
        return (method, f"{API}{path}") in world.operations

    call("POST", "/calendars/moscow-desk", {"timezone": "Europe/Moscow", "country": "RU",
                                             "hours": ["09:00-18:00"], "days": "mon-fri"},
         caller="admin")
    call("POST", "/accounts", {"id": "acme", "name": "Acme Corp", "tier": "enterprise",
                               "support_plan": "enterprise", "calendar": "moscow-desk"},
         caller="admin")
    call("POST", "/users", {"name": "ana", "role": "engineer"}, caller="admin")
    call("POST", "/cases", {"account": "acme", "severity": "P1", "title": "Volumes detach",
                            "services": ["compute", "block-storage"],
                            "flags": ["customer_requested_escalation"]})
    call("POST", "/cases/CASE-1/escalate", {"to": "T2", "handoff": T2_HANDOFF})
    world.ids.update(case_id="CASE-1", account_id="acme")
    if exists("POST", "/cases/{case_id}/war-room"):
        call("POST", "/cases/CASE-1/war-room", {"reason": "the customer's CTO called"})
    if exists("POST", "/cases/{case_id}/credits"):
        credit = call("POST", "/cases/CASE-1/credits",
                      {"amount_usd": "100.00", "reason": "first response late"})
        world.ids["credit_id"] = str(credit["id"])
    if exists("POST", "/cases/{case_id}/recovery"):
        call("POST", "/cases/CASE-1/recovery")
        task = call("POST", "/cases/CASE-1/recovery/tasks",
                    sample_body(world, "POST", f"{API}/cases/{{case_id}}/recovery/tasks"))
        world.ids["task_id"] = str(task.get("id", 1))
    if exists("POST", "/cases/{case_id}/drafts"):
        draft = call("POST", "/cases/CASE-1/drafts", {"kind": "acknowledgment"})
        world.ids["draft_id"] = str(draft["id"])
        call("POST", "/endpoints", {"name": "hook", "channel": "webhook",
                                    "url": "http://127.0.0.1:9/hook"}, caller="admin")
        queued = call("POST", f"/drafts/{draft['id']}/send",
                      {"channel": "webhook", "to": "hook", "deliver_now": False})
        world.ids["delivery_id"] = str(queued["id"])


def _callers(world: World) -> None:
    """Tokens that must not work, each of a user senior enough that a leak would show
    as a write, and a live viewer's."""
    ctx = world.ctx
    revoked = create_token(ctx=ctx, actor=ADMIN, label="revoked")
    revoke_token(ctx=ctx, actor=ADMIN, token_id=revoked.id)
    expiring = create_token(ctx=ctx, actor=VICTOR, expires_in_days=1)
    add_user(ctx=ctx, actor=ADMIN, name="dora", role="vp")
    disabled = create_token(ctx=ctx, actor=Actor("dora", "vp"))
    disable_user(ctx=ctx, actor=ADMIN, name="dora")
    add_user(ctx=ctx, actor=ADMIN, name="vera", role="viewer")
    viewer = create_token(ctx=ctx, actor=Actor("vera", "viewer"))
    world.clock.advance(days=1, seconds=1)  # the one-day token has just expired
    world.tokens.update({
        "revoked token": revoked.token, "expired token": expiring.token,
        "garbage token": "esc_" + "not-a-token-" * 4, "disabled user's token": disabled.token,
        "viewer": viewer.token,
    })


# Requests: a seeded id for each path parameter, a valid-looking body for each schema


# (METHOD, path template) -> the body to send where a generic one would not pass
# validation (so that the refusal tested is the role check, not a 422 on the body).
BODIES: dict[tuple[str, str], Any] = {
    ("POST", f"{API}/accounts"): {"id": "globex", "name": "Globex", "tier": "enterprise",
                                  "support_plan": "enterprise"},
    ("POST", f"{API}/cases"): {"account": "acme", "severity": "P2", "title": "Login slow"},
    ("PATCH", f"{API}/cases/{{case_id}}"): {"csat": 2, "reason": "survey"},
    ("POST", f"{API}/cases/{{case_id}}/escalate"): {"to": "T3", "handoff": T3_HANDOFF},
    ("POST", f"{API}/cases/{{case_id}}/ack"): {"step": 1},
    ("POST", f"{API}/cases/{{case_id}}/deescalate"): {"track": "technical", "to": "T1",
                                                      "reason": "fixed at T2"},
    ("POST", f"{API}/cases/{{case_id}}/flags"): {"flags": ["churn_threat"]},
    ("POST", f"{API}/cases/{{case_id}}/flags/clear"): {
        "flags": ["customer_requested_escalation"]},
    ("PUT", f"{API}/accounts/{{account_id}}/calendar"): {"calendar": None},
    ("POST", f"{API}/calendars/{{name}}"): {"timezone": "UTC", "hours": ["08:00-17:00"],
                                            "days": "mon-fri"},
    ("PUT", f"{API}/calendars/{{name}}"): {"timezone": "UTC", "hours": ["08:00-17:00"],
                                           "days": "mon-fri"},
    ("POST", f"{API}/users"): {"name": "newcomer", "role": "engineer"},
    ("POST", f"{API}/tokens"): {"user": "admin"},
    ("POST", f"{API}/credits/{{credit_id}}/approve"): {"reason": "within the schedule"},
    ("POST", f"{API}/credits/{{credit_id}}/reject"): {"reason": "not owed"},
    ("POST", f"{API}/cases/{{case_id}}/credits"): {"amount_usd": "50.00", "reason": "late"},
    ("POST", f"{API}/cases/{{case_id}}/war-room/assign"): {"role": "technical_lead",
                                                           "user": "ana"},
    ("POST", f"{API}/cases/{{case_id}}/messages"): {"from": "customer", "text": "Спасибо"},
    ("POST", f"{API}/cases/{{case_id}}/drafts"): {"kind": "acknowledgment", "lang": "ru"},
    ("POST", f"{API}/drafts/{{draft_id}}/send"): {
        "channel": "webhook", "to": "hook", "idempotency_key": "other", "deliver_now": False},
    ("POST", f"{API}/endpoints"): {"name": "other", "channel": "webhook",
                                   "url": "http://127.0.0.1:9/other"},
    ("PUT", f"{API}/endpoints/{{name}}"): {"channel": "webhook", "url": "http://127.0.0.1:9/x"},
    ("POST", f"{API}/evaluate"): DESIGN_SNAPSHOT,
    ("POST", f"{API}/health/what-if"): {"support_satisfaction": 80},
    ("POST", f"{API}/cases/{{case_id}}/postmortem/findings"): {
        "heading": "went_well", "text": "the war room met within the hour"},
    ("POST", f"{API}/accounts/{{account_id}}/health/inputs"): {"inputs": {"nps": 10}},
    ("POST", f"{API}/sla/deadline"): {"start": "2026-11-26T10:00:00+00:00", "minutes": 90},
    ("POST", f"{API}/sla/elapsed"): {"start": "2026-11-26T10:00:00+00:00",
                                     "end": "2026-11-26T12:00:00+00:00"},
}
# Path parameters whose seeded value depends on the endpoint.
PATH_VALUES: dict[tuple[str, str], dict[str, str]] = {
    ("POST", f"{API}/calendars/{{name}}"): {"name": "new-desk"},
    ("PUT", f"{API}/calendars/{{name}}"): {"name": "moscow-desk"},
    ("POST", f"{API}/users/{{name}}/disable"): {"name": "ana"},
    ("PUT", f"{API}/endpoints/{{name}}"): {"name": "hook"},
    ("DELETE", f"{API}/endpoints/{{name}}"): {"name": "hook"},
}
_PARAMETER = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def request_for(world: World, method: str, template: str) -> tuple[str, Any]:
    values = {**world.ids, **PATH_VALUES.get((method, template), {})}
    url = _PARAMETER.sub(lambda m: values.get(m.group(1), "1"), template)
    return url, sample_body(world, method, template)


def sample_body(world: World, method: str, template: str) -> Any:
    """The listed body, else one built from the endpoint's schema: its required fields,
    each with a plausible value."""
    if (method, template) in BODIES:
        return BODIES[(method, template)]
    request = world.operations[(method, template)].get("requestBody")
    if request is None:
        return None
    return _sample(world, request["content"]["application/json"]["schema"], "body")


_HINTS = {"reason": "audit test", "note": "audit test", "user": "ana", "by": "ana",
          "account": "acme", "case": "CASE-1", "calendar": "moscow-desk",
          "at": "2026-11-27T10:00:00+00:00", "due_at": "2026-11-27T10:00:00+00:00"}


def _sample(world: World, schema: dict[str, Any], name: str) -> Any:
    if "$ref" in schema:
        return _sample(world, world.schemas[schema["$ref"].rsplit("/", 1)[-1]], name)
    for choices in ("anyOf", "oneOf", "allOf"):
        if choices in schema:
            options = [s for s in schema[choices] if s.get("type") != "null"]
            return _sample(world, options[0], name) if options else None
    if "enum" in schema or "const" in schema:
        return schema.get("enum", [schema.get("const")])[0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        return {key: _sample(world, schema["properties"][key], key) for key in required}
    if kind == "array":
        return [_sample(world, schema["items"], name)] * schema.get("minItems", 0)
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return world.clock.now.isoformat()
    if schema.get("format") == "date":
        return world.clock.now.date().isoformat()
    return _HINTS.get(name, "x" * max(schema.get("minLength", 1), 1))


# "Nothing written": the whole content of every table, before and after


def stored(ctx: Context) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (row counts, case versions and every other column)."""
    content = {}
    with ctx.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in NOT_CONTENT]
            query = select(*columns).order_by(*table.primary_key.columns)
            content[table.name] = [tuple(row) for row in connection.execute(query)]
    return content


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# Without a live token: 401


CALLERS_REFUSED = ["no token", "revoked token", "expired token", "garbage token",
                   "disabled user's token"]


@pytest.mark.parametrize("caller", CALLERS_REFUSED)
def test_every_write_endpoint_refuses_a_caller_without_a_live_token_and_writes_nothing(
    world: World, caller: str
) -> None:
    problems = []
    after = stored(world.ctx)
    for method, template in world.writes():
        before = after  # what the last request left: one read of every table per request
        response = world.call(method, template, caller)
        after = stored(world.ctx)
        written = changed_tables(before, after)
        if (response.status_code != 401
                or response.headers.get("www-authenticate") != "Bearer"
                or response.json().get("error") != "unauthenticated" or written):
            problems.append(f"{method} {template}: {response.status_code} "
                            f"{response.headers.get('www-authenticate')!r} wrote {written} "
                            f"{response.text[:200]}")

    assert len(world.writes()) >= 30
    assert problems == []


def test_every_api_route_reads_included_needs_a_token(world: World) -> None:
    problems = []
    for method, template in sorted(world.operations):
        response = world.call(method, template, "no token")
        if response.status_code != 401:
            problems.append(f"{method} {template}: {response.status_code}")

    assert problems == []


# A viewer: 403 on every write


def test_every_write_endpoint_refuses_a_viewer_and_writes_nothing(world: World) -> None:
    """Anything but 403 is listed: a 2xx is a missing role check (and a write); a 422
    means the body this test sent did not validate (give the endpoint one in BODIES)
    or the service checks its input before the role."""
    problems = []
    after = stored(world.ctx)
    for method, template in world.writes():
        if (method, template) in READ_ONLY_POSTS | READS_OF_A_DOCUMENT:
            continue
        before = after
        response = world.call(method, template, "viewer")
        after = stored(world.ctx)
        written = changed_tables(before, after)
        if response.status_code != 403 or written:
            verdict = ("ANSWERED A VIEWER: missing role check" if response.is_success
                       else "not refused by the role check")
            problems.append(f"{method} {template}: {response.status_code} {verdict}; "
                            f"wrote {written}; {response.text[:300]}")
        elif response.json().get("error") != "not_permitted":
            problems.append(f"{method} {template}: 403 without error not_permitted")

    assert problems == []


def test_a_viewer_may_ask_the_read_only_posts_and_they_write_nothing(world: World) -> None:
    for method, template in READ_ONLY_POSTS:
        before = stored(world.ctx)
        answered = world.call(method, template, "viewer")
        url, _body = request_for(world, method, template)
        invalid = world.app.request(method, url, json={"start": "yesterday"},
                                    headers=world.headers("viewer"))

        assert answered.status_code == 200, (template, answered.text)
        assert invalid.status_code == 422, (template, invalid.text)
        assert changed_tables(before, stored(world.ctx)) == []


def test_a_viewer_may_verify_against_a_checkpoint_and_a_non_checkpoint_is_refused_as_such(
    world: World,
) -> None:
    for method, template in READS_OF_A_DOCUMENT:
        before = stored(world.ctx)
        url, _body = request_for(world, method, template)
        refused = world.app.request(method, url, json={"format": "not a checkpoint"},
                                    headers=world.headers("viewer"))

        assert refused.status_code == 422, (template, refused.text)
        assert refused.json()["error"] == "invalid_input"
        assert changed_tables(before, stored(world.ctx)) == []


@pytest.mark.parametrize("caller", ["no token", "viewer", "vp"])
def test_the_help_desks_webhooks_refuse_an_unsigned_request_whatever_the_token(
    world: World, caller: str
) -> None:
    before = stored(world.ctx)
    for method, template in SIGNED_BY_THE_SENDER:
        response = world.call(method, template, caller)

        assert response.status_code == 401, (template, response.text)
        assert response.json()["error"] == "signature_invalid", (template, response.text)
    assert changed_tables(before, stored(world.ctx)) == []
    assert set(SIGNED_BY_THE_SENDER) <= {key for key in world.operations}


def test_the_read_only_posts_listed_are_still_endpoints_of_the_app(world: World) -> None:
    """So that a renamed endpoint does not slip out of the viewer test unnoticed."""
    assert (set(READ_ONLY_POSTS) | set(READS_OF_A_DOCUMENT) | set(ON_SOMEONE_ELSE)
            <= set(world.writes()))
    assert set(world.writes()) >= {("POST", f"{API}/cases"),
                                   ("PATCH", f"{API}/cases/{{case_id}}"),
                                   ("PUT", f"{API}/calendars/{{name}}"),
                                   ("POST", f"{API}/users/{{name}}/disable")}


def test_a_viewer_manages_their_own_tokens_only(world: World) -> None:
    viewer = world.headers("viewer")

    own = world.app.post(f"{API}/tokens", json={"label": "laptop"}, headers=viewer)
    revoked = world.app.post(f"{API}/tokens/{own.json()['id']}/revoke", headers=viewer)
    for_admin = world.app.post(f"{API}/tokens", json={"user": "admin"}, headers=viewer)

    assert own.status_code == 201, own.text
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert for_admin.status_code == 403


def test_a_refused_token_can_be_told_apart_by_its_message(world: World) -> None:
    messages = {caller: world.call("POST", f"{API}/cases/{{case_id}}/respond", caller)
                .json()["message"] for caller in CALLERS_REFUSED}

    assert messages == {
        "no token": "no bearer token: send `Authorization: Bearer <token>`",
        "revoked token": "the token was revoked",
        "expired token": "the token expired",
        "garbage token": "unknown token",
        "disabled user's token": "user dora is disabled",
    }


def test_the_same_requests_succeed_for_a_senior_user_so_the_refusals_mean_something(
    world: World,
) -> None:
    """The same requests succeed for a VP: the refusals above are about the
    caller, not about a request that could never have worked."""
    before = stored(world.ctx)
    response = world.call("POST", f"{API}/cases/{{case_id}}/respond", "vp")
    escalated = world.call("POST", f"{API}/cases/{{case_id}}/escalate", "vp")

    assert response.status_code == 200, response.text
    assert escalated.status_code == 200, escalated.text
    assert {"cases", "timeline"} <= set(changed_tables(before, stored(world.ctx)))
