"""Prometheus metrics of this process (served at /metrics by `escalada serve`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

_FIRED = Counter("escalada_timers_fired", "Timers handled by workers, by kind and outcome",
                 ["kind", "outcome"])
_LATENESS = Histogram("escalada_timer_lateness_seconds",
                      "How late after its due time a timer fired",
                      buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900))
_OVERDUE = Gauge("escalada_timers_overdue",
                 "Pending timers due more than a minute ago, as the auditor last counted")


def timer_fired(kind: str, outcome: str, late_seconds: float) -> None:
    _FIRED.labels(kind, outcome).inc()
    if outcome == "fired":
        _LATENESS.observe(max(late_seconds, 0.0))


def timers_overdue(count: int) -> None:
    _OVERDUE.set(count)


_DELIVERIES = Counter("escalada_message_attempts",
                      "Attempts to deliver an outbound message, by channel and outcome "
                      "(delivered, retry, dead)", ["channel", "outcome"])


def delivery_attempted(channel: str, outcome: str) -> None:
    _DELIVERIES.labels(channel, outcome).inc()


_OUTBOX_OVERDUE = Gauge("escalada_outbox_overdue",
                        "Deliveries waiting more than a minute past their time for a worker")
_OUTBOX_DEAD = Gauge("escalada_outbox_dead", "Dead-lettered deliveries waiting for a person")


def outbox_seen(overdue: int, dead: int) -> None:
    _OUTBOX_OVERDUE.set(overdue)
    _OUTBOX_DEAD.set(dead)


_VENDOR_SYNCS = Counter("escalada_vendor_syncs",
                        "Vendor cases synced by workers, by vendor and outcome (synced, failed)",
                        ["vendor", "outcome"])


def vendor_synced(vendor: str, outcome: str) -> None:
    _VENDOR_SYNCS.labels(vendor, outcome).inc()
