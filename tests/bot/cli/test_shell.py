"""The local shell, what `make run` starts without Slack credentials: the real console script, driven by stdin."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.slack.texts import t

SCOPE_BOT = str(Path(sys.executable).parent / "scope-bot")
OUT_DE = "Hallo, wer installiert mir PyTorch auf der GPU-VM?"
IN_EN = "I forgot my password for the ccenter login, how do I reset it?"


@pytest.fixture
def env(tmp_path, model_root):
    """No Slack credentials, a private database and model root; HOME is also the working directory (no .env)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SCOPE_BOT_"))}
    return {
        **environ,
        "HOME": str(tmp_path),
        "SCOPE_BOT_MODEL_DIR": str(model_root),
        "SCOPE_BOT_DB": str(tmp_path / "shell.db"),
    }


def shell(env, *lines, command="shell"):
    """Run `scope-bot COMMAND` with `lines` typed at its prompts; (exit code, stdout, stderr)."""
    stdin = "".join(line + "\n" for line in lines)
    result = subprocess.run(
        [SCOPE_BOT, command], input=stdin, capture_output=True, text=True, env=env, cwd=env["HOME"], timeout=120
    )
    return result.returncode, result.stdout, result.stderr


def stored_quotes(env):
    result = subprocess.run(
        [SCOPE_BOT, "quotes", "list", "--json"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_question_is_answered_as_the_bot_words_it_in_the_users_language(env):
    code, out, err = shell(env, OUT_DE, IN_EN)
    assert code == 0, err
    assert "Out of Scope" in out and "[cloudgpu.third_party_frameworks]" in out
    assert t("de", "out_of_scope_line").replace("*", "") in out
    assert "[Angebot anfordern: type :quote]" in out
    assert "In scope" in out and t("en", "in_scope_line").replace("*", "") in out
    assert "Traceback" not in err


def test_quote_asks_the_form_and_stores_the_request_for_staff(env):
    code, out, err = shell(env, OUT_DE, ":quote", "", "", "innerhalb von zwei Wochen", "ops@example.com")
    assert code == 0, err
    [quote] = stored_quotes(env)
    assert t("de", "quote_confirm", ref=quote["ref"]).replace("*", "") in out
    assert (quote["product"], quote["what"], quote["original_text"]) == ("cloudgpu", OUT_DE, OUT_DE)
    assert (quote["timeline"], quote["contact"], quote["lang"]) == (
        "innerhalb von zwei Wochen",
        "ops@example.com",
        "de",
    )
    assert quote["detected_label"] == "cloudgpu.third_party_frameworks" and quote["requester_id"] == "local-shell"


def test_a_bad_answer_is_named_and_nothing_is_stored(env):
    code, out, err = shell(env, OUT_DE, ":quote", "", "aws", "", "call me maybe")
    assert code == 0, err
    for key in ("err_product", "err_timeline", "err_contact"):
        assert f"! {t('de', key)}" in out
    assert t("de", "err_what") not in out  # the prefilled message is long enough
    assert "quote request not stored; type :quote to try again" in out
    assert stored_quotes(env) == []


def test_quote_without_an_out_of_scope_answer_and_end_of_input_mid_form(env):
    code, out, _ = shell(env, IN_EN, ":quote")
    assert code == 0
    assert "A quote can be requested for an out-of-scope answer" in out
    code, out, _ = shell(env, OUT_DE, ":quote", "mehr Details")  # input ends at the product prompt
    assert code == 0
    assert "quote request cancelled" in out
    assert stored_quotes(env) == []


def test_table_help_and_quit(env):
    code, out, _ = shell(env, ":table", ":help", ":quit", "this line is never read")
    assert code == 0
    assert "centron cStack" in out and "centron Cloud GPU" in out
    assert "Out of Scope  Deployment von Instanzen (VMs) und K8s (Kubernetes Cluster)" in out
    assert "Inklusive     Einrichtung Ihrer virtuellen Maschine mit Cloud GPUs" in out
    assert ":quote   request a quote" in out
    assert "this line is never read" not in out


def test_run_without_slack_credentials_opens_the_shell(env):
    code, out, err = shell(env, IN_EN, command="run")
    assert code == 0, err
    assert "No SLACK_BOT_TOKEN set: starting the local shell" in out
    assert "In scope" in out
