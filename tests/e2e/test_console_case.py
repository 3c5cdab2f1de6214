"""The console's case page over HTTP (TestClient, SQLite): what it shows, each action
through the same service as the API (as a plain form and with htmx), the refusals on the
page with their status (403 not permitted, 409 not now, 422 a field or a missing
handoff), CSRF-less posts refused, and a viewer offered no action at all."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from examples import ADMIN, T2_HANDOFF
from fastapi.testclient import TestClient

from escalada.services import cases
from escalada.services.accounts import add_account
from escalada.services.contacts import add_contact
from escalada.services.context import Actor, Context
from escalada.services.credit_list import credit_page
from escalada.services.credits import propose_credit, route_credit
from escalada.services.delivery_list import delivery_page
from escalada.services.drafting import draft_page
from escalada.services.inbound_messages import record_message
from escalada.services.passwords import set_password
from escalada.services.people import add_user
from escalada.services.timer_views import timer_page
from escalada.testing import FakeClock

PASSWORD = "correct horse battery"
PEOPLE = {"olga": "engineer", "ivan": "viewer", "lena": "team_lead", "maria": "support_manager"}
CASE = "/cases/CASE-1"
UPDATE = {"fields.understanding": "Тома отключаются при пиковой нагрузке.",
          "fields.doing_now": "Переносим тома на другой узел.",
          "fields.next_steps": "Проверим драйвер и сообщим через час."}

Client = Callable[[str], TestClient]


@pytest.fixture
def case_ctx(sqlite_ctx: Context) -> Context:
    add_user(ctx=sqlite_ctx, actor=None, name="admin", role="admin")
    for name, role in PEOPLE.items():
        add_user(ctx=sqlite_ctx, actor=ADMIN, name=name, role=role)
        set_password(ctx=sqlite_ctx, actor=ADMIN, name=name, password=PASSWORD)
    add_account(ctx=sqlite_ctx, actor=ADMIN, id="acme", name="Acme Corp", tier="enterprise",
                support_plan="enterprise", timezone="Europe/Moscow", country="RU",
                language="ru")
    add_contact(ctx=sqlite_ctx, actor=ADMIN, account_id="acme", name="Irina Petrova",
                email="irina@acme.example", level="manager")
    cases.open_case(ctx=sqlite_ctx, actor=Actor("olga", "engineer"), account="acme",
                    severity="P1", title="Volumes detach under load",
                    flags=["customer_requested_escalation"])
    return sqlite_ctx


@pytest.fixture
def signed_in(case_ctx: Context) -> Iterator[Client]:
    """`signed_in("olga")`: a client with that user's console session."""
    clients: list[TestClient] = []

    def client_for(name: str) -> TestClient:
        client = TestClient(_app(case_ctx), base_url="http://127.0.0.1")
        clients.append(client.__enter__())
        form = client.get("/sign-in").text
        nonce = re.search(r'name="nonce" value="([^"]+)"', form)
        assert nonce is not None
        answer = client.post("/sign-in", data={"username": name, "password": PASSWORD,
                                               "nonce": nonce.group(1), "next": CASE},
                             follow_redirects=False)
        assert answer.status_code == 303
        return client

    yield client_for
    for client in clients:
        client.__exit__(None, None, None)


def _app(ctx: Context) -> Any:
    from escalada.entrypoints.api import create_app

    return create_app(ctx)


def post(client: TestClient, path: str, data: dict[str, str] | None = None, *,
         htmx: bool = False) -> httpx.Response:
    """A form of the case page as the browser sends it, with the session's CSRF token."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(CASE).text)
    assert token is not None
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"{CASE}{path}", data={"csrf_token": token.group(1), **(data or {})},
                       headers=headers, follow_redirects=False)


def refusal(page: httpx.Response) -> str:
    found = re.search(r'data-testid="refusal">([^<]*)<', page.text)
    assert found is not None, "no refusal on the page"
    return found.group(1)


# Reading


def test_the_case_leads_to_its_report_and_the_board_to_each_account(signed_in: Client) -> None:
    olga = signed_in("olga")

    assert 'href="/cases/CASE-1/report"' in olga.get(CASE).text
    assert 'href="/accounts/acme"' in olga.get("/board").text
    assert olga.get("/cases/CASE-1/report").status_code == 200


def test_the_page_shows_the_recommendations_checklist_and_clocks(signed_in: Client) -> None:
    page = signed_in("olga").get(CASE)

    assert page.status_code == 200
    assert "Volumes detach under load" in page.text
    assert "customer_requested_escalation" in page.text  # the criterion that fired
    assert page.text.count('data-testid="handoff-item"') == len(T2_HANDOFF)
    assert 'data-testid="sla-clock"' in page.text
    assert 'data-action="escalate"' in page.text


def test_the_page_speaks_russian_to_a_russian_reader(signed_in: Client) -> None:
    client = signed_in("olga")
    client.post("/language", data={"language": "ru", "next": CASE,
                                   "csrf_token": _token(client)})

    page = client.get(CASE)

    assert "Эскалировать" in page.text and "Чек-лист передачи" in page.text
    # The criterion that fired, named by the policy's words through the catalog.
    assert "клиент просит эскалации" in page.text  # a flag: the policy's flags section
    assert "открыто обращение P1: Volumes detach under load" in page.text  # the timeline
    english = signed_in("lena").get(CASE).text
    assert "the customer asked to escalate" in english
    assert "P1 case opened: Volumes detach under load" in english


def test_a_reason_escalada_wrote_reads_russian_on_the_page(
        case_ctx: Context, signed_in: Client) -> None:
    olga = Actor("olga", "engineer")
    credit = propose_credit(ctx=case_ctx, actor=olga, case_id="CASE-1", amount_usd="2000.00",
                            reason="простой")
    route_credit(ctx=case_ctx, actor=olga, credit_id=credit.id)
    client = signed_in("olga")
    client.post("/language", data={"language": "ru", "next": CASE,
                                   "csrf_token": _token(client)})

    page = client.get(CASE).text

    russian = "компенсация #1 на 2\xa0000,00\xa0$: нужна роль «менеджер поддержки»"
    assert russian in page  # the step's timeline entry's reason
    assert "needs support manager" not in page
    english = signed_in("lena").get(CASE).text
    assert "service credit #1 of $2,000.00 needs support manager" in english


def test_why_a_reply_is_in_its_language_reads_in_the_readers_language(
        case_ctx: Context, signed_in: Client) -> None:
    client = signed_in("olga")
    client.post("/language", data={"language": "ru", "next": CASE,
                                   "csrf_token": _token(client)})
    by_account = html.unescape(client.get(CASE).text)
    record_message(ctx=case_ctx, actor=Actor("olga", "engineer"), case_id="CASE-1",
                   sender="customer", text="Магазин не работает.")
    assert post(client, "/drafts", {"kind": "acknowledgment"}).status_code == 303

    by_message = html.unescape(client.get(CASE).text)

    assert "язык клиента — русский" in by_account
    assert "the account's language" not in by_account
    hint = "язык последнего сообщения клиента — русский"
    assert by_message.count(hint) == 2  # the form's hint and the draft's badge
    assert f'title="{hint}" data-testid="draft-language"' in by_message
    english = html.unescape(signed_in("lena").get(CASE).text)
    assert "the customer's last message is in Russian" in english and hint not in english


def _token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(CASE).text)
    assert found is not None
    return found.group(1)


def test_a_viewer_sees_the_case_and_no_action_at_all(signed_in: Client) -> None:
    page = signed_in("ivan").get(CASE)

    assert page.status_code == 200
    assert "data-action=" not in page.text
    assert 'data-testid="read-only"' in page.text


def test_an_unknown_case_is_not_found(signed_in: Client) -> None:
    page = signed_in("olga").get("/cases/CASE-99")

    assert page.status_code == 404
    assert "no case CASE-99" in page.text


def test_nobody_signed_in_is_sent_to_sign_in(case_ctx: Context) -> None:
    with TestClient(_app(case_ctx), base_url="http://127.0.0.1") as client:
        answer = client.get(CASE, follow_redirects=False)

    assert (answer.status_code, answer.headers["location"]) == (
        303, "/sign-in?next=/cases/CASE-1")


# Refused on the server anyway


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    signed_in: Client, case_ctx: Context,
) -> None:
    client = signed_in("olga")

    answer = client.post(f"{CASE}/respond", data={"note": "forged"}, follow_redirects=False)

    assert answer.status_code == 403
    assert cases.show_case(ctx=case_ctx, case_id="CASE-1").snapshot.first_response_at is None


@pytest.mark.parametrize(("path", "data"), [
    ("/escalate", {"to": "T2", **{f"handoff.{k}": v for k, v in T2_HANDOFF.items()}}),
    ("/respond", {"note": "called them"}),
    ("/pause", {}),
    ("/drafts", {"kind": "progress_update", **UPDATE}),
    ("/credits", {"basis": "entered", "amount_usd": "100"}),
    ("/reminders", {"at": "2026-11-26T18:00", "note": "call back"}),
])
def test_a_viewer_posting_a_form_anyway_is_refused_on_the_page_with_403(
    signed_in: Client, case_ctx: Context, path: str, data: dict[str, str],
) -> None:
    before = cases.show_case(ctx=case_ctx, case_id="CASE-1").version

    answer = post(signed_in("ivan"), path, data)

    assert answer.status_code == 403
    assert re.match(r"^[a-z ]+ needs the role engineer or above; ivan is viewer",
                    refusal(answer))
    assert cases.show_case(ctx=case_ctx, case_id="CASE-1").version == before


def test_an_escalation_without_its_handoff_is_refused_naming_what_is_missing(
    signed_in: Client, case_ctx: Context,
) -> None:
    sent = {"to": "T2", "reason": "needs T2",
            "handoff.troubleshooting_summary": "volumes detach at 10k IOPS"}

    answer = post(signed_in("olga"), "/escalate", sent)

    assert answer.status_code == 422
    assert refusal(answer) == (
        "The step T1 -&gt; T2 needs its full handoff package. Missing: Steps attempted, "
        "Customer impact, Diagnostic data, Expectation set with the customer.")
    assert "volumes detach at 10k IOPS</textarea>" in answer.text  # the form as sent
    assert 'data-item="steps_attempted" data-missing="true"' in answer.text
    assert 'data-item="troubleshooting_summary" data-missing="false"' in answer.text
    assert cases.show_case(ctx=case_ctx, case_id="CASE-1").snapshot.tier == "T1"


def test_an_escalation_with_its_handoff_takes_the_step(
    signed_in: Client, case_ctx: Context,
) -> None:
    sent = {"to": "T2", **{f"handoff.{k}": v for k, v in T2_HANDOFF.items()}}

    answer = post(signed_in("olga"), "/escalate", sent)

    assert (answer.status_code, answer.headers["location"]) == (
        303, "/cases/CASE-1?done=escalated#escalate")
    view = cases.show_case(ctx=case_ctx, case_id="CASE-1")
    assert view.snapshot.tier == "T2"
    assert view.escalations[0].handoff == T2_HANDOFF


def test_an_escalation_to_nowhere_names_the_field(signed_in: Client) -> None:
    answer = post(signed_in("olga"), "/escalate", {"to": "T9"})

    assert answer.status_code == 422
    assert 'data-field="to"' in answer.text


def test_with_htmx_a_refusal_comes_back_as_the_page_to_swap_in(signed_in: Client) -> None:
    answer = post(signed_in("olga"), "/escalate", {"to": "T2"}, htmx=True)

    assert answer.status_code == 422
    assert 'id="case"' in answer.text and 'data-testid="refusal"' in answer.text


# Each action, through the service the API calls


def test_an_engineer_acknowledges_a_technical_step_but_not_an_l2(
    signed_in: Client, case_ctx: Context,
) -> None:
    post(signed_in("olga"), "/escalate", {"to": "L2", "reason": "asked for a manager"})
    olga = signed_in("olga")

    page = olga.get(CASE)
    refused = post(olga, "/acknowledge", {"step": "1"})
    taken = post(signed_in("maria"), "/acknowledge", {"step": "1"})

    assert 'data-action="acknowledge"' not in page.text
    assert refused.status_code == 403
    assert refusal(refused).startswith("acknowledging an L2 escalation needs the role "
                                       "support manager or above")
    assert taken.status_code == 303
    assert cases.show_case(ctx=case_ctx, case_id="CASE-1").escalations[0].acknowledged_by == (
        "maria")


def test_pause_then_resume_and_a_second_pause_is_refused_with_409(
    signed_in: Client, case_ctx: Context,
) -> None:
    olga = signed_in("olga")

    assert post(olga, "/pause", {"note": "waiting for logs"}).status_code == 303
    again = post(olga, "/pause")
    assert again.status_code == 409 and refusal(again) == (
        "CASE-1 is already waiting on the customer")
    assert 'data-action="resume"' in olga.get(CASE).text
    assert post(olga, "/resume").status_code == 303
    assert cases.show_case(ctx=case_ctx, case_id="CASE-1").snapshot.status == "investigating"


def test_a_response_is_recorded(signed_in: Client, case_ctx: Context) -> None:
    answer = post(signed_in("olga"), "/respond", {"note": "called Irina"})

    assert answer.headers["location"] == "/cases/CASE-1?done=responded#top"
    assert cases.show_case(ctx=case_ctx, case_id="CASE-1").snapshot.first_response_at


def test_an_update_is_drafted_in_the_customers_language_edited_and_sent(
    signed_in: Client, case_ctx: Context,
) -> None:
    record_message(ctx=case_ctx, actor=Actor("olga", "engineer"), case_id="CASE-1",
                   sender="customer", text="Магазин не работает, тома отключаются.")
    olga = signed_in("olga")

    partial = {k: v for k, v in UPDATE.items() if k != "fields.next_steps"}
    assert post(olga, "/drafts", {"kind": "progress_update", **partial}).status_code == 303
    [first] = draft_page(ctx=case_ctx, case_id="CASE-1").items
    assert (first.language, first.missing) == ("ru", ["next_steps"])
    page = olga.get(CASE).text
    assert 'data-action="send"' not in page  # not sent with a gap
    edited = post(olga, "/drafts", {"_form": f"draft-{first.id}", "kind": "progress_update",
                                    "lang": "ru", **UPDATE})
    assert edited.status_code == 303
    second = draft_page(ctx=case_ctx, case_id="CASE-1").items[0]
    assert (second.language, second.missing) == ("ru", [])
    sent = post(olga, f"/drafts/{second.id}/send", {"channel": "email",
                                                   "to": "irina@acme.example"})
    assert sent.headers["location"] == "/cases/CASE-1?done=sent#communications"
    [delivery] = delivery_page(ctx=case_ctx, case="CASE-1").items
    assert (delivery.draft, delivery.channel, delivery.to, delivery.language) == (
        second.id, "email", "irina@acme.example", "ru")
    assert 'data-testid="delivery"' in olga.get(CASE).text
    olga.post("/language", data={"language": "ru", "next": CASE, "csrf_token": _token(olga)})
    russian = olga.get(CASE).text  # the channel and the state in words, said of a message
    assert "<td>эл. почта</td>" in russian and "<td>email</td>" not in russian
    assert f'data-testid="delivery-state">{delivery_words(delivery.state)}<' in russian


def delivery_words(state: str) -> str:
    return {"pending": "в очереди", "delivered": "доставлено", "dead": "не доставлено"}[state]


def test_a_draft_of_another_case_is_not_sent_from_this_one(signed_in: Client) -> None:
    answer = post(signed_in("olga"), "/drafts/999/send", {"channel": "email", "to": "a@b.c"})

    assert answer.status_code == 404
    assert refusal(answer) == "no draft 999"


def test_an_unknown_message_kind_names_the_field(signed_in: Client) -> None:
    answer = post(signed_in("olga"), "/drafts", {"_form": "draft-other", "kind": "poem"})

    assert answer.status_code == 422
    assert 'data-field="kind"' in answer.text


def test_a_credit_is_proposed_and_approved_only_by_someone_else_within_authority(
    signed_in: Client, case_ctx: Context,
) -> None:
    assert post(signed_in("olga"), "/credits", {"basis": "entered", "amount_usd": "1200",
                                                "reason": "4h outage"}).status_code == 303
    [credit] = credit_page(ctx=case_ctx, case="CASE-1").items

    lead = post(signed_in("lena"), f"/credits/{credit.id}/approve", {"reason": "ok"})
    manager = post(signed_in("maria"), f"/credits/{credit.id}/approve", {"reason": "agreed"})

    assert lead.status_code == 403
    assert "needs the role support manager or above" in refusal(lead)
    assert manager.status_code == 303
    assert credit_page(ctx=case_ctx, case="CASE-1").items[0].state == "approved"


def test_a_credit_decision_needs_a_reason(signed_in: Client, case_ctx: Context) -> None:
    credit = propose_credit(ctx=case_ctx, actor=Actor("olga", "engineer"), case_id="CASE-1",
                            amount_usd="100")

    answer = post(signed_in("maria"), f"/credits/{credit.id}/reject", {"reason": " "})

    assert answer.status_code == 422
    assert 'data-field="reason"' in answer.text


def test_a_bad_credit_amount_names_the_field(signed_in: Client) -> None:
    answer = post(signed_in("olga"), "/credits", {"basis": "entered", "amount_usd": "lots"})

    assert answer.status_code == 422
    assert 'data-field="amount_usd"' in answer.text


def test_a_reminder_is_set_in_the_accounts_time_zone(
    signed_in: Client, case_ctx: Context,
) -> None:
    answer = post(signed_in("olga"), "/reminders", {"at": "2026-11-26T18:00",
                                                    "note": "call Irina back"})

    assert answer.status_code == 303
    [reminder] = [t for t in timer_page(ctx=case_ctx, case="CASE-1").items
                  if t.kind == "reminder"]
    assert reminder.due_at == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # 18:00 Moscow


def test_a_reminder_without_a_time_names_the_field(signed_in: Client) -> None:
    answer = post(signed_in("olga"), "/reminders", {"at": "soon", "note": "x"})

    assert answer.status_code == 422
    assert 'data-field="at"' in answer.text


def test_a_vendor_case_cannot_be_opened_below_t3(signed_in: Client) -> None:
    olga = signed_in("olga")

    answer = post(olga, "/vendor-cases", {"vendor": "aws", "plan": "enterprise", "service": "ec2",
                                          "region": "eu-central-1", "request": "look"})

    assert 'data-action="vendor"' not in olga.get(CASE).text
    assert answer.status_code == 409
    assert refusal(answer).startswith("CASE-1 is at T1: a vendor case is opened from T3")


def test_clock_moves_are_shown_on_the_page(signed_in: Client, clock: FakeClock) -> None:
    clock.advance(minutes=14)

    page = signed_in("olga").get(CASE)

    assert "sla-red" in page.text  # the first response is over 90% consumed


def test_a_refusal_is_told_in_the_readers_language(signed_in: Client) -> None:
    client = signed_in("ivan")
    client.post("/language", data={"language": "ru", "next": CASE, "csrf_token": _token(client)})

    answer = post(client, "/respond", {"note": "called"})

    assert answer.status_code == 403
    assert re.search("[а-яё]{4}", refusal(answer)), refusal(answer)


class _OneRdsIssue:
    """A vendor health feed reporting one open RDS issue in eu-central-1 since 09:35 UTC."""

    vendor = "aws"

    def open_events(self) -> list[Any]:
        from escalada.domain.vendor_health import VendorEvent

        return [VendorEvent(vendor="aws", id="arn:aws:health:eu-central-1::event/RDS/1",
                            service="RDS", region="eu-central-1",
                            title="increased error rates",
                            started_at=datetime(2026, 11, 26, 9, 35, tzinfo=UTC))]


def test_a_vendors_open_event_on_the_case_is_shown_in_the_accounts_zone_in_both_languages(
    signed_in: Client, case_ctx: Context, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from escalada.services.vendor_health import poll_now

    olga = signed_in("olga")
    assert 'data-testid="vendor-health"' not in olga.get(CASE).text
    cases.update_case(ctx=case_ctx, actor=Actor("olga", "engineer"), case_id="CASE-1",
                      services=["RDS"], regions=["eu-central-1"])
    monkeypatch.setattr(case_ctx, "health_feeds", lambda vendor: _OneRdsIssue())
    poll_now(ctx=case_ctx, actor=Actor("olga", "engineer"), vendor="aws")

    english = olga.get(CASE).text
    # 09:35 UTC is 12:35 in Moscow, the account's zone.
    assert "AWS reports: increased error rates for RDS in eu-central-1 since 12:35" in english
    board = olga.get("/board").text
    assert board.count('data-testid="vendor-report"') == 1
    assert "AWS reports: increased error rates for RDS in eu-central-1 since 12:35" in board
    olga.post("/language", data={"language": "ru", "next": CASE, "csrf_token": _token(olga)})
    russian = olga.get(CASE).text
    assert "Состояние сервисов вендоров" in russian
    assert "AWS сообщает: increased error rates — RDS в eu-central-1 с 12:35" in russian
    assert "AWS сообщает: increased error rates — RDS в eu-central-1 с 12:35" in olga.get(
        "/board/rows").text


def test_the_timeline_links_to_its_older_entries(
    signed_in: Client, case_ctx: Context, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from escalada.services import case_page

    cases.set_flags(ctx=case_ctx, actor=Actor("olga", "engineer"), case_id="CASE-1",
                    flags=["churn_threat"])
    monkeypatch.setattr(case_page, "TIMELINE_SHOWN", 1)
    client = signed_in("olga")

    newest = client.get(CASE).text
    [older_url] = re.findall(r'href="([^"]+)" data-testid="older-timeline"', newest)
    older = client.get(html.unescape(older_url)).text

    assert newest.count('data-testid="timeline-entry"') == 1
    assert older_url.startswith(f"{CASE}?timeline=") and older_url.endswith("#timeline")
    assert older.count('data-testid="timeline-entry"') == 1
    assert 'data-kind="case_opened"' in older and 'data-kind="case_opened"' not in newest
    assert f'href="{CASE}#timeline"' in older  # back to the newest
