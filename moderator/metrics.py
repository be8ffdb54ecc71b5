"""Prometheus metrics: what moderator counts, and the text `/metrics` answers with.

Every series is named `moderator_*`. Counters and histograms live in the process that
counts (a gunicorn worker, the worker command); under `moderator serve` they are
written to files in PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode),
so a scrape of any worker adds up every worker of the server. What the database knows
(queue sizes, urgent comments waiting, webhook deliveries by state) and what the
serving process holds (model versions) are read at scrape time, from cheap queries.

Nothing here imports Flask: the learning job and the deliverer count through the same
functions (`retrain_outcome`, `webhook_outcome`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

#: The variable prometheus-client reads, at import, to count in files shared by processes.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
#: This process's own series (not prometheus-client's default registry, whose process_*
#: and python_* series would break "every series is moderator_*").
COUNTED = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "moderator_http_requests_total",
    "HTTP requests answered, by route rule (not the raw path), method and status.",
    ["route", "method", "status"],
    registry=COUNTED,
)
LATENCY = Histogram(
    "moderator_http_request_duration_seconds",
    "Time to answer an HTTP request, by route rule.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=COUNTED,
)
VERDICTS = Counter(
    "moderator_verdicts_total",
    "New comments decided, by verdict and the status they were given.",
    ["verdict", "status"],
    registry=COUNTED,
)
RETRAINING = Counter(
    "moderator_retraining_total",
    "Retraining runs of the background job, by outcome (promoted, kept, failed ...).",
    ["outcome"],
    registry=COUNTED,
)
WEBHOOKS = Counter(
    "moderator_webhook_attempts_total",
    "Webhook delivery attempts, by outcome (delivered, retry, failed).",
    ["outcome"],
    registry=COUNTED,
)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route).observe(seconds)


def verdict(verdict: str, status: str) -> None:
    """Count one newly decided comment."""
    VERDICTS.labels(verdict, status).inc()


def retrain_outcome(outcome: str) -> None:
    """Count one retraining run's outcome (the learning job calls this)."""
    RETRAINING.labels(outcome).inc()


def webhook_outcome(outcome: str) -> None:
    """Count one webhook delivery attempt's outcome."""
    WEBHOOKS.labels(outcome).inc()


def multiprocess_dir() -> str | None:
    """Return the folder processes count in, or None when this process counts alone."""
    return os.environ.get(MULTIPROC_ENV) or None


class _ScrapeTime:
    """A collector of gauges computed when scraped (a function returning metric families)."""

    def __init__(self, collect: Callable[[], Iterable[Metric]]) -> None:
        self._collect = collect

    def collect(self) -> Iterable[Metric]:
        """Return the families computed now."""
        return self._collect()


def exposition(at_scrape: Callable[[], Iterable[Metric]]) -> bytes:
    """Return the text of a scrape: this server's counters plus gauges computed now."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(COUNTED)
    now = CollectorRegistry(auto_describe=False)
    now.register(_ScrapeTime(at_scrape))
    return counted + generate_latest(now)


def gauge(name: str, documentation: str, labels: list[str], samples) -> GaugeMetricFamily:
    """Return a gauge family from (label values, value) pairs."""
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for values, value in samples:
        family.add_metric(list(values), value)
    return family


def worker_exit(pid: int) -> None:
    """Forget a finished process's live gauges (gunicorn's child_exit hook calls this)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)
