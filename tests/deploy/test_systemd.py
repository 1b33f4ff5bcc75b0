"""The systemd units, the crontab and the README install steps agree: user, paths, env file, schedules."""

import re

from tests.support.deploy_files import (
    DEPLOY,
    ENV_FILE,
    INSTALL_DIR,
    KUBERNETES_VERSION,
    ROOT,
    SECRET,
    SYSTEMD,
    USER,
    crontab_entries,
    of_kind,
    unit_settings,
)


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
