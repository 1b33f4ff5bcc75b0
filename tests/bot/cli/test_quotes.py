"""`scope-bot quotes set`: a decision from the command line, by the rules of the staff buttons, announced through
the outbox (at once with a bot token, to the fake Slack; else queued for the running bot)."""

import json

import pytest

from bot.db import Store
from bot.slack.texts import t
from tests.support.cli import assert_one_line_error, run
from tests.support.fake_slack import FakeSlack
from tests.support.quotes import new_quote

NEW_QUOTE = new_quote(lang="de")


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A private database for the CLI (no model needed), without Slack tokens."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCOPE_BOT_CHANNEL_PACE_SECONDS", "0")
    monkeypatch.setenv("SCOPE_BOT_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("SCOPE_BOT_MODEL_DIR", str(tmp_path / "models"))
    opened = Store.open(f"sqlite:///{tmp_path / 'cli.db'}")
    yield opened
    opened.close()


@pytest.fixture
def slack(monkeypatch):
    with FakeSlack() as fake:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", fake.api_url)
        yield fake


def sent_quote(store, key="view:V1"):
    """A request whose staff post is in C0QUOTES and whose quote staff have sent."""
    quote, _ = store.quotes.create(NEW_QUOTE, submission_key=key)
    store.quotes.set_staff_message(quote.id, channel_id="C0QUOTES", ts="1700000000.000100")
    store.quotes.set_status(quote.ref, status="quote_sent", user_id="U0STAFF")
    return store.quotes.get(quote.ref)


def test_set_accepted_updates_the_staff_post_and_thanks_the_requester_once(store, slack, capsys):
    quote = sent_quote(store)
    code, out, err = run(capsys, "quotes", "set", quote.ref.lower(), "accepted", "--by", "U0SALES")
    assert code == 0, err
    assert out == f"{quote.ref}: accepted (by U0SALES)\n"
    assert "staff post updated and requester told" in err
    stored = store.quotes.get(quote.ref)
    assert (stored.status, stored.decided_by) == ("accepted", "U0SALES")
    assert [(h.status, h.user_id) for h in store.quotes.history(quote.id)][-1] == ("accepted", "U0SALES")
    [update] = slack.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("C0QUOTES", "1700000000.000100")
    assert "accepted" in update.params["text"]
    [notice] = slack.calls_to("chat.postMessage")
    assert (notice.params["channel"], notice.params["text"]) == ("U0REQ", t("de", "quote_accepted", ref=quote.ref))
    assert store.outbox.pending_count() == 0

    code, out, _ = run(capsys, "quotes", "set", quote.ref, "accepted")  # again: nothing changes, nothing is sent
    assert (code, out) == (0, f"{quote.ref} is already accepted; nothing changed\n")
    assert len(slack.calls_to("chat.postMessage")) == 1 and len(slack.calls_to("chat.update")) == 1
    code, out, _ = run(capsys, "quotes", "list", "--status", "accepted", "--json")
    assert code == 0 and [q["ref"] for q in json.loads(out)] == [quote.ref]


def test_without_a_bot_token_set_queues_the_announcements_for_the_running_bot(store, capsys):
    quote = sent_quote(store)
    code, out, err = run(capsys, "quotes", "set", quote.ref, "accepted")
    assert code == 0 and out == f"{quote.ref}: accepted (by cli)\n"
    assert "the running bot delivers them" in err
    assert store.quotes.get(quote.ref).decided_by == "cli"
    queued = store.outbox.entries(states=("pending",))
    assert [(e.method, e.purpose, e.purpose_id) for e in queued] == [
        ("chat.update", "quote_staff_update", quote.id),
        ("chat.postMessage", "quote_status_notice", quote.id),
    ]


@pytest.mark.parametrize(
    ("before", "status", "fragment"),
    [
        ((), "accepted", "is new; it cannot be set to accepted (allowed: feasible, quote_sent, declined)"),
        (("feasible",), "accepted", "is feasible; it cannot be set to accepted (allowed: quote_sent, declined)"),
        (("declined",), "accepted", "is declined; it cannot be set to accepted (allowed: none, declined is final)"),
        (("quote_sent", "accepted"), "declined", "is accepted; it cannot be set to declined"),
    ],
)
def test_an_invalid_transition_is_one_clear_line_and_changes_nothing(before, status, fragment, store, capsys):
    quote, _ = store.quotes.create(NEW_QUOTE, submission_key="view:V1")
    for step in before:
        store.quotes.set_status(quote.ref, status=step, user_id="U0STAFF")
    code, out, err = run(capsys, "quotes", "set", quote.ref, status)
    assert_one_line_error(code, err, quote.ref, fragment)
    assert out == ""
    assert store.quotes.get(quote.ref).status == (before[-1] if before else "new")
    assert store.outbox.pending_count() == 0


def test_an_unknown_reference_is_one_clear_line(store, capsys):
    code, _, err = run(capsys, "quotes", "set", "Q-1999-0001", "accepted")
    assert_one_line_error(code, err, "no quote request 'Q-1999-0001'")


def test_new_is_no_status_to_set(store, capsys):
    with pytest.raises(SystemExit) as exited:  # argparse: "new" is not among the choices
        run(capsys, "quotes", "set", "Q-2026-0001", "new")
    assert exited.value.code == 2
    assert "invalid choice: 'new'" in capsys.readouterr().err
