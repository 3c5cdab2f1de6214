"""Every string the console shows a person has a Russian translation: the messages are
extracted from the console's templates (jinja2's Babel extractor) and Python modules
(Babel's, with the console's language-first `gettext:2` and `ngettext:2,3`) as
`pybabel extract` would, and looked up in the shipped catalogs."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

import escalada.entrypoints.web
from escalada.adapters.catalogs import in_context, untranslated

WEB = Path(escalada.entrypoints.web.__file__).parent
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
# Templates call _()/gettext/ngettext as usual; Python modules pass the language first.
# pgettext(context, message) is said of a noun (its Russian agrees with it): keyed
# `in_context(context, message)`.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PYTHON_KEYWORDS = {"gettext": (2,), "ngettext": (2, 3), "pgettext": ((2, "c"), 3)}


def console_messages() -> dict[str, str]:
    """Each message id the console can show, with where it is (file:line)."""
    found: dict[str, str] = {}
    for path_pattern, method in METHODS:
        keywords = PYTHON_KEYWORDS if method == "python" else KEYWORDS
        for filename, line, message, _comments, context in extract_from_dir(
                WEB, method_map=[(path_pattern, method)], options_map=OPTIONS,
                keywords=keywords, strip_comment_tags=True):
            key = message[0] if isinstance(message, tuple) else message
            if key and context:
                key = in_context(context, key)
            if key:
                found.setdefault(key, f"{filename}:{line}")
    return found


def test_the_extraction_sees_the_templates_and_the_python_modules() -> None:
    messages = console_messages()
    assert "Wrong user name or password." in messages  # web/sign_in.py, language first
    assert "Open escalations" in messages  # templates/board.html
    assert "%(count)s open escalation" in messages  # an ngettext in a template


def test_every_console_string_has_a_russian_translation() -> None:
    messages = console_messages()
    missing = untranslated("ru", messages)
    assert not missing, "no Russian translation (add it to the page's .po file):\n" + "\n".join(
        f"  {messages[key]}: {key!r}" for key in missing)


def test_a_word_the_console_says_of_a_noun_is_extracted_in_its_context() -> None:
    messages = console_messages()
    assert in_context("checklist item", "not done") in messages  # templates/war_room.html
    assert in_context("recovery task", "completed") in messages  # templates/account.html
