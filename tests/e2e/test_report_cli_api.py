"""`escalada report` and GET /api/v1/cases/{id}/report: each format with its content
type, each language, a PDF as an attachment, a viewer may read it, and bad formats,
languages or cases are refused (422 naming the parameter / exit 2; 404 / exit 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Cli

API = "/api/v1"


@pytest.mark.parametrize(("fmt", "media_type", "start"), [
    ("md", "text/markdown; charset=utf-8", b"# "),
    ("html", "text/html; charset=utf-8", b"<!DOCTYPE html>"),
    ("pdf", "application/pdf", b"%PDF-"),
])
def test_the_report_in_each_format_with_its_content_type(
    client, open_case, bearer, fmt, media_type, start,
):
    case_id = open_case()["snapshot"]["id"]

    response = client.get(f"{API}/cases/{case_id}/report", params={"format": fmt},
                          headers=bearer("vera", "viewer"))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    assert response.content.startswith(start)
    disposition = response.headers["content-disposition"]
    assert disposition == (f'{"attachment" if fmt == "pdf" else "inline"}; '
                           f'filename="{case_id}-report-ru.{fmt}"')


def test_the_language_is_the_accounts_unless_asked(client, open_case):
    case_id = open_case()["snapshot"]["id"]

    russian = client.get(f"{API}/cases/{case_id}/report")
    english = client.get(f"{API}/cases/{case_id}/report", params={"lang": "en"})

    assert russian.text.startswith(f"# Отчёт об эскалации: {case_id}")
    assert russian.headers["content-language"] == "ru"
    assert english.text.startswith(f"# Escalation report: {case_id}")


def test_bad_parameters_name_themselves_and_an_unknown_case_is_404(client, open_case):
    case_id = open_case()["snapshot"]["id"]

    fmt = client.get(f"{API}/cases/{case_id}/report", params={"format": "docx"})
    lang = client.get(f"{API}/cases/{case_id}/report", params={"lang": "de"})
    missing = client.get(f"{API}/cases/CASE-404/report")
    anonymous = client.get(f"{API}/cases/{case_id}/report", headers={"Authorization": ""})

    assert fmt.status_code == 422 and fmt.json()["problems"][0]["field"] == "format"
    assert lang.status_code == 422 and lang.json()["problems"][0]["field"] == "lang"
    assert missing.status_code == 404
    assert anonymous.status_code == 401


def test_the_report_through_the_command_line(cli: Cli, tmp_path: Path) -> None:
    cli.run("account", "add", "--id", "acme", "--name", "Acme Corp", "--tier", "enterprise",
            "--plan", "enterprise", "--timezone", "Europe/Moscow", "--country", "RU",
            "--language", "ru")
    case_id = cli.json("case", "open", "--account", "acme", "--severity", "P1", "--title",
                       "Volumes detach")["snapshot"]["id"]
    cli.run("case", "rca", case_id, "--technical", "Firmware leak", "--process", "No alert")
    cli.run("user", "add", "vera", "--role", "viewer")
    cli.run("case", "update", case_id, "--region", "ru-msk", "--users-affected", "4500")
    negative = cli.run("case", "update", case_id, "--users-affected", "-1", code=2)

    markdown = cli.run("--as", "vera", "report", case_id)
    english = cli.run("report", case_id, "--lang", "en")
    written = cli.run("report", case_id, "--format", "html", "--output",
                      str(tmp_path / "r.html"), stdout=False)
    bad_format = cli.run("report", case_id, "--format", "docx", code=2)
    bad_lang = cli.run("report", case_id, "--lang", "fr", code=2)
    missing = cli.run("report", "CASE-404", code=4)

    assert markdown.startswith(f"# Отчёт об эскалации: {case_id}") and "Firmware leak" in markdown
    assert "## 3. Root-cause analysis" in english
    assert "wrote" in written and (tmp_path / "r.html").read_text().startswith("<!DOCTYPE")
    assert "format" in bad_format and "lang" in bad_lang and "CASE-404" in missing
    assert "**Затронутые регионы:** ru-msk" in markdown and "--users-affected" in negative
