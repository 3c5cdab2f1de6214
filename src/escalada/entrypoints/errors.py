"""The one place that maps domain errors to HTTP statuses, CLI exit codes and the
problem types (RFC 9457) the API answers with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from escalada.domain.errors import (
    AlreadyExists,
    Conflict,
    EscaladaError,
    HandoffIncomplete,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
    PayloadRejected,
    PolicyInvalid,
    SignatureInvalid,
    StaleVersion,
    StoreUnavailable,
    TemplateInvalid,
    TooManyAttempts,
    Unauthenticated,
    VendorFailed,
    WritesRefused,
)
from escalada.domain.words import ENGLISH, Translator, Words

PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemKind:
    """One kind of error: its HTTP status, CLI exit code, stable code and title.
    Its problem type is `/problems/<code with dashes>`."""

    status: int
    exit_code: int
    code: str
    title: str
    explanation: str

    @property
    def type(self) -> str:
        return "/problems/" + self.code.replace("_", "-")


INVALID_INPUT = ProblemKind(422, 2, "invalid_input", "Invalid input",
                            "A field is missing, malformed or out of bounds: `problems` "
                            "names each field and the reason.")
HANDOFF_INCOMPLETE = ProblemKind(422, 3, "handoff_incomplete", "Handoff package incomplete",
                                 "A technical step needs handoff items that were not "
                                 "supplied: `step` and `missing` name them.")
NOT_FOUND = ProblemKind(404, 4, "not_found", "Not found",
                        "Nothing has that id (or the route does not exist).")
CONFLICT = ProblemKind(409, 5, "conflict", "Conflict",
                       "The record changed since the version the request names, or the "
                       "change collides with another one: read it again and retry.")
ALREADY_EXISTS = ProblemKind(409, 5, "already_exists", "Already exists",
                             "A record with that id or name exists already.")
INVALID_TRANSITION = ProblemKind(409, 6, "invalid_transition", "Not allowed now",
                                 "The record's current state does not allow this "
                                 "(a closed case, the last admin).")
NOT_PERMITTED = ProblemKind(403, 7, "not_permitted", "Not permitted",
                            "Your role does not allow this: the message names the role "
                            "or authority needed.")
POLICY_INVALID = ProblemKind(500, 8, "policy_invalid", "Policy invalid",
                             "The policy file in force does not validate.")
TEMPLATE_INVALID = ProblemKind(500, 8, "template_invalid", "Template invalid",
                               "A message template does not render.")
UNAUTHENTICATED = ProblemKind(401, 9, "unauthenticated", "Unauthenticated",
                              "No bearer token, or one that is unknown, expired or "
                              "revoked, or its user is disabled.")
SIGNATURE_INVALID = ProblemKind(401, 9, "signature_invalid", "Webhook signature invalid",
                                "An inbound webhook's signature or timestamp does not "
                                "check out (wrong secret, changed body, signed too long "
                                "ago): nothing was kept or applied.")
PAYLOAD_REJECTED = ProblemKind(422, 2, "payload_rejected", "Webhook payload rejected",
                               "A signed inbound webhook cannot be applied: `problems` "
                               "names each field and the reason; it is kept as "
                               "`delivery` to inspect and replay, and nothing of it was "
                               "applied.")
VENDOR_FAILED = ProblemKind(502, 10, "vendor_failed", "Vendor API failed",
                            "A cloud vendor's support API refused or failed.")
DATABASE_UNAVAILABLE = ProblemKind(503, 11, "database_unavailable", "Database unavailable",
                                   "The database cannot be reached.")
WRITES_REFUSED = ProblemKind(500, 1, "writes_refused", "Writes refused",
                             "The store refuses writes (read-only database or disk).")
PRECONDITION_FAILED = ProblemKind(412, 5, "precondition_failed", "Precondition failed",
                                  "The case changed since the ETag sent in `If-Match`: "
                                  "read it again (GET) and retry with the new ETag.")
NOT_READY = ProblemKind(503, 11, "not_ready", "Not ready",
                        "The service cannot take work yet: `checks` names what is not "
                        "ready (the database, the workers' heartbeat).")
METHOD_NOT_ALLOWED = ProblemKind(405, 1, "method_not_allowed", "Method not allowed",
                                 "The route exists but not with this method: `Allow` "
                                 "lists the ones it takes.")
TOO_MANY_REQUESTS = ProblemKind(429, 1, "too_many_requests", "Too many requests",
                                "Slow down: `Retry-After` says when to try again.")
TOO_MANY_ATTEMPTS = ProblemKind(429, 12, "too_many_attempts", "Too many sign-in attempts",
                                "Too many failed sign-ins for a name from one client: "
                                "`Retry-After` says when the next try counts again.")
INTERNAL_ERROR = ProblemKind(500, 1, "internal_error", "Internal error",
                             "Something failed on the server; it is logged with the "
                             "request's path. Retrying may not help.")

_DOMAIN: dict[type[EscaladaError], ProblemKind] = {
    InvalidInput: INVALID_INPUT,
    HandoffIncomplete: HANDOFF_INCOMPLETE,
    NotFound: NOT_FOUND,
    Conflict: CONFLICT,
    AlreadyExists: ALREADY_EXISTS,
    InvalidTransition: INVALID_TRANSITION,
    NotPermitted: NOT_PERMITTED,
    PolicyInvalid: POLICY_INVALID,
    TemplateInvalid: TEMPLATE_INVALID,
    Unauthenticated: UNAUTHENTICATED,
    SignatureInvalid: SIGNATURE_INVALID,
    PayloadRejected: PAYLOAD_REJECTED,
    VendorFailed: VENDOR_FAILED,
    StoreUnavailable: DATABASE_UNAVAILABLE,
    WritesRefused: WRITES_REFUSED,
    TooManyAttempts: TOO_MANY_ATTEMPTS,
}
_BY_STATUS = {405: METHOD_NOT_ALLOWED, 404: NOT_FOUND, 429: TOO_MANY_REQUESTS,
              401: UNAUTHENTICATED, 403: NOT_PERMITTED, 409: CONFLICT,
              412: PRECONDITION_FAILED, 422: INVALID_INPUT, 503: DATABASE_UNAVAILABLE}
# Every problem type the API answers with, for its documentation (GET /problems/{kind}).
PROBLEM_KINDS: tuple[ProblemKind, ...] = (
    *dict.fromkeys(_DOMAIN.values()), PRECONDITION_FAILED, NOT_READY, METHOD_NOT_ALLOWED,
    TOO_MANY_REQUESTS, INTERNAL_ERROR)

EXIT_CODES_HELP = (
    "Exit codes: 0 ok, 2 invalid input, 3 handoff incomplete, 4 not found, "
    "5 conflict, 6 not allowed in the current state (a case's, or the last admin's), "
    "7 not permitted, 8 invalid policy or template, "
    "9 unknown or disabled user, 10 a vendor's support API failed, "
    "11 the database cannot be reached, 12 too many failed sign-ins (wait and retry)."
)


def problem_kind(error: EscaladaError, *, precondition: bool = False) -> ProblemKind:
    """The kind of a domain error; a stale version named by `If-Match` (`precondition`)
    is a failed precondition (412) rather than a conflict (409)."""
    if precondition and isinstance(error, StaleVersion):
        return PRECONDITION_FAILED
    for kind in type(error).__mro__:
        if kind in _DOMAIN:
            return _DOMAIN[kind]
    return INTERNAL_ERROR


def kind_of_status(status: int) -> ProblemKind:
    """The problem kind of an HTTP error raised outside the service layer (routing, 405)."""
    return _BY_STATUS.get(status, ProblemKind(status, 1, "http_error", "HTTP error", ""))


def http_status(error: EscaladaError) -> int:
    return problem_kind(error).status


def exit_code(error: EscaladaError) -> int:
    return problem_kind(error).exit_code


def error_document(error: EscaladaError, language: Translator = ENGLISH) -> dict[str, Any]:
    """The JSON body of an API error (and of the CLI's --format json errors), its message
    and reasons in the reader's `language` (field names and codes as they are)."""
    document: dict[str, Any] = {"error": problem_kind(error).code,
                                "message": api_message(error, language)}
    if isinstance(error, InvalidInput):
        document["problems"] = [{"field": f, "reason": r}
                                for f, r in error.told_problems(language)]
    if isinstance(error, PayloadRejected) and error.delivery is not None:
        document["delivery"] = error.delivery
    if isinstance(error, HandoffIncomplete):
        document["step"] = error.step
        document["missing"] = error.missing
    return document


# What to do about an error, in each entry point's own names for the same fields.
_API_HINTS: dict[type[EscaladaError], Words] = {
    HandoffIncomplete: Words("supply them in `handoff`, or give `override_reason`")}
_CLI_HINTS: dict[type[EscaladaError], Words] = {
    HandoffIncomplete: Words("supply them with --handoff, or give --override-reason")}


def _hinted(error: EscaladaError, hints: dict[type[EscaladaError], Words],
            language: Translator) -> str:
    told = error.told(language)
    hint = next((hints[kind] for kind in type(error).__mro__ if kind in hints), None)
    return told if hint is None else f"{told} ({hint.render(language)})"


def api_message(error: EscaladaError, language: Translator = ENGLISH) -> str:
    """The error's message for the API, naming API fields, in the reader's language."""
    return _hinted(error, _API_HINTS, language)


def cli_message(error: EscaladaError, language: Translator = ENGLISH) -> str:
    """The error's message for the CLI, naming CLI flags, in the reader's language."""
    return _hinted(error, _CLI_HINTS, language)


def problem_document(
    kind: ProblemKind, *, detail: str, instance: str, **extensions: Any
) -> dict[str, Any]:
    """An RFC 9457 problem: type, title, status, detail, instance, and the extension
    members clients already read (`error`, `message`, `problems`, `step`, `missing`)."""
    return {"type": kind.type, "title": kind.title, "status": kind.status,
            "detail": detail, "instance": instance, "error": kind.code, "message": detail,
            **extensions}


def domain_problem(error: EscaladaError, *, instance: str, precondition: bool = False,
                   language: Translator = ENGLISH) -> dict[str, Any]:
    """The problem document of a domain error, its detail in the reader's `language`."""
    kind = problem_kind(error, precondition=precondition)
    extensions = {k: v for k, v in error_document(error, language).items()
                  if k not in ("error", "message")}
    return problem_document(kind, detail=api_message(error, language), instance=instance,
                            **extensions)
