"""Every message a person reads from the CLI and the API has a Russian translation, and
the translation keeps the English template's parameters."""

from __future__ import annotations

import re

from message_support import (
    cli_messages,
    error_messages,
    formatted_messages,
    policy_messages,
    tr_calls_unseen,
)

from escalada.adapters.catalogs import CONTEXT_SEPARATOR, entry, untranslated

_PARAMETER = re.compile(r"\{[^{}]*\}")


def _listed(messages: dict[str | tuple[str, str], str], missing: list[str]) -> str:
    where = {m if isinstance(m, str) else m[0]: place for m, place in messages.items()}
    # a message said in a context reads `context | message`
    return "\n".join(f"{where[m]}: {m.replace(CONTEXT_SEPARATOR, ' | ')!r}" for m in missing)


def test_every_error_template_and_phrase_has_a_russian_translation() -> None:
    messages = error_messages()
    assert len(messages) > 250  # the scan finds the templates (it stopped finding none once)
    missing = untranslated("ru", messages)
    assert not missing, "no Russian for:\n" + _listed(messages, missing)


def test_every_word_the_cli_prints_has_a_russian_translation() -> None:
    messages = cli_messages()
    assert "error:" in messages
    missing = untranslated("ru", messages)
    assert not missing, "no Russian for:\n" + _listed(messages, missing)


def test_every_word_of_the_shipped_policy_has_a_russian_translation() -> None:
    messages = policy_messages()
    assert "churn threat" in messages and "CSAT below 3" in messages  # a flag, a criterion
    missing = untranslated("ru", messages)
    assert not missing, "no Russian for (add it to policy.po):\n" + "\n".join(
        f"{messages[m]}: {m!r}" for m in missing)


def test_the_shipped_policy_names_every_criterion_its_steps_and_levels_name() -> None:
    from escalada.adapters.policy_file import current_policy

    policy = current_policy()
    named = {c for step in policy.technical.steps for c in step.criteria}
    named |= {c for level in policy.executive.levels for c in level.criteria}
    assert not [c for c in sorted(named) if not policy.described(c)]


def test_each_translation_keeps_its_templates_parameters() -> None:
    wrong = []
    for message in (*error_messages(), *cli_messages()):
        key = message if isinstance(message, str) else message[0]
        english = key.rpartition(CONTEXT_SEPARATOR)[2]
        found = entry("ru", key)
        strings = () if found is None else (
            found.string if isinstance(found.string, tuple) else (found.string,))
        for string in strings:
            if sorted(_PARAMETER.findall(string)) != sorted(_PARAMETER.findall(english)):
                wrong.append(english)
    assert not wrong, "parameters differ in:\n" + "\n".join(wrong)


# Errors not (yet) worded as templates: a bug's own report (WritesRefused), the API's
# problem-type lookup, the fakes shipped for tests, and the vendor plans file's checks
# (read by the operator editing the file; still English only).
_NOT_TRANSLATED = ("adapters/db/database.py", "entrypoints/api/problems.py", "testing.py",
                   "domain/vendor_plans.py")


def test_no_error_is_worded_with_an_f_string() -> None:
    found = [where for where in formatted_messages() if not where.startswith(_NOT_TRANSLATED)]
    assert not found, ("write these as a template and parameters (Error.of('no case {case}', "
                       "case=...), Words(...)) so they can be translated:\n" + "\n".join(found))


def _of_values() -> dict[tuple[str, str], tuple[str, ...]]:
    """The CLI's tr() calls of a value, with every value each takes (their message ids)."""
    from typing import get_args

    from escalada.domain.vendor_health import CLOSED
    from escalada.domain.vendor_health import OPEN as EVENT_OPEN
    from escalada.services.agent_audit import Outcome
    from escalada.services.incident_updates import NO_EMAIL_CONTACT

    return {
        ("entrypoints/cli/audit.py", "tr(call.outcome)"): get_args(Outcome),
        ("entrypoints/cli/incidents.py", "tr(item.skipped)"): (NO_EMAIL_CONTACT,),
        ("entrypoints/cli/vendors.py", "tr(e.status)"): (EVENT_OPEN, CLOSED),
    }


def test_every_tr_call_of_a_literal_is_one_the_extractor_finds() -> None:
    """Babel's extractor skips a tr() inside an f-string (Python 3.11 reads an f-string as
    one token) and an empty message id, so their words would never reach a catalog."""
    missed, _ = tr_calls_unseen()
    assert not missed, ("call tr() outside the f-string (or never with ''):\n"
                        + "\n".join(missed))


def test_every_tr_call_of_a_value_is_known_with_the_values_it_takes() -> None:
    _, of_values = tr_calls_unseen()
    known = _of_values()
    unknown = sorted(where for call, where in of_values.items() if call not in known)
    assert not unknown, ("tr() of a value the extractor cannot see: list it with its "
                         "values in _of_values:\n" + "\n".join(unknown))
    assert sorted(set(known) - set(of_values)) == []


def test_every_value_a_tr_call_takes_has_a_russian_translation() -> None:
    values = {value for taken in _of_values().values() for value in taken}
    assert {"answered", "open", "closed", "no contact with an email address"} <= values
    assert "" not in values
    assert untranslated("ru", sorted(values)) == []
