"""The escalation report from a case's real record on SQLite and PostgreSQL: every
section filled from what was done to the case, in the account's language and zone, and
as a PDF whose pages turn into images that are not blank."""

from __future__ import annotations

import io

import pytest
from case_support import open_case
from examples import ADMIN, ANA, LENA, MARIA

from escalada.domain.errors import InvalidInput, NotFound, NotPermitted
from escalada.services import cases
from escalada.services.commitments import close_commitment, make_commitment
from escalada.services.context import Actor, Context
from escalada.services.credits import approve_credit, propose_credit
from escalada.services.escalations import acknowledge, escalate
from escalada.services.inbound_messages import record_message
from escalada.services.people import add_user
from escalada.services.report import escalation_report
from escalada.services.root_cause import record_root_cause
from escalada.testing import FakeClock

VIEWER = Actor("vera", "viewer")
MOSCOW = {"timezone": "Europe/Moscow", "country": "RU", "language": "ru"}


@pytest.fixture
def worked_case(ctx: Context, clock: FakeClock) -> str:
    """A P1 of a Russian-speaking account: to L2, a customer message trying Markdown, a
    root cause, two commitments (one met, one missed), a credit, resolved after its
    4-hour target."""
    add_user(ctx=ctx, actor=None, name="admin", role="admin")
    for who in (ANA, LENA, MARIA, VIEWER):
        add_user(ctx=ctx, actor=ADMIN, name=who.name, role=who.role)
    case_id = open_case(ctx, account_fields=MOSCOW, services=["compute", "block-storage"],
                        flags=["customer_requested_escalation"]).snapshot.id
    escalate(ctx=ctx, actor=ANA, case_id=case_id, to="L2", reason="клиент просит")
    acknowledge(ctx=ctx, actor=MARIA, case_id=case_id, step=1)
    clock.advance(minutes=20)
    record_message(ctx=ctx, actor=ANA, case_id=case_id, sender="customer",
                   text="# Всё упало\n[жми](http://evil.example) <img src=x onerror=alert(1)>")
    met = make_commitment(ctx=ctx, actor=MARIA, case_id=case_id, what="Звонок каждые 2 часа",
                          due_at="2026-11-26T14:00:00+00:00")
    make_commitment(ctx=ctx, actor=MARIA, case_id=case_id, what="Письменный RCA",
                    due_at="2026-11-27T12:00:00+00:00", owner="ana")
    cases.update_case(ctx=ctx, actor=ANA, case_id=case_id, regions=["ru-msk", "ru-central1"],
                      users_affected=12000)
    clock.advance(hours=3)
    close_commitment(ctx=ctx, actor=MARIA, case_id=case_id, commitment_id=met.id)
    clock.advance(hours=2)
    cases.resolve(ctx=ctx, actor=ANA, case_id=case_id, reason="драйвер обновлён")
    record_root_cause(ctx=ctx, actor=ANA, case_id=case_id, technical="Утечка в драйвере тома",
                      process="Нет проверки после обновления")
    credit = propose_credit(ctx=ctx, actor=ANA, case_id=case_id, amount_usd="450",
                            reason="SLA")
    approve_credit(ctx=ctx, actor=LENA, credit_id=credit.id, reason="по SLA")
    clock.advance(days=2)  # the second commitment falls due open
    return case_id


def text_of(ctx: Context, case_id: str, **options: str) -> str:
    return escalation_report(ctx=ctx, actor=ANA, case_id=case_id, **options).content.decode()


def test_every_section_is_filled_from_the_record_in_russian(ctx: Context, worked_case: str
                                                            ) -> None:
    text = text_of(ctx, worked_case)

    assert text.startswith(f"# Отчёт об эскалации: {worked_case} — Volumes detach under load")
    assert "**Уровни руководства:** L2" in text
    assert "**Ответственный руководитель:** maria" in text
    assert "обращение открыто" in text and "МСК" in text  # the account's zone
    assert "Утечка в драйвере тома" in text
    assert "**Затронутые регионы:** ru-central1, ru-msk" in text
    assert "**Затронуто пользователей:** 12\xa0000" in text
    assert "| решение | 26.11.2026 17:00 | 26.11.2026 18:20 | 1 час 20 минут |" in text
    assert "| первый ответ | 26.11.2026 13:15 | не выполнено | 5 часов 5 минут |" in text
    assert "**Предоставлено компенсаций:** 450,00\xa0$" in text
    assert "| Звонок каждые 2 часа | maria |" in text and "**выполнено**" in text
    assert "| Письменный RCA | ana |" in text and "**нарушено**" in text
    assert "Выполнение: 0 из 14" in text  # the L2 recovery plan, opened on resolution
    assert "| Звонок или визит руководителя с извинениями |" in text
    assert "# Всё упало \\[жми\\](http://evil.example) \\<img src=x" in text
    assert text.count("Ничего не записано.") == 2  # communications and lessons
    # The timeline's summaries in Russian, from the words each entry keeps.
    assert "открыто обращение P1: Volumes detach under load" in text
    assert ("шаг 1: нет -> L2 (корпоративный или стратегический клиент попросил эскалацию "
            "или руководителя)") in text  # the criterion in words, not its id
    assert "шаг 1 (L2) подтвердил maria" in text
    assert "обращение решено" in text and "открыт план восстановления отношений (14 задач)" in text
    assert "case resolved" not in text and "acknowledged by" not in text
    assert "сообщение клиента: # Всё упало" in text
    assert "обязательство 1 перед клиентом, срок 26 нояб. 2026, 14:00 UTC" in text
    assert "обязательство 1 закрыто: выполнено: Звонок каждые 2 часа" in text
    assert "записана первопричина: техническая: Утечка в драйвере тома" in text
    assert "предложена компенсация №1 на 450,00 $" in text  # money as Russian writes it


def test_english_html_and_pdf_of_the_same_record(ctx: Context, worked_case: str) -> None:
    import pypdfium2

    english = text_of(ctx, worked_case, language="en")
    page = text_of(ctx, worked_case, language="en", fmt="html")
    pdf = escalation_report(ctx=ctx, actor=VIEWER, case_id=worked_case, fmt="pdf")

    assert "## 3. Root-cause analysis" in english and "UTC+3" in english
    # The Russian-speaking account's recovery tasks in the report's English.
    assert "| Executive apology call or visit |" in english and "Звонок или" not in english
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<img" not in page
    assert (pdf.media_type, pdf.filename) == ("application/pdf",
                                              f"{worked_case}-report-ru.pdf")
    document = pypdfium2.PdfDocument(pdf.content)
    assert len(document) >= 2
    assert worked_case in document[0].get_textpage().get_text_range()
    for number in range(len(document)):
        image = document[number].render(scale=0.5).to_pil().convert("L")
        assert image.getextrema()[0] < 100  # something dark is drawn on every page
        image.save(io.BytesIO(), format="PNG")


def test_bad_requests_name_the_field_and_nobody_unknown_reads(ctx: Context, worked_case: str
                                                              ) -> None:
    with pytest.raises(InvalidInput) as fmt:
        escalation_report(ctx=ctx, actor=ANA, case_id=worked_case, fmt="docx")
    with pytest.raises(InvalidInput) as lang:
        escalation_report(ctx=ctx, actor=ANA, case_id=worked_case, language="de")
    with pytest.raises(NotFound, match="no case CASE-999"):
        escalation_report(ctx=ctx, actor=ANA, case_id="CASE-999")
    with pytest.raises(NotPermitted, match="x is no known user"):
        escalation_report(ctx=ctx, actor=Actor("x", None), case_id=worked_case)

    assert fmt.value.problems[0][0] == "format" and lang.value.problems[0][0] == "lang"


def test_a_fresh_case_has_empty_sections_that_name_their_commands(ctx: Context,
                                                                  clock: FakeClock) -> None:
    case_id = open_case(ctx).snapshot.id
    clock.advance(minutes=5)

    text = text_of(ctx, case_id)

    assert text.count("Nothing recorded.") == 6
    assert f"`escalada case rca {case_id} --technical" in text
