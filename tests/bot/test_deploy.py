"""The deploy/ files agree with the code: the dashboard asks only for metrics the bot exports, the scrape
annotations point at the port the bot serves /metrics on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from bot import metrics
from bot.serve.metrics_endpoint import StateCollector, render_metrics
from model.artifacts import ModelStore
from tests.support.quotes import NEW_QUOTE

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def exported_names(store, model_root) -> set[str]:
    """Every sample name of a scrape in which each metric has been touched once."""
    metrics.count_request(surface="command", outcome="ok", seconds=0.01)
    metrics.count_listener_failure("command")
    metrics.count_verdict(source="command", verdict="unsure", row="other", reason="not_covered", handed_over=True)
    metrics.count_outbox_attempt(method="chat.postMessage", result="sent")
    metrics.model_in_use("v1")
    metrics.count_reload_failure()
    metrics.model_in_use("v2", previous="v1", reloaded=True)
    body, _ = render_metrics(StateCollector(store, ModelStore(model_root)))
    return set(re.findall(r"^(scope_bot_\w+)", body.decode(), flags=re.MULTILINE))


def test_the_dashboard_queries_only_metrics_the_bot_exports(store, model_root, trained):
    import dataclasses

    from model.training import save_trained

    save_trained(ModelStore(model_root), dataclasses.replace(trained, notes={"gate": {"promoted": True}}))
    store.quotes.create(NEW_QUOTE, submission_key="deploy-test")
    exported = exported_names(store, model_root)
    dashboard = json.loads((DEPLOY / "grafana" / "scope-bot.json").read_text())
    asked = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bscope_bot_\w+", target["expr"])
    }
    assert asked, "the dashboard has no queries"
    missing = {name for name in asked if name not in exported}
    assert not missing, f"the dashboard asks for metrics the bot does not export: {sorted(missing)}"
    # every metric family the bot exports is on the dashboard
    families = {re.sub(r"(_total|_bucket|_count|_sum|_created)$", "", name) for name in exported}
    shown = {re.sub(r"(_total|_bucket|_count|_sum|_created)$", "", name) for name in asked}
    assert families <= shown, sorted(families - shown)


def test_the_scrape_annotations_name_the_port_and_path_the_bot_serves():
    documents = list(yaml.safe_load_all((DEPLOY / "k8s" / "deployment.yaml").read_text()))
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    template = deployment["spec"]["template"]
    annotations = template["metadata"]["annotations"]
    container = next(c for c in template["spec"]["containers"] if c["name"] == "bot")
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == container["ports"][0]["containerPort"]
    assert container["command"][-1] == annotations["prometheus.io/port"]  # serve --port
