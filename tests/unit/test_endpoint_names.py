"""How a destination URL is shown, and what counts as an endpoint's name or a URL."""

from __future__ import annotations

import pytest

from escalada.domain.endpoints import is_endpoint_name, looks_like_url, masked


@pytest.mark.parametrize(("url", "shown"), [
    ("https://hooks.slack.com/services/T0/B0/secret", "https://hooks.slack.com/…/****"),
    ("HTTP://user:password@crm.example:8443/in?token=abc", "http://crm.example:8443/…/****"),
    ("http://[::1]:9000/hook", "http://[::1]:9000/…/****"),
    ("https://crm.example", "https://crm.example/…/****"),
])
def test_a_url_is_shown_by_scheme_and_host_only(url: str, shown: str) -> None:
    assert masked(url) == shown


@pytest.mark.parametrize(("text", "is_name", "is_url"), [
    ("ops-webhook", True, False),
    ("crm.inbox_2", True, False),
    ("Ops", False, False),  # uppercase could be a Slack channel id
    ("#escalations", False, False),
    ("-leading-dash", False, False),
    ("http://10.0.0.1/admin", False, True),
    ("//metadata.internal/latest", False, True),
    ("gopher://x", False, True),
])
def test_names_and_urls_are_told_apart(text: str, is_name: bool, is_url: bool) -> None:
    assert (is_endpoint_name(text), looks_like_url(text)) == (is_name, is_url)
