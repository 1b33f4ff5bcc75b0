"""The metrics of one process (kept in memory here) and the state gauges of a scrape."""

from __future__ import annotations

import dataclasses

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.db import OutboxCall
from bot.errors import ConfigError
from bot.serve.metrics_endpoint import StateCollector, render_metrics
from model.artifacts import ModelStore
from model.training import save_trained


def scrape(store, model_root) -> dict[tuple[str, tuple], float]:
    body, content_type = render_metrics(StateCollector(store, ModelStore(model_root)))
    assert content_type.startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_counts_of_this_process_are_in_the_scrape(store, model_root):
    before = scrape(store, model_root)
    metrics.count_request(surface="command", outcome="ok", seconds=0.004)
    metrics.count_request(surface="other", outcome="unauthorized", seconds=None)
    metrics.count_verdict(source="command", verdict="unsure", row="other", reason="not_covered", handed_over=True)
    metrics.count_verdict(source="command", verdict="unsure", row="none", reason="not_a_request", handed_over=False)
    after = scrape(store, model_root)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("scope_bot_requests_total", surface="command", outcome="ok") == 1
    assert delta("scope_bot_ack_seconds_bucket", surface="command", le="0.005") == 1
    assert delta("scope_bot_requests_total", surface="other", outcome="unauthorized") == 1
    assert delta("scope_bot_ack_seconds_count", surface="other") == 0  # a refused request was never acknowledged
    assert delta("scope_bot_verdicts_total", source="command", verdict="unsure", row="other", reason="not_covered") == 1
    assert delta("scope_bot_handovers_total", source="command", reason="not_covered") == 1
    assert delta("scope_bot_handovers_total", source="command", reason="not_a_request") == 0


def test_state_gauges_read_the_database_and_the_last_gated_candidate(store, model_root, trained):
    store.outbox.enqueue(OutboxCall(method="chat.postMessage", payload={"channel": "C1", "text": "hi"}, purpose="t"))
    samples = scrape(store, model_root)
    assert samples[("scope_bot_outbox_rows", (("state", "pending"),))] == 1
    assert samples[("scope_bot_outbox_rows", (("state", "failed"),))] == 0
    assert samples[("scope_bot_quote_requests", (("status", "new"),))] == 0
    assert not [key for key in samples if key[0] == "scope_bot_last_retrain"]  # no gated run yet

    rejected = dataclasses.replace(trained, notes={"gate": {"promoted": False}})
    version = save_trained(ModelStore(model_root), rejected).version
    samples = scrape(store, model_root)
    assert samples[("scope_bot_last_retrain", (("result", "rejected"), ("version", version)))] == 1
    assert samples[("scope_bot_last_retrain_timestamp_seconds", ())] > 1.7e9


def test_the_multiprocess_directory_must_come_before_any_metric(tmp_path, monkeypatch):
    monkeypatch.delenv(metrics.MULTIPROC_ENV, raising=False)
    metrics.count_reload_failure()  # prometheus_client is imported now, with values kept in memory
    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR"):
        metrics.use_multiprocess_dir(tmp_path / "metrics")
    assert metrics.multiprocess_dir() is None


def test_only_serve_and_its_responder_share_a_metrics_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path))
    metrics.keep_in_memory(command="respond")  # started by serve, which made the directory
    assert metrics.multiprocess_dir() == str(tmp_path)
    metrics.keep_in_memory(command="report")  # a CLI job: a stray variable must not make it write files there
    assert metrics.multiprocess_dir() is None
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path / "gone"))
    metrics.keep_in_memory(command="respond")  # on its own, with a directory nobody made
    assert metrics.multiprocess_dir() is None
