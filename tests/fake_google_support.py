"""A fake Google Cloud Support API v2 on loopback: a real gRPC server speaking
google.cloud.support.v2.CaseService and CommentService with the SDK's own messages.

It keeps cases and comments in memory, records every request, answers NOT_FOUND for
unknown names, INVALID_ARGUMENT for an unknown classification or a missing field,
FAILED_PRECONDITION for escalating or closing a closed case, and can be told to fail
the next N calls with a status code (`fail_next`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc  # type: ignore[import-untyped]
from google.cloud.support_v2 import CaseServiceClient, CommentServiceClient, types
from google.cloud.support_v2.services.case_service.transports import CaseServiceGrpcTransport
from google.cloud.support_v2.services.comment_service.transports import (
    CommentServiceGrpcTransport,
)

CLASSIFICATIONS = {
    "100H41Q3DTMN0TBKCKD0SGRVNO": "Compute \u003e Compute Engine \u003e Instance",
    "100152O3ACB3B9NN4H9OMCDE2E": "Storage \u003e Cloud Storage",
}
T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
US = types.Actor(display_name="Ana Lima", email="ana@acme.example", google_support=False)
GOOGLE = types.Actor(display_name="Kim (Google Support)", google_support=True)


@dataclass
class Failure:
    code: grpc.StatusCode
    message: str
    methods: frozenset[str] | None  # None: any method


@dataclass
class FakeGoogleSupport:
    page_size: int = 2  # small, so that listing comments takes several pages
    cases: dict[str, types.Case] = field(default_factory=dict)
    comments: dict[str, list[types.Comment]] = field(default_factory=dict)
    requests: list[tuple[str, Any]] = field(default_factory=list)
    _failures: list[Failure] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _clock: datetime = T0
    _numbers: int = 10_000_000

    # --- what tests tell it and ask it ---------------------------------------------

    def fail_next(
        self, times: int, code: grpc.StatusCode, message: str = "", *methods: str
    ) -> None:
        """Fail the next `times` calls (of `methods`, e.g. "CreateCase"; of any method
        without) with `code`."""
        only = frozenset(methods) if methods else None
        with self._lock:
            self._failures.extend(
                Failure(code, message or f"fake {code.name}", only) for _ in range(times)
            )

    def calls(self, method: str) -> list[Any]:
        """The requests received for `method` (e.g. "GetCase"), failed ones included."""
        return [request for name, request in self.requests if name == method]

    def add_case(
        self, parent: str = "projects/acme-prod", *, state: str = "NEW", priority: str = "P2"
    ) -> types.Case:
        case = types.Case(
            name=self._name(f"{parent}/cases"),
            display_name="Seeded case",
            description="Seeded",
            classification=types.CaseClassification(id=next(iter(CLASSIFICATIONS))),
            priority=priority,
            state=getattr(types.Case.State, state),
            create_time=self._tick(),
            creator=US,
        )
        self.cases[case.name] = case
        self.comments[case.name] = []
        return case

    def add_comment(
        self, case: str, body: str, *, actor: types.Actor = GOOGLE
    ) -> types.Comment:
        """A comment as if posted in the console or by Google Support."""
        comment = types.Comment(
            name=self._name(f"{case}/comments"), body=body, creator=actor, create_time=self._tick()
        )
        self.comments[case].append(comment)
        return comment

    def set_state(self, case: str, state: str) -> None:
        self.cases[case].state = getattr(types.Case.State, state)

    # --- the services --------------------------------------------------------------

    def _tick(self) -> datetime:
        self._clock += timedelta(minutes=1)
        return self._clock

    def _name(self, collection: str) -> str:
        self._numbers += 1
        return f"{collection}/{self._numbers}"

    def _case(self, name: str, context: grpc.ServicerContext) -> types.Case:
        case = self.cases.get(name)
        if case is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Case {name} not found.")
            raise AssertionError("abort raises")
        return case

    def _serve(
        self, method: str, answer: Callable[[Any, grpc.ServicerContext], Any]
    ) -> Callable[[Any, grpc.ServicerContext], Any]:
        def handler(request: Any, context: grpc.ServicerContext) -> Any:
            with self._lock:
                self.requests.append((method, request))
                for index, failure in enumerate(self._failures):
                    if failure.methods is None or method in failure.methods:
                        del self._failures[index]
                        context.abort(failure.code, failure.message)
                return answer(request, context)

        return handler

    def _create_case(self, request: Any, context: grpc.ServicerContext) -> types.Case:
        case = types.Case(request.case)
        missing = [
            name
            for name, given in (
                ("parent", request.parent),
                ("case.display_name", case.display_name),
                ("case.description", case.description),
                ("case.classification.id", case.classification.id),
                ("case.priority", case.priority),
            )
            if not given
        ]
        if missing:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"Missing {', '.join(missing)}.")
        if case.classification.id not in CLASSIFICATIONS:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"Classification {case.classification.id} is not a valid classification.",
            )
        case.name = self._name(f"{request.parent}/cases")
        case.state = types.Case.State.NEW  # type: ignore[assignment]
        case.create_time = case.update_time = self._tick()
        case.creator = US
        case.classification.display_name = CLASSIFICATIONS[case.classification.id]
        self.cases[case.name] = case
        self.comments[case.name] = []
        return case

    def _get_case(self, request: Any, context: grpc.ServicerContext) -> types.Case:
        return self._case(request.name, context)

    def _escalate_case(self, request: Any, context: grpc.ServicerContext) -> types.Case:
        case = self._case(request.name, context)
        if case.state == types.Case.State.CLOSED:
            context.abort(
                grpc.StatusCode.FAILED_PRECONDITION, "A closed case cannot be escalated."
            )
        if not request.escalation.reason or not request.escalation.justification:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "Escalation needs reason and justification."
            )
        case.escalated = True
        return case

    def _close_case(self, request: Any, context: grpc.ServicerContext) -> types.Case:
        case = self._case(request.name, context)
        if case.state == types.Case.State.CLOSED:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "The case is already closed.")
        case.state = types.Case.State.CLOSED  # type: ignore[assignment]
        return case

    def _list_comments(
        self, request: Any, context: grpc.ServicerContext
    ) -> types.ListCommentsResponse:
        self._case(request.parent, context)
        # Newest first, as Google lists them.
        ordered = sorted(self.comments[request.parent], key=lambda c: c.create_time, reverse=True)
        start = int(request.page_token or 0)
        size = request.page_size or self.page_size
        end = start + size
        return types.ListCommentsResponse(
            comments=ordered[start:end], next_page_token=str(end) if end < len(ordered) else ""
        )

    def _create_comment(self, request: Any, context: grpc.ServicerContext) -> types.Comment:
        self._case(request.parent, context)
        if not request.comment.body:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "Missing comment.body.")
        return self.add_comment(request.parent, request.comment.body, actor=US)

    def handlers(self) -> list[grpc.GenericRpcHandler]:
        def unary(
            method: str, answer: Callable[[Any, grpc.ServicerContext], Any], req: Any, resp: Any
        ) -> grpc.RpcMethodHandler:
            return grpc.unary_unary_rpc_method_handler(
                self._serve(method, answer),
                request_deserializer=req.deserialize,
                response_serializer=resp.serialize,
            )

        return [
            grpc.method_handlers_generic_handler(
                "google.cloud.support.v2.CaseService",
                {
                    "CreateCase": unary(
                        "CreateCase", self._create_case, types.CreateCaseRequest, types.Case
                    ),
                    "GetCase": unary("GetCase", self._get_case, types.GetCaseRequest, types.Case),
                    "EscalateCase": unary(
                        "EscalateCase", self._escalate_case, types.EscalateCaseRequest, types.Case
                    ),
                    "CloseCase": unary(
                        "CloseCase", self._close_case, types.CloseCaseRequest, types.Case
                    ),
                },
            ),
            grpc.method_handlers_generic_handler(
                "google.cloud.support.v2.CommentService",
                {
                    "ListComments": unary(
                        "ListComments",
                        self._list_comments,
                        types.ListCommentsRequest,
                        types.ListCommentsResponse,
                    ),
                    "CreateComment": unary(
                        "CreateComment",
                        self._create_comment,
                        types.CreateCommentRequest,
                        types.Comment,
                    ),
                },
            ),
        ]


@dataclass
class Served:
    fake: FakeGoogleSupport
    address: str
    case_client: CaseServiceClient
    comment_client: CommentServiceClient


@contextmanager
def serve(fake: FakeGoogleSupport | None = None) -> Iterator[Served]:
    """Run `fake` on a free loopback port; yield it with SDK clients pointed at it."""
    fake = fake or FakeGoogleSupport()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(fake.handlers())
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    address = f"127.0.0.1:{port}"
    case_channel = grpc.insecure_channel(address)
    comment_channel = grpc.insecure_channel(address)
    try:
        yield Served(
            fake,
            address,
            CaseServiceClient(transport=CaseServiceGrpcTransport(channel=case_channel)),
            CommentServiceClient(transport=CommentServiceGrpcTransport(channel=comment_channel)),
        )
    finally:
        case_channel.close()
        comment_channel.close()
        server.stop(grace=None).wait()
