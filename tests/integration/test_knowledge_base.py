"""The knowledge base on SQLite and PostgreSQL: root causes published when entered and
revised, found in Russian and English whatever the inflection, ranked, and bad searches
refused naming the field."""

from __future__ import annotations

import pytest
from examples import ADMIN, ANA
from sqlalchemy import text
from timer_support import open_case

from escalada.domain.errors import InvalidInput, NotPermitted
from escalada.services.cases import case_timeline, show_case, update_case
from escalada.services.context import Context
from escalada.services.knowledge_base import publish, reindex, search, similar_escalations
from escalada.services.report import escalation_report
from escalada.services.repositories import load_case
from escalada.services.root_cause import record_root_cause

MOSCOW = {"timezone": "Europe/Moscow", "country": "RU", "language": "ru"}


def _russian_case(ctx: Context, title: str) -> str:
    return open_case(ctx, account="volga", account_fields=MOSCOW, title=title).snapshot.id


def test_a_russian_root_cause_is_found_in_any_inflection(ctx: Context) -> None:
    case = _russian_case(ctx, "Недоступна база данных")
    record_root_cause(ctx=ctx, actor=ANA, case_id=case,
                      technical="Сбой контроллера хранилища при переключении RDS.",
                      process="Сбоями мониторинга никто не занимался.")

    for query in ("сбой", "сбоя", "сбоями", "СБОЙ хранилища"):
        hits = search(ctx=ctx, q=query)
        assert [hit.case for hit in hits] == [case], query
    hit = search(ctx=ctx, q="сбоя", lang="ru")[0]
    assert (hit.kind, hit.language, hit.account) == ("root_cause", "ru", "volga")
    assert "Техническая причина: Сбой контроллера" in hit.excerpt
    assert search(ctx=ctx, q="сбой", lang="en") == []
    assert search(ctx=ctx, q="сбой ураган") == []  # every word must be there


def test_an_english_root_cause_is_found_by_failover_and_failovers(ctx: Context) -> None:
    case = open_case(ctx, title="Database unreachable").snapshot.id
    record_root_cause(ctx=ctx, actor=ANA, case_id=case,
                      technical="The RDS failover left clients on the old primary.")

    assert [hit.case for hit in search(ctx=ctx, q="rds failovers")] == [case]
    assert [hit.case for hit in search(ctx=ctx, q="Failover", lang="en")] == [case]
    assert search(ctx=ctx, q="failover", lang="ru") == []


def test_a_revised_root_cause_replaces_its_entry(ctx: Context) -> None:
    case = open_case(ctx).snapshot.id
    record_root_cause(ctx=ctx, actor=ANA, case_id=case, technical="A leaked handle.")
    record_root_cause(ctx=ctx, actor=ANA, case_id=case, technical="A firmware bug.")

    assert search(ctx=ctx, q="handle") == []
    assert [hit.case for hit in search(ctx=ctx, q="firmware")] == [case]


def test_the_best_match_comes_first(ctx: Context) -> None:
    once = open_case(ctx, title="Slow queries").snapshot.id
    often = open_case(ctx, title="Failover storms", account="acme").snapshot.id
    record_root_cause(ctx=ctx, actor=ANA, case_id=once,
                      technical="An index was missing; one failover hid it for a week "
                                "while the team looked at disks, caches and the network.")
    record_root_cause(ctx=ctx, actor=ANA, case_id=often,
                      technical="Each failover triggered more failovers.")

    assert [hit.case for hit in search(ctx=ctx, q="failover")] == [often, once]
    scores = [hit.score for hit in search(ctx=ctx, q="failover")]
    assert scores[0] > scores[1]
    assert [hit.case for hit in search(ctx=ctx, q="failover", limit=1)] == [often]


def test_publish_upserts_by_kind_case_and_key(ctx: Context) -> None:
    case_id = open_case(ctx).snapshot.id
    with ctx.unit_of_work() as uow:
        case = load_case(uow.session, case_id)
        publish(uow, kind="lesson", case=case, key="1", title="Runbooks",
                body="Keep the runbook near the alert.", at=ctx.clock())
        publish(uow, kind="lesson", case=case, key="1", title="Runbooks",
                body="Link the runbook from the alert.", at=ctx.clock())
        publish(uow, kind="lesson", case=case, key="2", title="Drills",
                body="Rehearse the runbook each quarter.", at=ctx.clock())
        uow.commit()

    assert sorted(hit.excerpt for hit in search(ctx=ctx, q="runbook")) == [
        "Link the runbook from the alert.", "Rehearse the runbook each quarter."]


def test_reindex_publishes_the_root_causes_and_indexes_every_entry_again(
    ctx: Context,
) -> None:
    case = open_case(ctx).snapshot.id
    record_root_cause(ctx=ctx, actor=ANA, case_id=case, technical="A leaked handle.")
    with ctx.unit_of_work() as uow:
        publish(uow, kind="lesson", case=load_case(uow.session, case), key="1",
                title="Alerts", body="Alert on open handles.", at=ctx.clock())
        uow.session.execute(text("DELETE FROM kb_fts") if ctx.engine.dialect.name == "sqlite"
                            else text("UPDATE kb_entries SET document = NULL"))
        uow.commit()
    assert search(ctx=ctx, q="handles") == []  # the index lost

    assert reindex(ctx=ctx, actor=ADMIN) == 2
    assert sorted(hit.kind for hit in search(ctx=ctx, q="handles")) == ["lesson", "root_cause"]
    with pytest.raises(NotPermitted, match="reindexing the knowledge base needs the role admin"):
        reindex(ctx=ctx, actor=ANA)


def test_common_words_neither_decide_what_is_found_nor_how_it_ranks(ctx: Context) -> None:
    # "in", "the", "of", "и", "после", "при" are in the Snowball stop-word lists: a query
    # naming them finds what its other words find (on SQLite too, where escalada drops
    # them itself), and an entry full of them does not outrank one that is not.
    wordy = open_case(ctx, title="Wordy").snapshot.id
    terse = open_case(ctx, title="Terse", account="acme").snapshot.id
    russian = _russian_case(ctx, "Сбой")
    record_root_cause(ctx=ctx, actor=ANA, case_id=wordy,
                      technical="In the queue of the region, in the night, the failover "
                                "of the broker was in the way of the consumers of the queue.")
    record_root_cause(ctx=ctx, actor=ANA, case_id=terse,
                      technical="Queue failover stalled consumers; queue failover again.")
    record_root_cause(ctx=ctx, actor=ANA, case_id=russian,
                      technical="Сбой репликации после переключения мастера.")

    assert [hit.case for hit in search(ctx=ctx, q="the failover in the queue")] == [
        terse, wordy]
    assert [(h.case, h.score) for h in search(ctx=ctx, q="the failover in the queue")] == [
        (h.case, h.score) for h in search(ctx=ctx, q="failover queue")]
    assert [hit.case for hit in search(ctx=ctx, q="сбой и переключение при репликации")
            ] == [russian]
    with pytest.raises(InvalidInput, match="only common words"):
        search(ctx=ctx, q="the and of и при")


@pytest.mark.parametrize(("fields", "named"), [
    ({"q": "  "}, ["q"]),
    ({"q": "!!!"}, ["q"]),
    ({"q": "x", "lang": "de"}, ["lang"]),
    ({"q": "x", "limit": 0}, ["limit"]),
    ({"q": "x", "limit": 101}, ["limit"]),
    ({"q": "", "lang": "fr", "limit": -1}, ["q", "lang", "limit"]),
])
def test_a_bad_search_names_the_field(
    sqlite_ctx: Context, fields: dict[str, object], named: list[str],
) -> None:
    with pytest.raises(InvalidInput) as refused:
        search(ctx=sqlite_ctx, **fields)  # type: ignore[arg-type]

    assert [field for field, _ in refused.value.problems] == named


def test_similar_past_escalations_share_a_service_region_or_words(ctx: Context) -> None:
    storage = open_case(ctx, title="Volumes detach under load",
                        services=["block-storage"]).snapshot.id
    network = open_case(ctx, title="Packets lost between zones",
                        services=["vpc"]).snapshot.id
    record_root_cause(ctx=ctx, actor=ANA, case_id=storage,
                      technical="The storage controller's firmware leaked handles.")
    record_root_cause(ctx=ctx, actor=ANA, case_id=network,
                      technical="A route table was replaced during maintenance.")
    by_service = open_case(ctx, title="Slow writes", services=["block-storage"]).snapshot.id
    by_text = open_case(ctx, title="Packets lost again").snapshot.id
    unrelated = open_case(ctx, title="Invoice wrong", services=["billing"]).snapshot.id

    def similar(case: str) -> list[str]:
        return [hit.case for hit in similar_escalations(ctx=ctx, case_id=case)]

    assert similar(by_service) == [storage]
    assert similar(by_text) == [network]
    assert similar(unrelated) == []
    assert similar(storage) == []  # never itself


def test_a_case_whose_regions_change_is_found_by_its_new_region(ctx: Context) -> None:
    past = open_case(ctx, title="Volumes detach").snapshot.id
    record_root_cause(ctx=ctx, actor=ANA, case_id=past, technical="A leaked handle.")
    update_case(ctx=ctx, actor=ANA, case_id=past, regions=["eu-west-1"])
    now = open_case(ctx, title="Slow writes").snapshot.id

    assert similar_escalations(ctx=ctx, case_id=now) == []
    update_case(ctx=ctx, actor=ANA, case_id=now, regions=["eu-west-1"])

    hits = similar_escalations(ctx=ctx, case_id=now)
    assert [(hit.case, hit.regions) for hit in hits] == [(past, ["eu-west-1"])]


def test_similar_escalations_are_suggested_when_a_case_opens_or_changes_service(
    ctx: Context,
) -> None:
    past = open_case(ctx, title="Volumes detach under load",
                     services=["block-storage"]).snapshot.id
    record_root_cause(ctx=ctx, actor=ANA, case_id=past,
                      technical="The storage controller's firmware leaked handles.")
    quiet = open_case(ctx, title="Invoice wrong", services=["billing"]).snapshot.id
    alike = open_case(ctx, title="Slow writes", services=["block-storage"]).snapshot.id

    def suggested(case: str) -> list[list[str]]:
        return [[hit["case"] for hit in entry.data["similar"]]
                for entry in case_timeline(ctx=ctx, case_id=case)
                if entry.kind == "similar_escalations"]

    assert suggested(alike) == [[past]]  # when it opened
    assert suggested(quiet) == []  # nothing like it: nothing said
    [entry] = [e for e in case_timeline(ctx=ctx, case_id=alike)
               if e.kind == "similar_escalations"]
    assert entry.actor == "escalada"
    assert entry.summary == (f"similar past escalations: {past} (root cause): "
                             f"{past}: Volumes detach under load")
    update_case(ctx=ctx, actor=ANA, case_id=quiet, services=["billing", "block-storage"])
    update_case(ctx=ctx, actor=ANA, case_id=quiet, users_affected=10)  # not a service
    assert suggested(quiet) == [[past]]
    # Shown where the case is read: case show (the API's case view) and its report.
    assert [hit.case for hit in show_case(ctx=ctx, case_id=alike).similar] == [past]
    for language, heading in (("en", "### Similar past escalations"),
                              ("ru", "### Похожие эскалации в прошлом")):
        report = escalation_report(ctx=ctx, actor=ANA, case_id=alike, language=language
                                   ).content.decode()
        similar = report.split(heading)[1].split("## 8.")[0]
        assert f"| {past} | " in similar and "block-storage" in similar
    nothing = escalation_report(ctx=ctx, actor=ANA, case_id=past, language="en"
                                ).content.decode()
    assert "No past escalation in the knowledge base shares this case's" in nothing


def test_the_entry_is_in_the_language_its_text_is_written_in(ctx: Context) -> None:
    english = _russian_case(ctx, "Недоступна база данных")
    record_root_cause(ctx=ctx, actor=ANA, case_id=english,
                      technical="The RDS failover left clients on the old primary.")

    hit = search(ctx=ctx, q="failovers", lang="en")[0]
    assert (hit.case, hit.account, hit.language) == (english, "volga", "en")
    assert hit.excerpt.startswith("Technical root cause: ")
