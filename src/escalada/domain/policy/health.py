"""The account health section of the policy (data): the score's components and their
weights, each component's sub-metrics (computed from escalada's records, or entered by
people), how a sub-metric's value maps to 0-100, and the bands."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Literal

from pydantic import Field, field_validator, model_validator

from escalada.domain.model import Language
from escalada.domain.policy.types import Key, Section

# What escalada measures from its own records; any other sub-metric is entered.
COMPUTED = frozenset({
    "csat",  # the average CSAT (1-5) of cases resolved in the window
    "escalations",  # cases of the account escalated (a step up) in the window
    "p1_p2_share",  # the share of the window's cases opened as P1 or P2
    "resolution_within_sla",  # the share of the window's resolved cases resolved in time
    "response_within_sla",  # the share of the window's first responses given in time
    "volume_trend",  # cases opened in the window against the window before, -1 .. +inf
    "executive_interactions",  # war rooms and executive letters in the window
    "reopen_rate",  # the share of the cases resolved in the window reopened since
})


class Label(Section):
    """What people read, in English and Russian."""

    en: str = Field(min_length=1)
    ru: str = Field(min_length=1)

    def in_language(self, language: Language | str) -> str:
        return self.ru if language == Language.RU else self.en


class Metric(Section):
    """One sub-metric: where its value comes from, how long a value counts, and its
    scale: (value, score) points, the score linear between them and flat beyond."""

    label: Label
    source: Literal["computed", "entered"]
    weight: Decimal = Field(default=Decimal(1), gt=0, le=100)
    # Computed: the window of records it reads; entered: how long an entry counts.
    window_days: int = Field(ge=1, le=3650)
    # Entered: the values people may enter (inclusive). A computed sub-metric with a
    # range may be entered too: the entry counts while the records give no value.
    range: tuple[Decimal, Decimal] | None = None
    scale: tuple[tuple[Decimal, Decimal], ...] = Field(min_length=2)

    @field_validator("scale")
    @classmethod
    def _ascending(cls, scale: tuple[tuple[Decimal, Decimal], ...]
                   ) -> tuple[tuple[Decimal, Decimal], ...]:
        values = [value for value, _ in scale]
        if values != sorted(set(values)):
            raise ValueError("points must be listed lowest value first, each value once")
        if any(not 0 <= score <= 100 for _, score in scale):
            raise ValueError("scores must be 0-100")
        return scale

    @field_validator("range")
    @classmethod
    def _ordered(cls, bounds: tuple[Decimal, Decimal] | None
                 ) -> tuple[Decimal, Decimal] | None:
        if bounds is not None and bounds[0] >= bounds[1]:
            raise ValueError("the lowest value comes first and is below the highest")
        return bounds

    def score(self, value: Decimal) -> Decimal:
        """The value on the 0-100 scale."""
        points = self.scale
        if value <= points[0][0]:
            return points[0][1]
        for (x0, y0), (x1, y1) in pairwise(points):
            if value <= x1:
                return y0 + (y1 - y0) * (value - x0) / (x1 - x0)
        return points[-1][1]


class Component(Section):
    """A part of the score: its weight and its sub-metrics (weighted among themselves)."""

    label: Label
    weight: Decimal = Field(gt=0, le=1)
    metrics: dict[Key, Metric] = Field(min_length=1)


class Band(Section):
    """Scores from `from` up (to the band above) are this band."""

    key: Key
    lowest: Decimal = Field(alias="from", ge=0, le=100)
    label: Label
    # Entering this band from a better one goes on the account's log.
    alarming: bool = False


class HealthPolicy(Section):
    """The account health score: components weighted to 1, and bands from the top."""

    packaged_defaults = "*"

    components: dict[Key, Component] = Field(min_length=1)
    bands: tuple[Band, ...] = Field(min_length=1)
    # How often the workers compute and keep each account's score (a month at most).
    refresh_every_hours: int = Field(ge=1, le=744)

    @field_validator("components")
    @classmethod
    def _weights_add_up(cls, components: dict[str, Component]) -> dict[str, Component]:
        total = sum((c.weight for c in components.values()), Decimal(0))
        if total != 1:
            raise ValueError(f"the components' weights must add up to 1; they add up to "
                             f"{total.normalize():f}")
        return components

    @field_validator("bands")
    @classmethod
    def _from_the_top(cls, bands: tuple[Band, ...]) -> tuple[Band, ...]:
        edges = [band.lowest for band in bands]
        if edges != sorted(set(edges), reverse=True) or edges[-1] != 0:
            raise ValueError("bands must be listed highest first, each from a different "
                             "score, the last from 0")
        keys = [band.key for band in bands]
        if len(set(keys)) != len(keys):
            raise ValueError("band keys must be distinct")
        return bands

    @model_validator(mode="after")
    def _metrics_known(self) -> HealthPolicy:
        keys = [key for c in self.components.values() for key in c.metrics]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"a sub-metric belongs to one component: {', '.join(repeated)} "
                             "repeated")
        for key, metric in self.metrics().items():
            if metric.source == "computed" and key not in COMPUTED:
                raise ValueError(f"{key}: escalada computes only {', '.join(sorted(COMPUTED))};"
                                 " make it `source: entered`")
            if metric.source == "entered" and metric.range is None:
                raise ValueError(f"{key}: an entered sub-metric needs its `range`")
        return self

    def metrics(self) -> dict[str, Metric]:
        """Every sub-metric by key, in component order."""
        return {key: metric for component in self.components.values()
                for key, metric in component.metrics.items()}

    def entered(self) -> dict[str, Metric]:
        """The sub-metrics people may enter: the entered ones, and the computed ones with
        a range (their entry counts while the records give no value)."""
        return {k: m for k, m in self.metrics().items() if m.range is not None}

    def band(self, score: Decimal) -> Band:
        return next(band for band in self.bands if score >= band.lowest)
