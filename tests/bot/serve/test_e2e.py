"""End to end: `scope-bot serve` (gunicorn, 2 workers) as a subprocess, signed HTTP requests, the fake Slack Web API;
the whole module once on SQLite and once on PostgreSQL.

One server per module keeps the suite quick; every test uses its own channel / users so the tests stay independent.
Checks go through what an operator has: Slack calls, HTTP answers, the CLI (`quotes list`, `feedback list`).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.db import Store
from bot.services.triage import MAX_STORED_CHARS
from bot.slack.texts import t
from bot.slack.ui import ids
from model.artifacts import ModelStore
from model.catalog import IN_SCOPE, OUT_OF_SCOPE
from tests.support.blockkit import block, element, rendered_text
from tests.support.fake_slack import Call, FakeSlack
from tests.support.interactions import block_actions, button, select, view_submission
from tests.support.server import bot_env, running_server, wait_for_responder
from tests.support.slack_requests import (
    command_body,
    event_body,
    interactive_body,
    mention_event,
    signed_headers,
)

QUOTES_CHANNEL = "C0QUOTES"
REVIEWER = "U0E2EREVIEWER"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
OUT_EN = "Could you install Ollama with Llama 3 on our GPU VM for us?"
IN_EN = "I forgot my password for the ccenter login, how do I reset it?"
WAIT_SECONDS = 20.0
ANSWERS = {
    ids.BLOCK_QUOTE_WHAT: "Install Ollama with Llama 3 and Open WebUI on our H100 VM",
    ids.BLOCK_QUOTE_PRODUCT: "cloudgpu",
    ids.BLOCK_QUOTE_TIMELINE: "within two weeks",
    ids.BLOCK_QUOTE_CONTACT: "+49 911 123456",
}


# --- the server ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def e2e_database(request) -> Iterator[str | None]:
    """The module runs twice: on the default SQLite file (None), and on a fresh PostgreSQL database (its URL)."""
    if request.param == "sqlite":
        yield None
        return
    databases = request.getfixturevalue("postgres_databases")
    name, url = databases.create()
    yield url
    databases.drop(name)


@pytest.fixture(scope="module")
def fake(e2e_database):
    with FakeSlack() as slack:  # one per database: a run never sees the other's calls
        yield slack


@pytest.fixture(scope="module")
def e2e_dir(tmp_path_factory, e2e_database) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def e2e_model_root(e2e_dir, session_model_root) -> Path:
    """The module's private copy of the session model (the function-scoped `model_root` cannot serve a module)."""
    root = e2e_dir / "models"
    shutil.copytree(session_model_root, root)
    return root


@pytest.fixture(scope="module")
def server(fake, e2e_dir, e2e_model_root, e2e_database):
    # On PostgreSQL too the models stay files here: the tests promote and break versions in e2e_model_root (models in
    # the database have their own end-to-end test, tests/bot/serve/test_replicas.py).
    database = {"SCOPE_BOT_DB": e2e_database, "SCOPE_BOT_MODEL_STORE": "files"} if e2e_database else {}
    env = bot_env(
        api_url=fake.api_url,
        workdir=e2e_dir,
        model_dir=e2e_model_root,
        **database,
        SCOPE_BOT_REVIEWERS=REVIEWER,
        SCOPE_BOT_OUTBOX_RETRY_SECONDS="0.5",
        SCOPE_BOT_MODEL_RELOAD_SECONDS="1",
    )
    with running_server(env, e2e_dir) as srv:
        wait_for_responder(srv)
        yield srv


@pytest.fixture(autouse=True)
def server_log_on_failure(request, server):
    """Print what the server logged during a test that failed."""
    start = len(server.log())
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line(f"\n----- scope-bot serve log during {request.node.name} -----\n{server.log()[start:]}")


@pytest.fixture(scope="module")
def db(server):
    """Read access to the server's database (for what no CLI command shows)."""
    store = Store.open(server.db_url)
    yield store
    store.close()


# --- helpers ---------------------------------------------------------------------------------------------------------


def wait_for_calls(fake: FakeSlack, method: str, where: Callable[[Call], bool], *, count: int = 1) -> list[Call]:
    """Block until `count` calls of `method` matching `where` were made (AssertionError after WAIT_SECONDS)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = [c for c in fake.calls_to(method) if where(c)]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(
                f"expected {count} {method} call(s), got {len(found)}; all calls: {[c.method for c in fake.calls]}"
            )
        time.sleep(0.02)


def in_channel(channel: str) -> Callable[[Call], bool]:
    return lambda call: call.params.get("channel") == channel


def calls_in(fake: FakeSlack, channel: str) -> list[Call]:
    return [c for c in fake.calls if c.params.get("channel") == channel]


def to_path(name: str) -> Callable[[Call], bool]:
    return lambda call: call.path.endswith("/" + name)


def send_mention(server, text, *, channel, ts, event_id, thread_ts=None, user="U0E2ECUSTOMER", **headers):
    body = event_body(mention_event(text, ts=ts, channel=channel, user=user, thread_ts=thread_ts), event_id=event_id)
    status, answer = server.slack(body, JSON, **headers)
    assert status == 200, answer
    return body


def mention_reply(server, fake, text, *, channel, ts, event_id, **kwargs) -> Call:
    """Send a mention and return the bot's (new) reply in its thread."""
    thread = kwargs.get("thread_ts") or ts
    in_thread = lambda c: c.params.get("channel") == channel and c.params.get("thread_ts") == thread  # noqa: E731
    before = len([c for c in fake.calls_to("chat.postMessage") if in_thread(c)])
    send_mention(server, text, channel=channel, ts=ts, event_id=event_id, **kwargs)
    return wait_for_calls(fake, "chat.postMessage", in_thread, count=before + 1)[before]


def slash(server, fake, text, *, channel, user="U0E2ECUSTOMER") -> dict:
    status, answer = server.slack(
        command_body(text, response_url=fake.response_url(channel), user_id=user, channel_id=channel), FORM
    )
    assert status == 200, answer
    return json.loads(answer)


def interact(server, payload) -> str:
    status, answer = server.slack(interactive_body(payload), FORM)
    assert status == 200, answer
    return answer


def open_quote_modal(server, fake, verdict_id: str, *, channel: str, user: str, trigger_id: str) -> dict:
    interact(
        server,
        block_actions(
            button(ids.ACTION_REQUEST_QUOTE, verdict_id),
            user=user,
            channel=channel,
            trigger_id=trigger_id,
            response_url=fake.response_url(trigger_id),
        ),
    )
    [opened] = wait_for_calls(fake, "views.open", lambda c: c.params.get("trigger_id") == trigger_id)
    return opened.params["view"]


def count_rows(store: Store, sql: str, **params) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


# --- the tests -------------------------------------------------------------------------------------------------------


def test_healthz_reports_the_model_version(server, e2e_model_root):
    status, headers, body = server.request("/healthz")
    assert status == 200 and headers["Content-Type"] == "application/json"
    health = json.loads(body)
    assert health["status"] == "ok"
    assert health["model_version"] == ModelStore(e2e_model_root).current_version()
    assert isinstance(health["pending_slack_calls"], int)
    assert health["failed_slack_calls"] == 0
    # A web worker reloads models; the responder beside the workers answers mentions and delivers the outbox.
    assert health["background_tasks"] == {"model-reload": True}
    assert health["unanswered_mentions"] == 0
    assert server.responder() is not None


def test_mention_gets_a_threaded_reply_with_the_verdict_and_its_metadata(server, fake, classifier):
    reply = mention_reply(server, fake, OUT_EN, channel="C0E2EMENTION", ts="1700001000.000100", event_id="EvE2EMention")
    expected = classifier.classify(OUT_EN)
    assert expected.verdict == OUT_OF_SCOPE
    assert reply.params["thread_ts"] == "1700001000.000100"
    assert reply.params["text"].startswith("Out of scope: ")
    assert element(reply.params["blocks"], ids.ACTION_REQUEST_QUOTE) is not None
    metadata = reply.params["metadata"]
    assert metadata["event_type"] == "scope_triage"
    payload = metadata["event_payload"]
    assert payload["label"] == expected.label == "cloudgpu.third_party_frameworks"
    assert payload["verdict"] == OUT_OF_SCOPE
    assert payload["confidence"] == pytest.approx(expected.confidence, abs=1e-4)
    assert payload["model_version"] == classifier.version

    # A mention inside an existing thread is answered in that thread, not in a new one.
    in_thread = mention_reply(
        server,
        fake,
        IN_EN,
        channel="C0E2EMENTION",
        ts="1700001000.000900",
        thread_ts="1700001000.000100",
        event_id="EvE2EMention2",
    )
    assert in_thread.params["metadata"]["event_payload"]["verdict"] == IN_SCOPE
    assert in_thread.params["text"].startswith("In scope: ")
    assert len(calls_in(fake, "C0E2EMENTION")) == 2
    assert {c.params["thread_ts"] for c in calls_in(fake, "C0E2EMENTION")} == {"1700001000.000100"}


def test_scope_command_answers_ephemerally_in_the_acknowledgement(server, fake):
    answer = slash(server, fake, IN_EN, channel="C0E2ECOMMAND")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("In scope: centron account matters")
    assert element(answer["blocks"], ids.ACTION_FEEDBACK_CORRECT) is not None
    usage = slash(server, fake, "help", channel="C0E2ECOMMAND")
    assert usage["response_type"] == "ephemeral" and "`/scope table gpu`" in rendered_text(usage["blocks"])
    assert calls_in(fake, "C0E2ECOMMAND") == []  # nothing posted to the channel for everyone


def test_quote_button_opens_a_prefilled_modal_whose_submission_reaches_staff_and_the_cli(server, fake):
    reply = mention_reply(server, fake, OUT_EN, channel="C0E2EQUOTE", ts="1700002000.000100", event_id="EvE2EQuote")
    verdict_id = element(reply.params["blocks"], ids.ACTION_REQUEST_QUOTE)["value"]
    view = open_quote_modal(
        server, fake, verdict_id, channel="C0E2EQUOTE", user="U0E2EQUOTER", trigger_id="trigger-e2e-quote"
    )
    assert view["callback_id"] == ids.CALLBACK_QUOTE_MODAL
    assert block(view["blocks"], ids.BLOCK_QUOTE_WHAT)["element"]["initial_value"] == OUT_EN
    assert block(view["blocks"], ids.BLOCK_QUOTE_PRODUCT)["element"]["initial_option"]["value"] == "cloudgpu"
    assert json.loads(view["private_metadata"])["verdict_id"] == int(verdict_id)

    assert interact(server, view_submission(view, ANSWERS, view_id="V0E2EQUOTE", user="U0E2EQUOTER")) == ""
    [staff_post] = wait_for_calls(
        fake, "chat.postMessage", lambda c: in_channel(QUOTES_CHANNEL)(c) and "<@U0E2EQUOTER>" in c.params["text"]
    )
    [confirmation] = wait_for_calls(fake, "chat.postMessage", in_channel("U0E2EQUOTER"))

    [quote] = [q for q in server.cli("quotes", "list") if q["requester_id"] == "U0E2EQUOTER"]
    assert quote["ref"] in staff_post.params["text"] and quote["ref"] in confirmation.params["text"]
    assert (quote["status"], quote["product"], quote["original_text"]) == ("new", "cloudgpu", OUT_EN)
    assert (quote["what"], quote["contact"]) == (ANSWERS[ids.BLOCK_QUOTE_WHAT], ANSWERS[ids.BLOCK_QUOTE_CONTACT])
    assert quote["detected_label"] == "cloudgpu.third_party_frameworks"
    assert element(staff_post.params["blocks"], f"{ids.ACTION_QUOTE_STATUS}:feasible")["value"] == f"{quote['ref']}:new"


def test_a_retried_event_is_answered_exactly_once(server, fake, db):
    channel, ts = "C0E2ERETRY", "1700003000.000100"
    body = send_mention(server, OUT_EN, channel=channel, ts=ts, event_id="EvE2ERetry")
    status, answer = server.slack(body, JSON, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert (status, answer) == (200, "")
    status, _ = server.slack(body, JSON, **{"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"})
    assert status == 200
    # Later deliveries in the same channel are answered: by then a second answer to the retried event would be there
    # too.
    for n in (1, 2, 3):
        mention_reply(server, fake, IN_EN, channel=channel, ts=f"1700003000.00020{n}", event_id=f"EvE2ERetryAfter{n}")
    replies = [c for c in calls_in(fake, channel) if c.params.get("thread_ts") == ts]
    assert len(replies) == 1
    assert count_rows(db, "SELECT count(*) FROM verdicts WHERE message_ts = :ts", ts=ts) == 1


def assert_rejected_without_effect(server, fake, db, *, channel, event_id):
    assert calls_in(fake, channel) == []
    assert count_rows(db, "SELECT count(*) FROM verdicts WHERE channel_id = :c", c=channel) == 0
    assert count_rows(db, "SELECT count(*) FROM processed_events WHERE event_key = :k", k=f"event:{event_id}") == 0
    # The rejected deliveries did not use up the event id: the genuine delivery is answered.
    reply = mention_reply(server, fake, OUT_EN, channel=channel, ts="1700004000.000100", event_id=event_id)
    assert reply.params["thread_ts"] == "1700004000.000100"


def test_a_bad_signature_is_rejected_with_401_and_changes_nothing(server, fake, db):
    channel, event_id = "C0E2EFORGED", "EvE2EForged"
    body = event_body(mention_event(OUT_EN, ts="1700004000.000100", channel=channel), event_id=event_id)
    forged = signed_headers(body, secret="not-the-signing-secret", content_type=JSON)
    assert server.request("/slack/events", body=body, headers=forged)[0] == 401
    tampered = signed_headers(body.replace("install Ollama", "install vLLM"), content_type=JSON)
    assert server.request("/slack/events", body=body, headers=tampered)[0] == 401
    assert server.request("/slack/events", body=body, headers={"Content-Type": JSON})[0] == 401
    command = command_body(OUT_EN, response_url=fake.response_url("forged"), channel_id=channel)
    assert (
        server.request(
            "/slack/events", body=command, headers=signed_headers(command, secret="nope", content_type=FORM)
        )[0]
        == 401
    )
    assert [c for c in fake.calls_to("response_url") if to_path("forged")(c)] == []
    assert_rejected_without_effect(server, fake, db, channel=channel, event_id=event_id)


def test_a_stale_timestamp_is_rejected_with_401(server, fake, db):
    channel, event_id = "C0E2ESTALE", "EvE2EStale"
    body = event_body(mention_event(OUT_EN, ts="1700004000.000100", channel=channel), event_id=event_id)
    stale = signed_headers(
        body, timestamp=int(time.time()) - 600, content_type=JSON
    )  # correctly signed, 10 minutes old
    assert server.request("/slack/events", body=body, headers=stale)[0] == 401
    assert_rejected_without_effect(server, fake, db, channel=channel, event_id=event_id)


def test_feedback_buttons_store_feedback_pending_or_accepted_by_reviewer(server, fake):
    reply = mention_reply(
        server, fake, OUT_EN, channel="C0E2EFEEDBACK", ts="1700005000.000100", event_id="EvE2EFeedback"
    )
    verdict_id = reply.params["metadata"]["event_payload"]["verdict_id"]
    feedback_block = f"feedback:{verdict_id}"

    correct = button(ids.ACTION_FEEDBACK_CORRECT, str(verdict_id), block_id=feedback_block)
    interact(
        server,
        block_actions(
            correct, user="U0E2EFBCUSTOMER", channel="C0E2EFEEDBACK", response_url=fake.response_url("e2e-fb-1")
        ),
    )
    [thanks] = wait_for_calls(fake, "response_url", to_path("e2e-fb-1"))
    assert thanks.params["text"] == t("en", "feedback_thanks_pending") and thanks.params["response_type"] == "ephemeral"

    wrong = select(ids.ACTION_FEEDBACK_WRONG, "cloudgpu.custom_code", block_id=feedback_block)
    interact(
        server, block_actions(wrong, user=REVIEWER, channel="C0E2EFEEDBACK", response_url=fake.response_url("e2e-fb-2"))
    )
    [thanks] = wait_for_calls(fake, "response_url", to_path("e2e-fb-2"))
    # Even a reviewer's correction waits for a second look when it contradicts an answer the model is sure of.
    assert thanks.params["text"] == t("en", "feedback_thanks_flagged")

    items = {i["user_id"]: i for i in server.cli("feedback", "list") if i["user_id"] in ("U0E2EFBCUSTOMER", REVIEWER)}
    assert set(items) == {"U0E2EFBCUSTOMER", REVIEWER}
    customer, reviewer = items["U0E2EFBCUSTOMER"], items[REVIEWER]
    assert (customer["status"], customer["label"], customer["text"], customer["source"]) == (
        "pending",
        "cloudgpu.third_party_frameworks",
        OUT_EN,
        "slack",
    )
    assert (reviewer["status"], reviewer["label"], reviewer["predicted_label"], reviewer["flagged"]) == (
        "pending",
        "cloudgpu.custom_code",
        "cloudgpu.third_party_frameworks",
        True,
    )
    flagged = server.cli("feedback", "list", "--status", "pending", "--flagged")
    assert [i["id"] for i in flagged if i["user_id"] in ("U0E2EFBCUSTOMER", REVIEWER)] == [reviewer["id"]]


def test_a_failed_staff_post_is_not_lost_but_delivered_later_by_the_outbox(server, fake):
    channel, user = "C0E2EOUTBOX", "U0E2EOUTBOX"
    answer = slash(server, fake, OUT_EN, channel=channel, user=user)
    verdict_id = element(answer["blocks"], ids.ACTION_REQUEST_QUOTE)["value"]
    view = open_quote_modal(server, fake, verdict_id, channel=channel, user=user, trigger_id="trigger-e2e-outbox")

    fake.fail("chat.postMessage", times=1)  # Slack has a hiccup exactly when the staff post goes out
    assert interact(server, view_submission(view, ANSWERS, view_id="V0E2EOUTBOX", user=user)) == ""
    [confirmation] = wait_for_calls(fake, "chat.postMessage", in_channel(user))
    [quote] = [q for q in server.cli("quotes", "list") if q["requester_id"] == user]  # stored before any Slack call
    assert quote["ref"] in confirmation.params["text"]

    [staff_post] = wait_for_calls(
        fake, "chat.postMessage", lambda c: in_channel(QUOTES_CHANNEL)(c) and quote["ref"] in c.params.get("text", "")
    )
    assert fake.calls.index(staff_post) > fake.calls.index(
        confirmation
    )  # the first attempt failed; the outbox retried it
    deadline = time.monotonic() + WAIT_SECONDS
    while not quote["staff_message_ts"] and time.monotonic() < deadline:
        time.sleep(0.1)
        [quote] = [q for q in server.cli("quotes", "list") if q["requester_id"] == user]
    assert quote["staff_channel_id"] == QUOTES_CHANNEL and quote["staff_message_ts"]
    assert len([c for c in calls_in(fake, QUOTES_CHANNEL) if quote["ref"] in c.params.get("text", "")]) == 1


def long_message() -> str:
    pieces = [
        "Bitte installiert uns Ollama auf der GPU-VM. ",
        "Could you install PyTorch and vLLM for us? ",
        "🚀👩‍💻🇩🇪 ",
        "مرحبا، هل يمكنكم تثبيت ",  # Arabic, right to left
        "\u200fשלום, תתקינו לנו ",  # RLM + Hebrew
        "é\u0301 ñ 中文 日本語 한국어 ",
        "<!channel> & <@U123> ",
    ]
    text = ""
    while len(text) < 20_000:
        text += "".join(pieces)
    return text[:20_000]


def test_a_very_long_mixed_script_message_is_answered(server, fake, db):
    text = long_message()
    assert len(text) == 20_000
    answer = slash(server, fake, text, channel="C0E2ELONG")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].split(":")[0] in (
        "In scope",
        "Out of scope",
        "Not sure",
        "Inklusive",
        "Out of Scope",
        "Nicht sicher",
    )
    echo = answer["blocks"][0]["elements"][0]["text"]
    assert echo.endswith(("(truncated)", "(gekürzt)")) and len(echo) < 400
    assert "<!channel" not in json.dumps(answer, ensure_ascii=False) and "<@U123" not in json.dumps(
        answer, ensure_ascii=False
    )
    verdict_id = int(element(answer["blocks"], ids.ACTION_FEEDBACK_CORRECT)["value"])
    stored = db.verdicts.get(verdict_id).text
    assert len(stored) == MAX_STORED_CHARS and text.startswith(stored)


# --- hot reload (last: it changes the model the module's server serves) -----------------------------------------------


def healthz_version(server) -> str:
    status, _, body = server.request("/healthz")
    assert status == 200, body
    return json.loads(body)["model_version"]


def wait_until_served(server, version: str) -> None:
    """Both workers answer with `version`: 8 /healthz answers in a row (requests land on either worker)."""
    deadline = time.monotonic() + WAIT_SECONDS
    streak = 0
    while streak < 8:
        streak = streak + 1 if healthz_version(server) == version else 0
        if time.monotonic() > deadline:
            raise AssertionError(f"server still not serving {version} after {WAIT_SECONDS}s:\n{server.log()[-3000:]}")
        time.sleep(0.05)


def wait_for_log(server, text: str, *, count: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while server.log().count(text) < count:
        assert time.monotonic() < deadline, server.log()[-3000:]
        time.sleep(0.1)


def test_a_promoted_model_is_served_without_restart_and_a_broken_one_is_ignored(server, fake, e2e_model_root, trained):
    from model.artifacts import MODEL_FILE
    from model.training import save_trained

    store = ModelStore(e2e_model_root)
    old = store.current_version()
    new = save_trained(store, trained, parent_version=old).version
    store.promote(new)
    wait_until_served(server, new)
    wait_for_log(server, f"-> {new}", count=3)  # both workers and the responder, which answers mentions
    reply = mention_reply(server, fake, OUT_EN, channel="C0E2ERELOAD", ts="1700009000.000100", event_id="EvE2EReload1")
    assert reply.params["metadata"]["event_payload"]["model_version"] == new != old

    # A version whose file is damaged after it was vouched for: the workers log it and keep serving `new`.
    broken = save_trained(store, trained, parent_version=new).version
    (store.version_dir(broken) / MODEL_FILE).write_bytes(b"not a model")
    (e2e_model_root / "current").write_text(json.dumps({"version": broken, "history": [new]}))
    wait_for_log(server, f"version {broken} does not load", count=3)  # once per worker, once in the responder
    assert healthz_version(server) == new
    reply = mention_reply(server, fake, IN_EN, channel="C0E2ERELOAD", ts="1700009000.000200", event_id="EvE2EReload2")
    assert reply.params["metadata"]["event_payload"]["model_version"] == new
    assert reply.params["metadata"]["event_payload"]["verdict"] == IN_SCOPE
