"""Signed checkpoints of the timeline's chain heads, as documents: what `escalada audit
checkpoint` writes and `audit verify --against` reads back (checking its signature
before believing a word of it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import Field, ValidationError

from escalada.domain.audit import Head, Keyring
from escalada.domain.audit_checkpoint import (
    CHECKPOINT_FORMAT,
    CheckpointFormat,
    signature_problem,
)
from escalada.domain.errors import InvalidInput
from escalada.domain.snapshot import AwareDatetime
from escalada.services.repositories import case_number
from escalada.services.views import View

FIELD = "against"  # the checkpoint given to an audit


class CheckpointHeadView(View):
    """A case's chain head when the checkpoint was taken."""

    case: str
    entries: int = Field(ge=1)
    last_entry: int
    last_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    last_at: AwareDatetime


class CheckpointView(View):
    """The signed document: keep it where whoever can write the database cannot."""

    format: CheckpointFormat = CHECKPOINT_FORMAT
    at: AwareDatetime  # when it was taken
    by: str
    case: str | None  # the one case it covers; None: every case
    key_id: str  # the audit key it is signed with
    heads: list[CheckpointHeadView]
    signature: str  # HMAC-SHA256, hex (domain.audit_checkpoint)


class CheckpointUsedView(View):
    """The signed checkpoint an audit checked the chains against."""

    at: AwareDatetime  # when it was taken
    by: str
    key_id: str
    cases: int  # chain heads it vouches for


@dataclass(frozen=True)
class TrustedCheckpoint:
    heads: dict[int, Head]  # by case number
    used: CheckpointUsedView


def trusted_heads(document: Mapping[str, Any], keyring: Keyring) -> TrustedCheckpoint:
    """The heads of a checkpoint whose signature holds; InvalidInput naming `against`
    otherwise (a checkpoint that cannot be trusted proves nothing either way)."""
    if not isinstance(document, Mapping):
        raise InvalidInput.of(FIELD, "not a checkpoint document (a JSON object)")
    problem = signature_problem(document, keyring)
    if problem is not None:
        raise InvalidInput.of(FIELD, "the checkpoint {problem}", problem=problem)
    try:
        checkpoint = CheckpointView.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidInput.of(f"{FIELD}.{where}", first["msg"]) from error
    heads = {case_number(head.case): Head(head.entries, head.last_entry, head.last_hash)
             for head in checkpoint.heads}
    used = CheckpointUsedView(at=checkpoint.at, by=checkpoint.by, key_id=checkpoint.key_id,
                              cases=len(heads))
    return TrustedCheckpoint(heads, used)
