"""`scope-bot report`: the text and chart of a seeded week, and --post through the outbox to the fake Slack."""

import time

import pytest

from bot.db import Store
from bot.settings import load_settings
from bot.slack.announcements import make_outbox
from bot.slack.app import bot_client
from tests.support.cli import assert_one_line_error, run
from tests.support.fake_slack import FakeSlack
from tests.support.report_seed import seed_week

CHART = "scope-report-2026-11-23-2026-11-29.png"


@pytest.fixture
def seeded(tmp_path, monkeypatch):
    """Like the `env` fixture, without a model (the report needs none): a private database and reports dir."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("SCOPE_BOT_REPORT_CHANNEL", "SCOPE_BOT_CHANNEL_PACE_SECONDS", "SCOPE_BOT_OUTBOX_RETRY_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCOPE_BOT_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("SCOPE_BOT_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("SCOPE_BOT_REPORTS_DIR", str(tmp_path / "reports"))
    store = Store.open(f"sqlite:///{tmp_path / 'cli.db'}")
    seed_week(store)
    yield store
    store.close()


@pytest.fixture
def slack(monkeypatch):
    with FakeSlack() as fake:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        monkeypatch.setenv("SCOPE_BOT_REPORT_CHANNEL", "C0REPORTS")
        yield fake


def files_in_channel(fake, channel="C0REPORTS"):
    return [f for m in fake.messages if m["channel"] == channel for f in m.get("files") or []]


def test_report_prints_the_figures_and_writes_the_chart(seeded, tmp_path, capsys):
    code, out, _ = run(capsys, "report", "--end", "2026-11-30")
    assert code == 0
    assert out.startswith("scope report 2026-11-23 – 2026-11-29 (7 days, UTC): 15 messages\n")
    assert "hand-over rate (unsure): 33.3% (5 of 15 messages)" in out
    assert "     3  wordpress · migrate" in out
    assert "model accuracy on the feedback reviewed in the window: 66.7% (2 of 3 accepted items" in out
    assert "feedback waiting for review: 3 (1 flagged by the audit)" in out
    assert "quote requests   quotes sent    accepted  declined" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("  c")}
    assert rows["cloudgpu.third_party_frameworks"] == ["3", "2", "(66.7%)", "1", "(50.0%)", "1", "(100.0%)", "1"]
    assert rows["cstack.deploy_networks"] == ["2", "1", "(50.0%)", "1", "(100.0%)", "0", "(0.0%)", "1"]
    assert rows["cstack.administration"] == ["1", "1", "(100.0%)", "1", "(100.0%)", "0", "(0.0%)", "0"]
    no_row = next(line for line in out.splitlines() if line.startswith("  (no row)"))
    assert no_row.split()[2:] == ["0", "1", "(-)", "0", "(0.0%)", "0", "(-)", "0"]
    total = next(line for line in out.splitlines() if line.startswith("  total  ") and "(" in line)
    assert total.split() == ["total", "6", "5", "(83.3%)", "3", "(60.0%)", "1", "(33.3%)", "2"]
    chart = tmp_path / "reports" / CHART
    assert out.rstrip().endswith(f"chart: {chart}")
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_post_without_a_report_channel_is_one_clear_error(seeded, capsys):
    code, out, err = run(capsys, "report", "--post")
    assert_one_line_error(code, err, "SCOPE_BOT_REPORT_CHANNEL")
    assert out == ""
    assert seeded.outbox.pending_count() == 0


def test_bad_days_are_one_clear_error(seeded, capsys):
    code, _, err = run(capsys, "report", "--days", "0")
    assert_one_line_error(code, err, "--days")


def test_post_sends_the_message_and_the_chart_through_the_outbox_once(seeded, slack, tmp_path, capsys):
    code, out, err = run(capsys, "report", "--end", "2026-11-30", "--post")
    assert code == 0, err
    assert "posted to C0REPORTS" in err
    [post] = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == "C0REPORTS"
    text = post.params["text"]
    assert text.startswith("*scope-bot weekly report 2026-11-23 – 2026-11-29*\n```scope report")
    assert out.splitlines()[0] in text
    # What users wrote is escaped (no @channel ping) and neutralised (no ` closes the code block).
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "`.de`" not in text and "\u200b`\u200b.de\u200b`\u200b" in text
    assert len(slack.calls_to("files.getUploadURLExternal")) == 1
    [uploaded] = slack.calls_to("file_upload")
    assert len(slack.calls_to("files.completeUploadExternal")) == 1
    assert slack.files[uploaded.params["file_id"]]["content"] == (tmp_path / "reports" / CHART).read_bytes()
    [shared] = files_in_channel(slack)
    assert shared["name"].startswith("scope-report-2026-11-23-2026-11-29.outbox-")
    assert [m["channel"] for m in slack.messages] == ["C0REPORTS", "C0REPORTS"]  # the text, then the chart
    assert seeded.outbox.pending_count() == 0
    assert [e.purpose for e in seeded.outbox.entries(states=("done",))] == ["scope_report", "scope_report_chart"]


def test_without_a_bot_token_post_only_queues_for_the_running_bot(seeded, slack, capsys, monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    code, _, err = run(capsys, "report", "--end", "2026-11-30", "--post")
    assert code == 0
    assert "queued for C0REPORTS" in err and "the running bot delivers it" in err
    assert slack.calls == []
    # the running bot's outbox worker (here: one flush with the bot's settings) delivers both, in order
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    settings = load_settings()
    assert make_outbox(seeded, bot_client(settings, retries=False), settings=settings).flush() == 1  # paced
    time.sleep(settings.channel_pace_seconds)
    assert make_outbox(seeded, bot_client(settings, retries=False), settings=settings).flush() == 1
    assert len(slack.calls_to("chat.postMessage")) == 1 and len(files_in_channel(slack)) == 1


def test_a_failed_post_is_retried_by_the_outbox_and_lands_exactly_once(seeded, slack, capsys, monkeypatch):
    monkeypatch.setenv("SCOPE_BOT_OUTBOX_RETRY_SECONDS", "0.1")
    monkeypatch.setenv("SCOPE_BOT_CHANNEL_PACE_SECONDS", "0")
    slack.fail("chat.postMessage", times=1)  # Slack is down for the report's text
    slack.fail_after_accepting("files.completeUploadExternal", times=1)  # ...and answers the chart's share late
    code, _, err = run(capsys, "report", "--end", "2026-11-30", "--post")
    assert code == 0
    assert "report not posted yet" in err and "the running bot retries it" in err
    assert slack.calls_to("files.getUploadURLExternal") == []  # the chart waits for the text
    settings = load_settings()
    outbox = make_outbox(seeded, bot_client(settings, retries=False), settings=settings)
    deadline = time.monotonic() + 10
    while seeded.outbox.pending_count() and time.monotonic() < deadline:
        outbox.flush()
        time.sleep(0.05)
    assert seeded.outbox.pending_count() == 0
    assert len(slack.calls_to("chat.postMessage")) == 1
    # the chart's share reached Slack on the first try; the retry found it in the channel and did not share it again
    assert len(slack.calls_to("files.completeUploadExternal")) == 1
    assert len(files_in_channel(slack)) == 1
    assert [m["channel"] for m in slack.messages] == ["C0REPORTS", "C0REPORTS"]


def test_a_second_post_of_the_same_week_sends_nothing_and_says_so(seeded, slack, capsys, monkeypatch):
    monkeypatch.setenv("SCOPE_BOT_CHANNEL_PACE_SECONDS", "0")
    assert run(capsys, "report", "--end", "2026-11-30", "--post")[0] == 0
    code, _, err = run(capsys, "report", "--end", "2026-11-30", "--post")  # the timer catching up, or by hand
    assert code == 0
    assert "already posted to C0REPORTS" in err and "not posted again" in err
    assert len(slack.calls_to("chat.postMessage")) == 1 and len(files_in_channel(slack)) == 1
    assert len(seeded.outbox.entries(states=("pending", "parked", "failed", "done"))) == 2
    # another week is another report
    assert run(capsys, "report", "--end", "2026-12-07", "--post")[0] == 0
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_a_second_post_sends_only_what_the_first_could_not(seeded, slack, capsys, monkeypatch):
    monkeypatch.setenv("SCOPE_BOT_OUTBOX_RETRY_SECONDS", "0.1")
    monkeypatch.setenv("SCOPE_BOT_CHANNEL_PACE_SECONDS", "0")
    slack.fail("files.getUploadURLExternal", times=1)  # the text lands, the chart does not
    code, _, err = run(capsys, "report", "--end", "2026-11-30", "--post")
    assert code == 0 and "report not posted yet" in err
    time.sleep(0.2)  # the chart's retry is due
    code, _, err = run(capsys, "report", "--end", "2026-11-30", "--post")
    assert code == 0 and "posted to C0REPORTS" in err
    assert len(slack.calls_to("chat.postMessage")) == 1 and len(files_in_channel(slack)) == 1
    assert seeded.outbox.pending_count() == 0
