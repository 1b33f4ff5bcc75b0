"""The Kubernetes manifests, checked offline: the Kubernetes schemas on every manifest, and what a production
Deployment needs (replicas, probes, security, one image and Secret). Nothing here talks to a cluster."""

import json
import re
import socket
import subprocess

import pytest

from tests.support.deploy_files import (
    KUBERNETES_VERSION,
    SCOPE_BOT,
    SECRET,
    all_containers,
    bot_container,
    env_values,
    kubernetes_validate,
    manifests,
    of_kind,
    pod_specs,
)


def test_every_manifest_validates_against_the_kubernetes_schemas_offline(monkeypatch):
    validator = kubernetes_validate()

    def no_network(*args, **kwargs):
        raise AssertionError(f"the validation tried to reach the network: {args}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    documents = manifests()
    assert {doc["kind"] for _, doc in documents} == {
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "CronJob",
    }
    for path, doc in documents:
        # strict: an unknown or misspelt field is an error; a kind without a schema raises SchemaNotFoundError
        validator.validate(doc, KUBERNETES_VERSION, strict=True)
        assert path.suffix == ".yaml"


def test_the_schema_validation_rejects_a_misspelt_field():
    validator = kubernetes_validate()
    (deployment,) = of_kind("Deployment")
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["replica"] = broken["spec"].pop("replicas")
    with pytest.raises(validator.ValidationError):
        validator.validate(broken, KUBERNETES_VERSION, strict=True)


QUANTITY = re.compile(r"^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$")  # the schemas do not check quantities


def test_every_container_has_realistic_resources():
    for container in all_containers():
        resources = container["resources"]
        for section in ("requests", "limits"):
            for value in resources[section].values():
                assert QUANTITY.match(str(value)), (container["name"], value)
        assert "memory" in resources["requests"]
        assert "memory" in resources["limits"], f"{container['name']}: no memory limit"
    limits = bot_container()["resources"]["limits"]["memory"]
    # master + 2 workers + responder are about 1 GiB RSS in the benchmark; the limit must leave room above that
    assert limits.endswith("Mi")
    assert int(limits[:-2]) > 1024
    assert bot_container()["resources"]["requests"]["memory"] == "1Gi"
    retrain = next(c for c in all_containers() if c["name"] == "retrain")
    assert retrain["resources"]["limits"]["memory"] == "3Gi"  # 100k feedback examples peak at 2.3 GiB


def test_two_replicas_with_a_disruption_budget_and_health_probes():
    (deployment,) = of_kind("Deployment")
    assert deployment["spec"]["replicas"] == 2
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (pdb,) = of_kind("PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert 0 < pdb["spec"]["minAvailable"] < deployment["spec"]["replicas"]
    (service,) = of_kind("Service")
    assert service["spec"]["selector"].items() <= labels.items()
    bot = bot_container()
    ports = {p["name"]: p["containerPort"] for p in bot["ports"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        check = bot[probe]["httpGet"]
        assert check["path"] == "/healthz", probe
        assert ports.get(check["port"], check["port"]) == 3000, probe
    liveness = bot["livenessProbe"]
    # /healthz is 200 when degraded too; a pod is restarted only after it has not answered for a while
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= 60
    assert liveness["timeoutSeconds"] >= 3
    startup = bot["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 90  # preflight, model load, worker boot


def test_no_pod_affinity_anywhere():
    def keys(value):
        if isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from keys(item)
        elif isinstance(value, list):
            for item in value:
                yield from keys(item)

    for path, doc in manifests():
        assert not {"affinity", "podAffinity", "nodeAffinity", "podAntiAffinity"} & set(keys(doc)), path.name


def test_every_pod_runs_non_root_on_a_read_only_root_filesystem():
    for spec in pod_specs():
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True
        assert pod["runAsUser"] == pod["runAsGroup"] == 10001  # the image's USER
        assert pod["seccompProfile"]["type"] == "RuntimeDefault"
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, container["name"]
            assert context["allowPrivilegeEscalation"] is False, container["name"]
            assert context["capabilities"]["drop"] == ["ALL"], container["name"]
            mounts = {m["mountPath"]: volumes[m["name"]] for m in container["volumeMounts"]}
            # everything written: /tmp (gunicorn, the metrics directory, matplotlib, joblib), the report's chart;
            # nothing outlives the pod: what lasts is in the database
            assert "emptyDir" in mounts["/tmp"], container["name"]
            assert all("emptyDir" in volume for volume in mounts.values()), container["name"]
            assert "SCOPE_BOT_METRICS_DIR" not in env_values(container)  # default: a fresh directory under /tmp


def test_every_container_runs_the_same_image_with_the_same_secret_and_settings():
    containers = all_containers()
    assert len(containers) == 4  # first-model, bot, retrain, report
    assert len({c["image"] for c in containers}) == 1
    settings = {json.dumps(env_values(c), sort_keys=True) for c in containers}
    assert len(settings) == 1, settings
    for container in containers:
        assert container["envFrom"] == [{"secretRef": {"name": SECRET}}], container["name"]
        database = next(e for e in container["env"] if e["name"] == "SCOPE_BOT_DB")
        # from the Secret, as a required key: never a literal, never the image's SQLite default
        assert database == {
            "name": "SCOPE_BOT_DB",
            "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "SCOPE_BOT_DB"}},
        }, container["name"]
        command = container["command"]
        assert SCOPE_BOT in command[0] or SCOPE_BOT in command[-1], container["name"]
    # no Secret is applied from the repository: `kubectl apply -f deploy/k8s/` never overwrites the real one
    assert not of_kind("Secret")


def test_the_first_model_container_refuses_a_database_that_is_not_postgresql(tmp_path):
    (deployment,) = of_kind("Deployment")
    (init,) = deployment["spec"]["template"]["spec"]["initContainers"]
    assert init["command"][:2] == ["/bin/sh", "-c"]
    script = init["command"][2]
    assert script.rstrip().endswith(f"exec {SCOPE_BOT} train --if-missing")
    # run the guard itself, with a stand-in for the training command
    stand_in = tmp_path / "train"
    stand_in.write_text("#!/bin/sh\necho trained\n")
    stand_in.chmod(0o755)
    guard = script.replace(f"{SCOPE_BOT} train --if-missing", str(stand_in))
    for url, ok in [
        ("postgresql://scope:x@db/scope", True),
        ("postgres://scope:x@db/scope", True),
        ("/var/lib/scope-bot/scope-bot.db", False),
        ("sqlite:////var/lib/scope-bot/scope-bot.db", False),
        ("", False),
    ]:
        result = subprocess.run(
            ["/bin/sh", "-c", guard], env={"SCOPE_BOT_DB": url}, capture_output=True, text=True, check=False
        )
        assert (result.returncode == 0) is ok, (url, result.stderr)
        assert ("trained" in result.stdout) is ok, url


def test_the_cronjobs_never_overlap_and_share_nothing_with_the_bot_but_the_database():
    cronjobs = {c["metadata"]["name"]: c for c in of_kind("CronJob")}
    assert set(cronjobs) == {"scope-bot-retrain", "scope-bot-report"}
    for cronjob in cronjobs.values():
        assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
        assert cronjob["spec"]["timeZone"] == "Europe/Berlin"
    retrain = cronjobs["scope-bot-retrain"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert retrain["command"] == [SCOPE_BOT, "retrain"]
    for spec in pod_specs():
        assert not [v for v in spec["volumes"] if "persistentVolumeClaim" in v]
    for container in all_containers():
        # the model versions are rows of the database (bot.services.model_store), not files on a shared volume
        assert env_values(container)["SCOPE_BOT_MODEL_STORE"] == "database", container["name"]


def test_the_scrape_annotations_stay_on_the_pods():
    (deployment,) = of_kind("Deployment")
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "3000",
        "prometheus.io/path": "/metrics",
    }
