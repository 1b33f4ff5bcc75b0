"""Two `scope-bot serve` processes (two Kubernetes pods) on one PostgreSQL database and one (fake) Slack.

Whichever replica Slack delivers a request to, and whichever replica's responder sends a reply, the outcome is
the one of a single bot: an event answered once, quote references unique, each Slack call delivered once, the same
App Home, and a promoted model served by both. The models are rows of the database (as in deploy/k8s): the
replicas share nothing else. "Once" is checked after the work has settled: every event of the test handled and
every outbox row of its channel delivered (a handled event is not answered again, a delivered row not sent again).
One worker per replica: each replica also runs a responder, and the machine has few cores.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
import sqlalchemy as sa

from bot.db import Store
from bot.db.schema import quote_requests, verdicts
from bot.services.model_store import DatabaseModelStore
from bot.slack.texts import VERDICT_LABEL
from bot.slack.ui import ids
from model.catalog import IN_SCOPE, OUT_OF_SCOPE, UNSURE
from tests.support.blockkit import element
from tests.support.fake_slack import FakeSlack
from tests.support.interactions import block_actions, button, home_opened_event, view_submission
from tests.support.quotes import QUOTE_ANSWERS
from tests.support.replicas import scalar, settled, wait_until
from tests.support.server import SCOPE_BOT, Server, bot_env, running_server, wait_for_responder
from tests.support.slack_requests import event_body, interactive_body, mention_event

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
QUOTES_CHANNEL = "C0QUOTES"
OUT_EN = "Could you install Ollama with Llama 3 on our GPU VM for us?"
IN_EN = "I forgot my password for the ccenter login, how do I reset it?"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
STARTUP_SECONDS = 90.0  # four processes loading the model at once on a small machine
REF = re.compile(r"Q-\d{4}-\d{4,}")


# --- two replicas on one database ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake():
    with FakeSlack() as slack:
        yield slack


@pytest.fixture(scope="module")
def database(postgres_databases, tmp_path_factory, session_model_root):
    """An empty PostgreSQL database, given its first model as deploy/k8s's initContainer does: `train --if-missing`
    publishes the model an image was built with (here: the session's) instead of training."""
    name, url = postgres_databases.create(empty=True)
    image = tmp_path_factory.mktemp("image")
    shutil.copytree(session_model_root, image / "models")
    first_model = subprocess.run(
        [SCOPE_BOT, "train", "--if-missing"],
        env=bot_env(api_url="http://127.0.0.1:9/api/", workdir=image, model_dir=image / "models", SCOPE_BOT_DB=url),
        cwd=image,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first_model.returncode == 0 and "is current in the database" in first_model.stdout, first_model
    yield url
    postgres_databases.drop(name)


@pytest.fixture(scope="module")
def replicas(fake, database, tmp_path_factory):
    """Replicas A and B, started at the same time: one database, each its own (empty) model directory and workdir."""
    base = tmp_path_factory.mktemp("replicas")
    starting = []
    for name in ("a", "b"):
        workdir = base / name
        workdir.mkdir()
        env = bot_env(
            api_url=fake.api_url,
            workdir=workdir,
            model_dir=workdir / "no-models-here",
            SCOPE_BOT_DB=database,  # PostgreSQL: the models are read from the database
            SCOPE_BOT_MODEL_RELOAD_SECONDS="1",
            SCOPE_BOT_OUTBOX_RETRY_SECONDS="0.5",
            SCOPE_BOT_CHANNEL_PACE_SECONDS="0",  # pacing is per process and has its own tests
        )
        starting.append(running_server(env, workdir, workers=1))
    with ExitStack() as stack:
        with ThreadPoolExecutor(len(starting)) as pool:
            started = [pool.submit(server.__enter__) for server in starting]
        for server, future in zip(starting, started, strict=True):
            if future.exception() is None:
                stack.push(server.__exit__)  # stopped (and its exit status checked) even if the other did not start
        servers = tuple(future.result() for future in started)
        for server in servers:
            wait_for_responder(server, timeout=STARTUP_SECONDS)
        yield servers


@pytest.fixture(autouse=True)
def logs_on_failure(request, replicas):
    """Print what both replicas logged during a test that failed."""
    starts = [len(server.log()) for server in replicas]
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        for name, server, start in zip("AB", replicas, starts, strict=True):
            reporter.write_line(f"\n----- replica {name} log during {request.node.name} -----\n{server.log()[start:]}")


@pytest.fixture(scope="module")
def db(replicas, database):
    """Read access to the shared database (what no CLI command shows)."""
    store = Store.open(database)
    yield store
    store.close()


# --- helpers ---------------------------------------------------------------------------------------------------------


def replies(fake: FakeSlack, channel: str) -> Counter:
    """thread ts -> how many messages Slack holds in that thread of `channel`."""
    return Counter(m["thread_ts"] for m in list(fake.messages) if m["channel"] == channel and m.get("thread_ts"))


def mention_body(text: str, *, channel: str, ts: str, event_id: str, user: str = "U0REPCUSTOMER") -> str:
    return event_body(mention_event(text, ts=ts, channel=channel, user=user), event_id=event_id)


def acknowledged(server: Server, body: str, content_type: str = JSON, **headers: str) -> str:
    status, answer = server.slack(body, content_type, **headers)
    assert status == 200, answer
    return answer


# --- 1. one event, one answer ----------------------------------------------------------------------------------------


def test_an_event_retried_to_the_other_replica_is_answered_once(replicas, fake, db):
    a, b = replicas
    channel, ts = "C0REPRETRY", "1700200000.000100"
    body = mention_body(OUT_EN, channel=channel, ts=ts, event_id="EvRepRetry")
    acknowledged(a, body)
    assert acknowledged(b, body, **RETRY) == ""  # Slack timed out on A and retried on B
    # Later mentions through both replicas: by the time they are answered a second answer would have come too.
    later = [(server, f"1700200000.00020{n}", f"EvRepRetryAfter{n}") for n, server in enumerate((b, a, b))]
    for server, later_ts, event_id in later:
        acknowledged(server, mention_body(IN_EN, channel=channel, ts=later_ts, event_id=event_id))
    event_ids = ["EvRepRetry", *(e for *_, e in later)]
    wait_until(
        lambda: len(replies(fake, channel)) == 4 and settled(db, event_ids=event_ids, channel=channel), what="4 answers"
    )
    assert replies(fake, channel) == Counter({ts: 1, **{later_ts: 1 for _, later_ts, _ in later}})
    assert scalar(db, sa.select(sa.func.count()).select_from(verdicts).where(verdicts.c.message_ts == ts)) == 1


def test_an_event_delivered_to_both_replicas_at_once_is_answered_once(replicas, fake, db):
    channel, count = "C0REPRACE", 8
    bodies = [
        mention_body((OUT_EN, IN_EN)[n % 2], channel=channel, ts=f"1700210000.{n:06d}", event_id=f"EvRepRace{n}")
        for n in range(count)
    ]
    deliveries = [
        (server, body, headers) for body in bodies for server, headers in zip(replicas, ({}, RETRY), strict=True)
    ]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda d: d[0].slack(d[1], JSON, **d[2])[0], deliveries))
    assert answers == [200] * len(deliveries)
    event_ids = [f"EvRepRace{n}" for n in range(count)]
    wait_until(
        lambda: len(replies(fake, channel)) == count and settled(db, event_ids=event_ids, channel=channel),
        what=f"{count} answers",
    )
    assert set(replies(fake, channel).values()) == {1}


# --- 2. quote requests -----------------------------------------------------------------------------------------------


def quote_view(server: Server, fake: FakeSlack, *, channel: str, user: str) -> dict:
    """The quote modal the bot opens for an out-of-scope mention answered through `server`."""
    acknowledged(server, mention_body(OUT_EN, channel=channel, ts="1700220000.000100", event_id=f"Ev{channel}"))
    in_channel = lambda: [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == channel]  # noqa: E731
    [reply] = wait_until(in_channel, what="the verdict")
    verdict_id = element(reply.params["blocks"], ids.ACTION_REQUEST_QUOTE)["value"]
    trigger = f"trigger-{channel}"
    action = block_actions(button(ids.ACTION_REQUEST_QUOTE, verdict_id), user=user, channel=channel, trigger_id=trigger)
    acknowledged(server, interactive_body(action), FORM)
    opened = lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger]  # noqa: E731
    return wait_until(opened, what="views.open")[0].params["view"]


def test_quote_requests_submitted_to_both_replicas_at_once_get_unique_references(replicas, fake, db):
    a, b = replicas
    view = quote_view(a, fake, channel="C0REPQUOTE", user="U0REPQ00")
    users = [f"U0REPQ{n:02d}" for n in range(10)]
    submissions = [
        (replicas[n % 2], interactive_body(view_submission(view, QUOTE_ANSWERS, view_id=f"V0REPQ{n:02d}", user=user)))
        for n, user in enumerate(users)
    ]
    start = threading.Barrier(len(submissions))

    def submit(submission: tuple[Server, str]) -> tuple[int, str]:
        start.wait()  # all at once: the replicas race for the next reference
        return submission[0].slack(submission[1], FORM)

    with ThreadPoolExecutor(len(submissions)) as pool:
        answers = list(pool.map(submit, submissions))
    assert answers == [(200, "")] * len(users)  # every modal closed: each request stored
    assert acknowledged(b, submissions[0][1], FORM) == ""  # a repeated submission, to the other replica

    quotes = [q for q in a.cli("quotes", "list") if q["requester_id"] in users]
    assert sorted(q["requester_id"] for q in quotes) == users  # each stored once
    refs = {q["requester_id"]: q["ref"] for q in quotes}
    assert len(set(refs.values())) == len(users) and all(REF.fullmatch(r) for r in refs.values())
    total = scalar(db, sa.select(sa.func.count()).select_from(quote_requests))
    assert scalar(db, sa.select(sa.func.count(sa.distinct(quote_requests.c.ref)))) == total

    quote_ids = [q["id"] for q in quotes]
    wait_until(lambda: settled(db, purpose_ids=quote_ids), what="every staff post and confirmation delivered")
    staff_posts = [m["text"] for m in list(fake.messages) if m["channel"] == QUOTES_CHANNEL and "<@U0REPQ" in m["text"]]
    assert Counter(REF.search(text).group() for text in staff_posts) == Counter(refs.values())  # once each
    for user, ref in refs.items():
        assert [t for t in staff_posts if ref in t] == [t for t in staff_posts if f"<@{user}>" in t]
        [confirmation] = [m["text"] for m in list(fake.messages) if m["channel"] == f"D{user}"]
        assert ref in confirmation


# --- 3. the outbox ---------------------------------------------------------------------------------------------------

FAILED_ATTEMPT = re.compile(r"for mention_reply #\S+ \(outbox #(\d+)\) failed \(attempt")
FOUND_BEFORE = "was posted before its answer was stored; not posting it again"


def test_replies_held_up_by_a_slack_outage_are_each_delivered_once_by_either_replica(replicas, fake, db):
    channel, count = "C0REPOUTAGE", 12
    starts = [len(server.log()) for server in replicas]
    fake.outage("chat.postMessage", seconds=3)
    # After the outage, Slack stores the next posts but answers 500: a retry, on either replica, must find them.
    fake.fail_after_accepting("chat.postMessage", times=3)
    event_ids = [f"EvRepOutage{n}" for n in range(count)]
    for n, event_id in enumerate(event_ids):
        body = mention_body((OUT_EN, IN_EN)[n % 2], channel=channel, ts=f"1700230000.{n:06d}", event_id=event_id)
        acknowledged(replicas[n % 2], body)
    wait_until(
        lambda: len(replies(fake, channel)) == count and settled(db, event_ids=event_ids, channel=channel),
        what=f"{count} replies after the outage",
    )
    assert replies(fake, channel) == Counter({f"1700230000.{n:06d}": 1 for n in range(count)})
    # The outage made sends fail and be retried; which replica's responder claimed a row is up to the timing (the
    # tests/bot/db outbox tests show the claims of several processes exclude each other).
    tried = [set(FAILED_ATTEMPT.findall(server.log()[start:])) for server, start in zip(replicas, starts, strict=True)]
    print(f"\nreplica A retried outbox rows {sorted(tried[0], key=int)}, replica B {sorted(tried[1], key=int)}")
    assert tried[0] | tried[1]
    # The 3 posts Slack stored without saying so were found in their threads by a retry, not posted again.
    found = sum(server.log()[start:].count(FOUND_BEFORE) for server, start in zip(replicas, starts, strict=True))
    assert found == 3


# --- 4. App Home -----------------------------------------------------------------------------------------------------


def open_home(server: Server, fake: FakeSlack, user: str, event_id: str) -> dict:
    """The Home view `server` publishes when `user` opens the App Home."""
    published = lambda: [c for c in fake.calls_to("views.publish") if c.params.get("user_id") == user]  # noqa: E731
    before = len(published())
    acknowledged(server, event_body(home_opened_event(user), event_id=event_id))
    return wait_until(lambda: len(published()) > before and published(), what="views.publish")[before].params["view"]


def recent_figures(view: dict) -> str:
    """The Home's 'Last 7 days' section."""
    [text] = [b["text"]["text"] for b in view["blocks"] if b.get("text", {}).get("text", "").startswith("*Last ")]
    return text


def figures_in_database(db: Store) -> str:
    with db.engine.connect() as conn:
        counts = dict(conn.execute(sa.select(verdicts.c.verdict, sa.func.count()).group_by(verdicts.c.verdict)).all())
        quotes = conn.execute(sa.select(sa.func.count()).select_from(quote_requests)).scalar_one()
    shown = " · ".join(f"{VERDICT_LABEL['en'][v]}: {counts.get(v, 0)}" for v in (IN_SCOPE, OUT_OF_SCOPE, UNSURE))
    return f"*Last 7 days*\n{shown} · Quote requests: {quotes}"


def test_app_home_shows_the_same_figures_on_both_replicas(replicas, fake, db):
    a, b = replicas
    user, channel = "U0REPHOME", "C0REPHOME"
    acknowledged(a, mention_body(OUT_EN, channel=channel, ts="1700240000.000100", event_id="EvRepHomeMention1"))
    wait_until(lambda: settled(db, event_ids=["EvRepHomeMention1"], channel=channel), what="the first answer")
    home_a, home_b = open_home(a, fake, user, "EvRepHome1"), open_home(b, fake, user, "EvRepHome2")
    assert home_a == home_b
    assert recent_figures(home_a) == figures_in_database(db)

    # A verdict answered through B shows at once in the Home either replica publishes.
    acknowledged(b, mention_body(OUT_EN, channel=channel, ts="1700240000.000200", event_id="EvRepHomeMention2"))
    wait_until(lambda: settled(db, event_ids=["EvRepHomeMention2"], channel=channel), what="the second answer")
    again_a, again_b = open_home(a, fake, user, "EvRepHome3"), open_home(b, fake, user, "EvRepHome4")
    assert again_a == again_b
    assert recent_figures(again_a) == figures_in_database(db) != recent_figures(home_a)
    out_of_scope = VERDICT_LABEL["en"][OUT_OF_SCOPE]
    before, after = (
        int(re.search(rf"{re.escape(out_of_scope)}: (\d+)", recent_figures(v))[1]) for v in (home_a, again_a)
    )
    assert after == before + 1


def test_a_model_promoted_in_the_database_is_served_by_both_replicas(replicas, database):
    """The retrain job's promotion reaches every replica through the database alone, within its reload interval."""
    a, b = replicas
    before = json.loads(a.request("/healthz")[2])["model_version"]
    assert json.loads(b.request("/healthz")[2])["model_version"] == before
    store = Store.open(database)
    try:
        models = DatabaseModelStore(store)
        pipeline, manifest = models.load(before)
        fields = {k: getattr(manifest, k) for k in ("data_hash", "threshold", "labels", "metrics", "params", "options")}
        new = models.save(pipeline, {**fields, "parent_version": before}).version
    finally:
        store.close()
    promoted = a.run_cli("models", "promote", new)  # from either pod, or the CronJob: all the same database
    assert promoted.returncode == 0, promoted.stderr
    try:
        for server in replicas:
            serving = lambda server=server: json.loads(server.request("/healthz")[2])["model_version"] == new  # noqa: E731
            wait_until(serving, what=f"{server.url} serving {new}", timeout=30)
    finally:
        assert b.run_cli("models", "rollback").returncode == 0  # the other tests' model again
    for server in replicas:
        serving = lambda server=server: json.loads(server.request("/healthz")[2])["model_version"] == before  # noqa: E731
        wait_until(serving, what=f"{server.url} serving {before} again", timeout=30)
