"""Domain errors, each with a message a support engineer can act on.

Entry points map them to HTTP statuses and exit codes in one place each
(`escalada.entrypoints.errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from escalada.domain.words import ENGLISH, Translator, Words, words_of


class EscaladaError(Exception):
    """Base of every error escalada reports to a person. `str()` is the English message;
    `told(language)` the same in a reader's language (`words` keep its template)."""

    def __init__(self, message: str | Words = "") -> None:
        self.words = words_of(message)
        super().__init__(str(self.words))

    @classmethod
    def of(cls, template: str, /, **params: object) -> Self:
        """The error with an English template and its parameters (`{name}`), so each
        entry point can show it in the reader's language."""
        return cls(Words(template, **params))

    def told(self, language: Translator = ENGLISH) -> str:
        return self.words.render(language)


class InvalidInput(EscaladaError):
    """A field of a request is wrong; `problems` are (field, reason) pairs in English,
    `reasons` the same with each reason's words (field names are never translated)."""

    def __init__(self, problems: Sequence[tuple[str, str | Words]]) -> None:
        self.reasons = [(field, words_of(reason)) for field, reason in problems]
        self.problems = [(field, str(reason)) for field, reason in self.reasons]
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in self.problems))

    @classmethod
    def of(cls, field: str, reason: str | Words = "", /, **params: object) -> Self:
        """One field's problem; `reason` a template when `params` are given."""
        if params and isinstance(reason, str):
            return cls([(field, Words(reason, **params))])
        return cls([(field, reason)])

    def told(self, language: Translator = ENGLISH) -> str:
        return "; ".join(f"{field}: {reason}" for field, reason in self.told_problems(language))

    def told_problems(self, language: Translator = ENGLISH) -> list[tuple[str, str]]:
        return [(field, reason.render(language)) for field, reason in self.reasons]


class PolicyInvalid(EscaladaError):
    """The policy file cannot be used; the message names file, path and reason."""


class TemplateInvalid(EscaladaError):
    """A message template cannot be rendered: the message names the template, the
    line and the reason (a syntax error, an unknown name, or something the sandbox
    refuses)."""

    def __init__(self, template: str, line: int | None, reason: str | Words) -> None:
        self.template, self.line, self.reason = template, line, str(reason)
        if line is None:
            super().__init__(Words("template {template}: {reason}", template=template,
                                   reason=words_of(reason)))
        else:
            super().__init__(Words("template {template}, line {line}: {reason}",
                                   template=template, line=line, reason=words_of(reason)))


class VendorFailed(EscaladaError):
    """A vendor's support API refused or failed a request; the message says what to
    do (e.g. the account's support plan has no Support API)."""

    def __init__(self, vendor: str, message: str | Words, *, retryable: bool = False
                 ) -> None:
        self.vendor, self.retryable = vendor, retryable
        super().__init__(Words("{vendor}: {message}", vendor=vendor, message=words_of(message)))


class StoreUnavailable(EscaladaError):
    """The database cannot be reached or opened; the message says where (host and port,
    or the file; never a password) and why, in one line."""


class WritesRefused(EscaladaError):
    """Code that opened a read-only unit of work tried to write in it: a bug, never the
    user's doing; the message names the statement."""


class NotFound(EscaladaError):
    """No such account, case or step."""


class AlreadyExists(EscaladaError):
    """Something with that id exists already."""


class InvalidTransition(EscaladaError):
    """The case is not in a state where this can happen (e.g. escalating a closed case)."""


class Conflict(EscaladaError):
    """Someone else changed the case first; reload and try again."""


class StaleVersion(Conflict):
    """The record is no longer at the version the caller read (its `expected_version`,
    or the API's `If-Match` ETag); nothing was written."""


class NotPermitted(EscaladaError):
    """The actor's role does not allow this; the message names the role needed."""


class Unauthenticated(EscaladaError):
    """No known, enabled user: a missing, unknown, revoked or expired token, or an
    unknown or disabled user name."""


class SignatureInvalid(Unauthenticated):
    """An inbound webhook whose signature, timestamp or secret does not check out: not
    kept, nothing applied."""


class PayloadRejected(InvalidInput):
    """A signed inbound webhook that cannot be applied (malformed, an unknown event or
    ticket status, no account mapped): kept as delivery `delivery` for people to inspect
    and replay; nothing of it was applied."""

    def __init__(self, problems: Sequence[tuple[str, str | Words]], *,
                 delivery: int | None = None) -> None:
        self.delivery = delivery
        super().__init__(problems)


class TooManyAttempts(EscaladaError):
    """Too many failed sign-ins for a name from one client; `retry_after` seconds until
    the next try is counted again."""

    def __init__(self, message: str | Words, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class HandoffIncomplete(EscaladaError):
    """A technical step lacks handoff items; override with a reason to proceed."""

    def __init__(self, step: str, missing: Sequence[str]) -> None:
        self.step = step
        self.missing = list(missing)
        # How to supply them is the entry point's to say, in its own names
        # (entrypoints/errors.py: the API's fields, the CLI's flags).
        super().__init__(Words("handoff package for {step} is incomplete: missing {missing}",
                               step=step, missing=", ".join(self.missing)))
