"""Case ids as people type them ('CASE-1042', '1042') and the numbers they are stored by."""

from __future__ import annotations

from escalada.domain.errors import InvalidInput
from escalada.domain.model import parse_case_label

_LARGEST_CASE_NUMBER = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL


def case_number(case_id: str) -> int:
    """'CASE-1042' (or '1042') -> 1042."""
    number = parse_case_label(case_id)
    if number is None:
        raise InvalidInput.of("case", "{case_id!r} is not a case id like CASE-1042",
                              case_id=case_id)
    return number


def stored_number(number: int) -> bool:
    """Whether a case of this number could be stored at all."""
    return 0 < number <= _LARGEST_CASE_NUMBER
