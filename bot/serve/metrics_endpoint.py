"""What GET /metrics answers: the processes' counters (summed across gunicorn workers and the responder) plus
gauges read from the database and the model store at scrape time, which every replica sees alike."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bot.db import Store
from bot.errors import StoreError
from bot.metrics import multiprocess_dir
from model.errors import ArtifactError
from model.version_store import VersionStore

log = logging.getLogger(__name__)
DATABASE_UP, DATABASE_UP_HELP = "scope_bot_database_up", "Whether /metrics could read the database"


def _last_retrain(model_store: VersionStore) -> tuple[str, str, float] | None:
    """(version, promoted | forced | rejected, unix time) of the newest gated candidate, or None."""
    try:
        manifests = model_store.versions()
    except (ArtifactError, StoreError, OSError) as exc:
        log.warning("metrics: cannot list model versions: %s", exc)
        return None
    for manifest in reversed(manifests):
        gate = manifest.notes.get("gate")
        if not isinstance(gate, dict):
            continue  # trained without the gate (a first model, `train --force` of old)
        result = "forced" if manifest.notes.get("forced") else "promoted" if gate.get("promoted") else "rejected"
        try:
            when = datetime.fromisoformat(manifest.created_at).timestamp()
        except ValueError:
            when = 0.0
        return manifest.version, result, when
    return None


class StateCollector:
    """Gauges of shared state: quote requests by status, outbox rows, unanswered mentions, the last retrain."""

    def __init__(self, store: Store, model_store: VersionStore):
        self.store = store
        self.model_store = model_store

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        try:
            quotes = self.store.quotes.status_counts()
            outbox = self.store.outbox
            rows = {"pending": outbox.pending_count(), "parked": outbox.parked_count(), "failed": outbox.failed_count()}
            waiting = self.store.events.waiting_count(older_than_seconds=0)
        except StoreError as exc:
            log.error("metrics: cannot read the database: %s", exc)
            yield GaugeMetricFamily(DATABASE_UP, DATABASE_UP_HELP, value=0)
            return
        yield GaugeMetricFamily(DATABASE_UP, DATABASE_UP_HELP, value=1)
        family = GaugeMetricFamily("scope_bot_quote_requests", "Quote requests by status", labels=["status"])
        for status, count in quotes.items():
            family.add_metric([status], count)
        yield family
        family = GaugeMetricFamily(
            "scope_bot_outbox_rows",
            "Queued Slack calls not delivered: pending (incl. parked), parked, failed",
            labels=["state"],
        )
        for state, count in rows.items():
            family.add_metric([state], count)
        yield family
        yield GaugeMetricFamily("scope_bot_mentions_waiting", "Stored mentions not answered yet", value=waiting)
        last = _last_retrain(self.model_store)
        if last is not None:
            version, result, when = last
            family = GaugeMetricFamily(
                "scope_bot_last_retrain",
                "The last gated training run (1), by candidate and result",
                labels=["version", "result"],
            )
            family.add_metric([version, result], 1)
            yield family
            yield GaugeMetricFamily(
                "scope_bot_last_retrain_timestamp_seconds", "When the last candidate was trained", value=when
            )


def render_metrics(collector: StateCollector) -> tuple[bytes, str]:
    """(body, content type) of one scrape."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(_Scrape(collector)), CONTENT_TYPE_LATEST


class _Scrape:
    """A registry that builds the scrape afresh each time (the multiprocess files, the database)."""

    def __init__(self, collector: StateCollector):
        self.collector = collector

    def collect(self) -> Iterator[Any]:
        from prometheus_client import REGISTRY, multiprocess

        if multiprocess_dir():
            yield from multiprocess.MultiProcessCollector(None).collect()
        else:
            yield from REGISTRY.collect()
        yield from self.collector.collect()


def start_metrics_server(collector: StateCollector, *, port: int, host: str = "0.0.0.0") -> Any:
    """Serve /metrics on a port of its own (Socket Mode has no HTTP server); returns the server to shut down."""
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=_Scrape(collector))
    return server
