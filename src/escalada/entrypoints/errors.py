"""The one place that maps domain errors to HTTP statuses and CLI exit codes."""

from __future__ import annotations

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
    PolicyInvalid,
    StoreUnavailable,
    TemplateInvalid,
    TooManyAttempts,
    Unauthenticated,
    VendorFailed,
    WritesRefused,
)

# error class -> (HTTP status, CLI exit code, stable error code)
_MAPPING: dict[type[EscaladaError], tuple[int, int, str]] = {
    InvalidInput: (422, 2, "invalid_input"),
    HandoffIncomplete: (422, 3, "handoff_incomplete"),
    NotFound: (404, 4, "not_found"),
    Conflict: (409, 5, "conflict"),
    AlreadyExists: (409, 5, "already_exists"),
    InvalidTransition: (409, 6, "invalid_transition"),
    NotPermitted: (403, 7, "not_permitted"),
    PolicyInvalid: (500, 8, "policy_invalid"),
    TemplateInvalid: (500, 8, "template_invalid"),
    Unauthenticated: (401, 9, "unauthenticated"),
    VendorFailed: (502, 10, "vendor_failed"),
    StoreUnavailable: (503, 11, "database_unavailable"),
    WritesRefused: (500, 1, "writes_refused"),
    TooManyAttempts: (429, 12, "too_many_attempts"),
}
EXIT_CODES_HELP = (
    "Exit codes: 0 ok, 2 invalid input, 3 handoff incomplete, 4 not found, "
    "5 conflict, 6 not allowed in the current state (a case's, or the last admin's), "
    "7 not permitted, 8 invalid policy or template, "
    "9 unknown or disabled user, 10 a vendor's support API failed, "
    "11 the database cannot be reached, 12 too many failed sign-ins (wait and retry)."
)


def _entry(error: EscaladaError) -> tuple[int, int, str]:
    for kind in type(error).__mro__:
        if kind in _MAPPING:
            return _MAPPING[kind]
    return 500, 1, "error"


def http_status(error: EscaladaError) -> int:
    return _entry(error)[0]


def exit_code(error: EscaladaError) -> int:
    return _entry(error)[1]


def error_document(error: EscaladaError) -> dict[str, Any]:
    """The JSON body of an API error (and of the CLI's --format json errors)."""
    document: dict[str, Any] = {"error": _entry(error)[2], "message": str(error)}
    if isinstance(error, InvalidInput):
        document["problems"] = [{"field": f, "reason": r} for f, r in error.problems]
    if isinstance(error, HandoffIncomplete):
        document["step"] = error.step
        document["missing"] = error.missing
    return document
