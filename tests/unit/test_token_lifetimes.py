"""How long API tokens last: 90 days unless asked, never more than 365, both set by the
operator in the environment."""

from __future__ import annotations

import pytest

from escalada.bootstrap import token_lifetimes
from escalada.domain.errors import InvalidInput
from escalada.services.context import TokenLifetimes


def test_tokens_last_90_days_and_at_most_365_by_default() -> None:
    assert token_lifetimes({}) == TokenLifetimes(default_days=90, longest_days=365)


def test_the_operator_sets_both_lifetimes() -> None:
    environ = {"ESCALADA_TOKEN_DAYS": "7", "ESCALADA_TOKEN_MAX_DAYS": "30"}

    assert token_lifetimes(environ) == TokenLifetimes(default_days=7, longest_days=30)


def test_a_longest_lifetime_below_the_default_lowers_the_default_too() -> None:
    assert token_lifetimes({"ESCALADA_TOKEN_MAX_DAYS": "30"}) == TokenLifetimes(30, 30)


@pytest.mark.parametrize(("environ", "field", "reason"), [
    ({"ESCALADA_TOKEN_DAYS": "0"}, "ESCALADA_TOKEN_DAYS", "from 1 to 365"),
    ({"ESCALADA_TOKEN_DAYS": "400"}, "ESCALADA_TOKEN_DAYS", "from 1 to 365"),
    ({"ESCALADA_TOKEN_DAYS": "forever"}, "ESCALADA_TOKEN_DAYS", "from 1 to 365"),
    ({"ESCALADA_TOKEN_MAX_DAYS": "-1"}, "ESCALADA_TOKEN_MAX_DAYS", "from 1 to 3650"),
])
def test_a_lifetime_that_is_not_a_whole_number_of_days_in_range_is_refused(
    environ: dict[str, str], field: str, reason: str,
) -> None:
    with pytest.raises(InvalidInput, match=reason) as refused:
        token_lifetimes(environ)

    assert refused.value.problems[0][0] == field
