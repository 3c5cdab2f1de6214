"""Settings.current(): the process environment as it is at the call, read through
pydantic-settings only when one of the variables Settings reads has changed."""

from __future__ import annotations

import pytest

from escalada.adapters.policy_file import POLICY
from escalada.settings import Settings


def test_the_same_environment_gives_the_same_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALADA_WEBHOOK_TIMEOUT", "7")
    first = Settings.current()
    assert Settings.current() is first
    assert first == Settings()
    assert first.seconds("webhook_timeout", 10.0) == 7.0


def test_a_changed_variable_is_read_at_the_next_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALADA_WEBHOOK_TIMEOUT", "7")
    before = Settings.current()
    monkeypatch.setenv("ESCALADA_WEBHOOK_TIMEOUT", "12")
    after = Settings.current()
    assert after is not before
    assert after.seconds("webhook_timeout", 10.0) == 12.0
    monkeypatch.delenv("ESCALADA_WEBHOOK_TIMEOUT")
    assert Settings.current().text("webhook_timeout") is None


def test_a_second_name_of_a_setting_counts_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("ESCALADA_SLACK_TOKEN", raising=False)
    assert Settings.current().text("slack_token") is None
    monkeypatch.setenv("ESCALADA_SLACK_TOKEN", "xoxb-second-name")
    assert Settings.current().text("slack_token") == "xoxb-second-name"


def test_a_blank_variable_is_unset_as_in_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALADA_WEBHOOK_TIMEOUT", "   ")
    assert Settings.current().text("webhook_timeout") is None


def test_the_policy_file_setting_is_read_when_it_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ESCALADA_POLICY", raising=False)
    assert POLICY.path() == POLICY.default_path()
    monkeypatch.setenv("ESCALADA_POLICY", "/etc/escalada/policy.yaml")
    assert str(POLICY.path()) == "/etc/escalada/policy.yaml"
