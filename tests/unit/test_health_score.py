"""The account health score as pure rules: weights, band edges, sub-metric scales, each
computed sub-metric against a hand-computed fixture, missing inputs reported as missing,
and the score bounded and never better for worse signals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalada.domain.account_health import Reading, score_account, score_components
from escalada.domain.account_measures import CaseRecord, in_time, measure
from escalada.domain.snapshot import AccountSnapshot

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
D = Decimal


def reading(value: float | str, days_ago: int = 0) -> Reading:
    return Reading(D(str(value)), "entered by test", NOW - timedelta(days=days_ago))


def test_the_what_if_score_is_the_weighted_sum_of_the_components(policy):
    score = score_components({"support_satisfaction": D(80), "ticket_trends": D(60),
                              "engagement_quality": D(100), "relationship_strength": D(50)},
                             policy.health, NOW)
    # 0.25*80 + 0.20*60 + 0.25*100 + 0.30*50
    assert score.score == D("72.00")
    assert score.band == "good"
    assert score.coverage == 1
    assert [c.contribution for c in score.components] == [D(20), D(12), D(25), D(15)]


@pytest.mark.parametrize(("value", "band"), [
    ("100", "excellent"), ("90", "excellent"), ("89.99", "good"), ("70", "good"),
    ("69.99", "at_risk"), ("50", "at_risk"), ("49.99", "critical"), ("0", "critical")])
def test_band_edges(policy, value, band):
    components = dict.fromkeys(policy.health.components, D(value))
    assert score_components(components, policy.health, NOW).band == band


def test_a_score_a_thousandth_below_an_edge_rounds_to_the_cent_first(policy):
    components = dict.fromkeys(policy.health.components, D("89.995"))
    score = score_components(components, policy.health, NOW)
    assert (score.score, score.band) == (D("90.00"), "excellent")


def test_a_missing_component_is_reported_and_the_rest_carry_the_score(policy):
    score = score_components({"support_satisfaction": D(80), "ticket_trends": D(60)},
                             policy.health, NOW)
    assert score.coverage == D("0.45")
    # (0.25*80 + 0.20*60) / 0.45
    assert score.score == D("71.11")


def test_nothing_known_is_no_score_and_no_band(policy):
    score = score_account({}, policy.health, NOW)
    assert (score.score, score.band, score.coverage) == (None, None, 0)
    assert "nps" in score.missing and "csat" in score.missing
    nps = next(m for c in score.components for m in c.metrics if m.key == "nps")
    assert str(nps.missing) == "never entered (`escalada health input`)"


def test_a_sub_metric_maps_linearly_between_its_points_and_flat_beyond(policy):
    csat = policy.health.metrics()["csat"]  # [[1, 0], [3, 40], [4, 75], [5, 100]]
    assert [csat.score(D(v)) for v in ("0", "1", "2", "3.5", "5", "7")] == [
        0, 0, 20, D("57.5"), 100, 100]


def test_one_component_from_its_sub_metrics_weighted_alike(policy):
    score = score_account({"csat": reading(4), "nps": reading(50), "escalations": reading(1)},
                          policy.health, NOW)
    satisfaction = score.components[0]
    assert satisfaction.score == (D(75) + D(90) + D(85)) / 3
    assert satisfaction.coverage == 1
    assert score.coverage == D("0.25")
    assert score.score == D("83.33")


def test_an_entered_input_older_than_its_window_is_missing_and_says_so(policy):
    score = score_account({"nps": reading(50, days_ago=93)}, policy.health, NOW)
    nps = score.components[0].metrics[1]
    assert nps.score is None
    assert str(nps.missing) == "entered for 2026-08-25, older than 92 days"
    assert score.score is None


def test_the_json_names_sources_ages_and_missing_sub_metrics(policy):
    document = score_account({"nps": reading(20, days_ago=10)}, policy.health, NOW).as_json()
    assert document["score"] == 66 and document["band"] == "at_risk"
    nps = document["components"][0]["metrics"][1]
    assert nps == {"metric": "nps", "weight": 1, "value": 20, "score": 66,
                   "source": "entered by test", "as_of": "2026-11-16T12:00:00+00:00",
                   "age_days": 10, "missing": None}
    assert document["missing"][0] == "csat"


def case(days_ago: float, severity: str = "P3", **fields: object) -> CaseRecord:
    return CaseRecord(opened_at=NOW - timedelta(days=days_ago), severity=severity,
                      **fields)  # type: ignore[arg-type]


FIXTURE = [
    # opened 10 days ago, P1, resolved late, rated 2, escalated
    case(10, "P1", resolved_at=NOW - timedelta(days=9), csat=2.0,
         escalated_at=NOW - timedelta(days=10), responded_in_time=True,
         resolved_in_time=False),
    # opened 20 days ago, P3, resolved in time, rated 5
    case(20, resolved_at=NOW - timedelta(days=19), csat=5.0, responded_in_time=True,
         resolved_in_time=True),
    # opened 40 days ago, P2, answered late, still open, escalated 35 days ago
    case(40, "P2", escalated_at=NOW - timedelta(days=35), responded_in_time=False),
    # opened 100 days ago: outside every 90-day window, and resolved then
    case(100, "P1", resolved_at=NOW - timedelta(days=95), csat=1.0,
         escalated_at=NOW - timedelta(days=99), responded_in_time=False,
         resolved_in_time=False),
]


def test_each_computed_sub_metric_against_a_hand_computed_fixture(policy):
    interactions = [NOW - timedelta(days=5), NOW - timedelta(days=80), NOW - timedelta(days=91)]
    readings = measure(FIXTURE, interactions, policy.health, NOW)
    values = {key: r.value for key, r in readings.items()}
    assert values == {
        "csat": D("3.50"),  # (2 + 5) / 2; the case resolved 95 days ago is out
        "escalations": D(2),  # 10 and 35 days ago
        "p1_p2_share": D("0.6667"),  # P1 and P2 of three cases opened in 90 days
        "resolution_within_sla": D("0.5000"),  # one of two resolved in 90 days
        "response_within_sla": D("0.6667"),  # two of three opened in 90 days
        "volume_trend": D("1.0000"),  # two in the last 30 days against one before
        "executive_interactions": D(2),  # 5 and 80 days ago
    }
    assert str(readings["csat"].source) == "computed: 2 cases rated (91 days)"
    assert readings["p1_p2_share"].as_of == NOW


def test_sources_and_missing_reasons_read_in_russian_with_its_plural_forms(policy):
    from escalada.adapters.catalogs import translations
    from escalada.domain.words import Words

    ru = translations("ru")
    readings = measure(FIXTURE, [NOW - timedelta(days=5)], policy.health, NOW)
    said = {key: r.source.render(ru) for key, r in readings.items()
            if isinstance(r.source, Words)}
    assert said["csat"] == "вычислено: 2 обращения с оценкой (за 91 день)"
    assert said["p1_p2_share"] == "вычислено: 2 из 3 обращений — P1/P2 (за 90 дней)"
    assert said["executive_interactions"] == (
        "вычислено: 1 штаб или письмо руководству (за 90 дней)")
    assert said["volume_trend"] == (
        "вычислено: 2 обращения против 1 за период до того (за 30 дней)")
    escalated = [Words.counted("{count} case escalated", "{count} cases escalated", n).render(ru)
                 for n in (1, 2, 5, 11, 21, 22)]
    assert escalated == ["1 обращение эскалировано", "2 обращения эскалированы",
                         "5 обращений эскалировано", "11 обращений эскалировано",
                         "21 обращение эскалировано", "22 обращения эскалированы"]
    old = score_account({"nps": reading(50, days_ago=93)}, policy.health, NOW)
    nps = old.components[0].metrics[1]
    assert isinstance(nps.missing, Words)
    assert nps.missing.render(ru) == "введено на 2026-08-25, старше 92 дней"


def test_no_cases_leaves_the_shares_and_csat_missing_but_counts_zero(policy):
    readings = measure([], [], policy.health, NOW)
    assert {key: r.value for key, r in readings.items()} == {
        "escalations": 0, "volume_trend": 0, "executive_interactions": 0}


def test_in_time_counts_on_the_targets_calendar():
    from escalada.adapters.policy_file import current_policy

    policy = current_policy()
    account = AccountSnapshot(id="acme", name="Acme", tier="enterprise",
                              support_plan="business", timezone="UTC")
    # business P3: first response 12h on business hours (9 h days): Friday 17:00 to
    # Monday 12:00 is 1 + 3 = 4 business hours.
    friday = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert in_time(policy, account, "P3", friday, friday + timedelta(days=2, hours=19),
                   None) == (True, None)
    # enterprise P1 resolution 4h, 24x7
    enterprise = account.model_copy(update={"support_plan": "enterprise"})
    assert in_time(policy, enterprise, "P1", friday, None,
                   friday + timedelta(hours=4, minutes=1)) == (None, False)


# Sub-metrics that are worse the higher they are, and their plausible ranges.
BAD = {"escalations": (0, 20), "p1_p2_share": (0, 1), "volume_trend": (-1, 5),
       "reopen_rate": (0, 1)}
decimals = st.decimals(min_value=-100, max_value=100, places=2)


@given(values=st.dictionaries(st.sampled_from(sorted(
    ["csat", "nps", "escalations", "volume_trend", "p1_p2_share", "resolution_within_sla",
     "reopen_rate", "response_within_sla", "communication_quality", "proactive_outreach",
     "executive_interactions", "qbr_attendance", "product_feedback", "advocacy"])), decimals),
    bad=st.sampled_from(sorted(BAD)), worse=st.decimals(min_value=0, max_value=10, places=2))
def test_the_score_is_bounded_and_never_better_for_a_worse_signal(policy, values, bad, worse):
    readings = {key: reading(value) for key, value in values.items()}
    score = score_account(readings, policy.health, NOW)
    assert score.score is None or 0 <= score.score <= 100
    assert 0 <= score.coverage <= 1
    low = BAD[bad][0]
    base = max(values.get(bad, D(low)), D(low))
    better = score_account({**readings, bad: reading(base)}, policy.health, NOW)
    worse_score = score_account({**readings, bad: reading(base + worse)}, policy.health, NOW)
    assert better.score is not None and worse_score.score is not None
    assert worse_score.score <= better.score
