"""What the account health use cases return: plain documents for the CLI and the API."""

from __future__ import annotations

from decimal import Decimal

from escalada.adapters.catalogs import translations
from escalada.domain.account_health import HealthScore
from escalada.domain.policy.health import HealthPolicy
from escalada.domain.snapshot import AwareDatetime
from escalada.domain.words import words_of
from escalada.services.views import View


class MetricView(View):
    metric: str
    label: str
    weight: float
    value: float | None
    score: float | None  # 0-100 on the sub-metric's scale
    source: str | None  # computed: ..., or entered by NAME (in the language asked)
    source_kind: str | None  # computed | entered; None: missing
    as_of: AwareDatetime | None
    age_days: int | None
    missing: str | None  # why it has no score (in the language asked)


class ComponentView(View):
    component: str
    label: str
    weight: float
    score: float | None
    coverage: float  # the share of its sub-metrics' weight with data
    contribution: float  # its points in the score
    metrics: list[MetricView]


class HealthView(View):
    """An account's health: computed at `at` (or kept then, for the trend)."""

    account: str | None  # None: a what-if score of given component values
    at: AwareDatetime
    score: float | None  # 0-100; None: nothing to score from
    band: str | None  # excellent | good | at_risk | critical (the policy's keys)
    band_label: str | None
    coverage: float  # 0-1: the share of the score's weight resting on data
    missing: list[str]
    components: list[ComponentView]

    def missing_labels(self) -> list[str]:
        """The missing sub-metrics as people read them (`missing` has their keys)."""
        return [m.label for c in self.components for m in c.metrics if m.metric in self.missing]


class HealthInputView(View):
    account: str
    metric: str
    value: float
    as_of: AwareDatetime
    entered_by: str
    entered_at: AwareDatetime
    note: str | None


class TrendPoint(View):
    at: AwareDatetime
    score: float | None
    band: str | None
    coverage: float
    kept_by: str


class HealthTrendView(View):
    account: str
    scores: list[TrendPoint]  # oldest first


class RefreshView(View):
    accounts: int
    kept: int
    dropped: list[str]  # accounts that fell into an alarming band
    failed: dict[str, str]  # account -> why its score was not kept


class PortfolioEntry(View):
    account: str
    name: str
    tier: str
    score: float | None
    band: str | None
    trend: str | None  # up | down | flat, against the score kept before; None: no history
    open_escalations: int
    last_escalation_at: AwareDatetime | None


def health_view(account: str | None, score: HealthScore, policy: HealthPolicy,
                language: str = "en") -> HealthView:
    """The score as people read it: labels, sources and why a sub-metric is missing in
    `language`; the keys (component, metric, band, source_kind) stay as they are."""
    document = score.as_json()
    said = translations(language)
    labels = {key: c.label.in_language(language) for key, c in policy.components.items()}
    metric_labels = {key: m.label.in_language(language) for key, m in policy.metrics().items()}
    for component, scored in zip(document["components"], score.components, strict=True):
        component["label"] = labels[component["component"]]
        for metric, found in zip(component["metrics"], scored.metrics, strict=True):
            metric["label"] = metric_labels[metric["metric"]]
            reading = found.reading
            metric["source"] = None if reading is None else words_of(reading.source).render(said)
            metric["source_kind"] = None if reading is None else (
                "computed" if reading.computed else "entered")
            metric["missing"] = (None if found.missing is None
                                 else words_of(found.missing).render(said))
    band = next((b for b in policy.bands if b.key == score.band), None)
    return HealthView.model_validate({
        **document, "account": account,
        "band_label": None if band is None else band.label.in_language(language)})


def number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
