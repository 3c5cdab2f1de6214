"""The account health score (pure): sub-metric readings, weighted by the policy into
components and a 0-100 score with its band. A sub-metric without a reading is missing:
left out and reported, never counted as zero; the score says what share of its weight
rests on data (its coverage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from escalada.domain.policy.health import Component, HealthPolicy, Metric
from escalada.domain.words import Words

CENT = Decimal("0.01")
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Reading:
    """A sub-metric's value, where it comes from, and the moment it is for."""

    value: Decimal
    source: str | Words  # "computed: ..." or "entered by NAME" (Words: in any language)
    as_of: datetime

    @property
    def computed(self) -> bool:
        source = self.source
        # A template's own words, not rendered: this is asked of every reading scored.
        text = source.template if isinstance(source, Words) else source
        return text.startswith("computed")


@dataclass(frozen=True, slots=True)
class MetricScore:
    key: str
    weight: Decimal
    reading: Reading | None
    score: Decimal | None  # 0-100 on the metric's scale; None: missing
    missing: str | Words | None  # why there is no score

    def as_json(self, now: datetime) -> dict[str, Any]:
        reading = self.reading
        return {"metric": self.key, "weight": _number(self.weight),
                "value": None if reading is None else _number(reading.value),
                "score": None if self.score is None else _number(_cents(self.score)),
                "source": None if reading is None else str(reading.source),
                "as_of": None if reading is None else reading.as_of.isoformat(),
                "age_days": None if reading is None else (now - reading.as_of).days,
                "missing": None if self.missing is None else str(self.missing)}


@dataclass(frozen=True, slots=True)
class ComponentScore:
    key: str
    weight: Decimal
    score: Decimal | None  # 0-100; None: none of its sub-metrics has data
    coverage: Decimal  # the share of its sub-metrics' weight with data
    contribution: Decimal  # its points in the account's score
    metrics: tuple[MetricScore, ...]


@dataclass(frozen=True, slots=True)
class HealthScore:
    """An account's health at a moment: None (and no band) when nothing has data."""

    at: datetime
    score: Decimal | None
    band: str | None
    coverage: Decimal  # 0-1: the share of the score's weight that rests on data
    components: tuple[ComponentScore, ...]

    @property
    def missing(self) -> list[str]:
        return [m.key for c in self.components for m in c.metrics if m.score is None]

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "score": None if self.score is None else _number(self.score),
            "band": self.band,
            "coverage": _number(self.coverage.quantize(Decimal("0.0001"))),
            "missing": self.missing,
            "components": [
                {"component": c.key, "weight": _number(c.weight),
                 "score": None if c.score is None else _number(_cents(c.score)),
                 "coverage": _number(c.coverage.quantize(Decimal("0.0001"))),
                 "contribution": _number(_cents(c.contribution)),
                 "metrics": [m.as_json(self.at) for m in c.metrics]}
                for c in self.components],
        }


def score_account(
    readings: Mapping[str, Reading], policy: HealthPolicy, now: datetime
) -> HealthScore:
    """The account's score at `now` from its sub-metric readings (an entered reading
    counts for its metric's window; older, it is missing)."""
    components = tuple(_component(key, component, readings, now)
                       for key, component in policy.components.items())
    return _combine(components, policy, now)


def score_components(
    values: Mapping[str, Decimal | None], policy: HealthPolicy, now: datetime
) -> HealthScore:
    """The score of component values given directly (0-100 each; None: missing), for
    what-if questions."""
    components = []
    for key, component in policy.components.items():
        value = values.get(key)
        components.append(ComponentScore(
            key, component.weight, value, _ZERO if value is None else Decimal(1), _ZERO, ()))
    return _combine(tuple(components), policy, now)


def _component(
    key: str, component: Component, readings: Mapping[str, Reading], now: datetime
) -> ComponentScore:
    metrics = tuple(_metric(name, metric, readings.get(name), now)
                    for name, metric in component.metrics.items())
    present = [m for m in metrics if m.score is not None]
    total = sum((m.weight for m in metrics), _ZERO)
    weight = sum((m.weight for m in present), _ZERO)
    score = None if not present else sum(
        (m.weight * m.score for m in present if m.score is not None), _ZERO) / weight
    return ComponentScore(key, component.weight, score, weight / total, _ZERO, metrics)


def _metric(key: str, metric: Metric, reading: Reading | None, now: datetime) -> MetricScore:
    if reading is None:
        if metric.source != "computed":
            why = Words("never entered (`escalada health input`)")
        elif metric.range is not None:
            why = Words("no records in its window, and never entered (`escalada health input`)")
        else:
            why = Words("no records in its window")
        return MetricScore(key, metric.weight, None, None, why)
    if not reading.computed and now - reading.as_of > timedelta(days=metric.window_days):
        return MetricScore(key, metric.weight, reading, None, Words.counted(
            "entered for {day}, older than {count} day",
            "entered for {day}, older than {count} days", metric.window_days,
            day=reading.as_of.date().isoformat()))
    return MetricScore(key, metric.weight, reading, metric.score(reading.value), None)


def _combine(
    components: tuple[ComponentScore, ...], policy: HealthPolicy, now: datetime
) -> HealthScore:
    present = [c for c in components if c.score is not None]
    coverage = sum((c.weight * c.coverage for c in components), _ZERO)
    if not present:
        return HealthScore(now, None, None, coverage, components)
    weight = sum((c.weight for c in present), _ZERO)
    with_points = tuple(
        c if c.score is None else ComponentScore(
            c.key, c.weight, c.score, c.coverage, c.weight * c.score / weight, c.metrics)
        for c in components)
    score = _cents(sum((c.contribution for c in with_points), _ZERO))
    return HealthScore(now, score, policy.band(score).key, coverage, with_points)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
