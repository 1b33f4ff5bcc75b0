"""App Home's uncertain review queue through signed requests, as in test_listeners.py (real Bolt app, session
model, SQLite, the local fake Slack): who sees it, in which order, and what a click records."""

import time

from slack_bolt.request import BoltRequest

from bot.slack.texts import t
from bot.slack.ui import ids
from bot.slack.ui.home import MAX_BLOCKS
from tests.support.blockkit import block, mrkdwn_texts, rendered_text
from tests.support.interactions import block_actions, button, home_opened_event, select
from tests.support.slack_requests import (
    REVIEWER,
    event_body,
    interactive_body,
    signed_headers,
)
from tests.support.verdicts import seed_verdict

FORM = "application/x-www-form-urlencoded"
CUSTOMER = "U0CUSTOMER"


def dispatch(app, body, content_type):
    response = app.dispatch(BoltRequest(body=body, headers=signed_headers(body, content_type=content_type)))
    assert response.status == 200, response.body
    return response


def open_home(app, fake, user, *, event_id):
    before = len(fake.calls_to("views.publish"))
    dispatch(app, event_body(home_opened_event(user), event_id=event_id), "application/json")
    return fake.wait_for("views.publish", count=before + 1)[-1].params["view"]


def click(app, action, *, user=REVIEWER):
    """A click in App Home: a block_actions payload without a response_url."""
    dispatch(app, interactive_body(block_actions(action, user=user)), FORM)


def queue_blocks(view):
    return [b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith(f"{ids.BLOCK_QUEUE}:")]


def answer(verdict_id, label, n=0):
    return button(f"{ids.ACTION_QUEUE_ANSWER}:{n}", label, block_id=f"{ids.BLOCK_QUEUE}:{verdict_id}")


def test_reviewers_see_the_hardest_messages_lowest_margin_first_and_customers_do_not(app, fake, store):
    close = seed_verdict(store, "close call", margin=0.15)
    toss = seed_verdict(store, "coin toss", margin=0.01)
    handed = seed_verdict(store, "handed over", margin=0.35, verdict="unsure", reason="not_covered", label="other")
    seed_verdict(store, "clear answer", margin=0.7)

    view = open_home(app, fake, REVIEWER, event_id="EvHomeR")
    assert queue_blocks(view) == [f"queue:{toss}", f"queue:{close}", f"queue:{handed}"]
    text = rendered_text(view)
    assert "Hardest messages this week" in text and "margin 0.01" in text
    buttons = block(view["blocks"], f"queue:{toss}")["elements"]
    assert [(e["action_id"], e.get("value")) for e in buttons] == [
        ("scope_queue_answer:0", "cloudgpu.vm_setup"),
        ("scope_queue_answer:1", "cloudgpu.third_party_frameworks"),
        ("scope_queue_answer:2", "none"),
        ("scope_queue_other_row", None),
        ("scope_queue_skip", str(toss)),
    ]
    assert buttons[0]["text"]["text"].startswith("46% · ")
    assert "cloudgpu.vm_setup" not in {o["value"] for o in buttons[3]["options"]}

    assert queue_blocks(open_home(app, fake, CUSTOMER, event_id="EvHomeC")) == []


def test_echoed_text_can_neither_ping_nor_link_nor_format(app, fake, store):
    seed_verdict(store, "<!channel> *urgent* <https://evil.example|click> <@U0BOSS>", margin=0.02)
    view = open_home(app, fake, REVIEWER, event_id="EvHomeEvil")
    [quoted] = [m for m in mrkdwn_texts(view) if "urgent" in m]
    assert "<!channel>" not in quoted and "<https://" not in quoted and "<@U0BOSS>" not in quoted
    assert "&lt;!channel&gt;" in quoted and "*urgent*" not in quoted


def test_a_reviewers_click_records_accepted_feedback_once_and_refreshes_the_home(app, fake, store):
    verdict_id = seed_verdict(store, "Our GPU VM setup is acting up, can you look?", margin=0.05)
    action = answer(verdict_id, "cloudgpu.third_party_frameworks", n=1)
    click(app, action)
    [published] = fake.wait_for("views.publish")
    assert published.params["user_id"] == REVIEWER
    assert queue_blocks(published.params["view"]) == []
    [item] = store.feedback.find()
    assert (item.status, item.label, item.predicted_label, item.reviewed_by, item.source) == (
        "accepted",
        "cloudgpu.third_party_frameworks",
        "cloudgpu.vm_setup",
        REVIEWER,
        "review_queue",
    )

    click(app, action)  # a double click, or a stale Home tab
    click(app, answer(verdict_id, "cloudgpu.vm_setup", n=0))
    fake.wait_for("views.publish", count=3)
    assert [(f.id, f.label) for f in store.feedback.find()] == [(item.id, "cloudgpu.third_party_frameworks")]
    assert store.verdicts.decision(verdict_id).feedback_id == item.id


def test_a_non_reviewers_click_records_nothing_and_is_told_so_in_the_messages_tab(app, fake, store):
    verdict_id = seed_verdict(store, "coin toss", margin=0.01)
    click(app, answer(verdict_id, "none"), user=CUSTOMER)
    [told] = fake.wait_for("chat.postMessage")
    assert (told.params["channel"], told.params["text"]) == (CUSTOMER, t("en", "queue_reviewers_only"))
    click(app, button(ids.ACTION_QUEUE_SKIP, str(verdict_id), block_id=f"queue:{verdict_id}"), user=CUSTOMER)
    fake.wait_for("chat.postMessage", count=2)
    time.sleep(0.2)
    assert store.feedback.find() == []
    assert store.verdicts.decision(verdict_id) is None
    assert fake.calls_to("views.publish") == []


def test_another_row_from_the_select_and_a_skip_leave_the_queue(app, fake, store):
    other = seed_verdict(store, "none of the offered rows", margin=0.03)
    skipped = seed_verdict(store, "just noise", margin=0.04)
    click(app, select(ids.ACTION_QUEUE_OTHER_ROW, "cstack.account", block_id=f"queue:{other}"))
    fake.wait_for("views.publish")
    click(app, button(ids.ACTION_QUEUE_SKIP, str(skipped), block_id=f"queue:{skipped}"))
    [_, refreshed] = fake.wait_for("views.publish", count=2)
    assert queue_blocks(refreshed.params["view"]) == []
    [item] = store.feedback.find()
    assert (item.text, item.label, item.status) == ("none of the offered rows", "cstack.account", "accepted")
    assert store.verdicts.decision(skipped).outcome == "skipped"


def test_a_forged_row_records_nothing_and_says_so(app, fake, store):
    verdict_id = seed_verdict(store, "coin toss", margin=0.01)
    click(app, select(ids.ACTION_QUEUE_OTHER_ROW, "cstack.nope", block_id=f"queue:{verdict_id}"))
    [told] = fake.wait_for("chat.postMessage")
    assert (told.params["channel"], told.params["text"]) == (REVIEWER, t("en", "queue_invalid"))
    assert store.feedback.find() == [] and store.verdicts.decision(verdict_id) is None


def test_the_home_stays_within_slacks_block_limit_with_both_queues_full(app, fake, store):
    for n in range(25):
        store.feedback.add(text=f"pending {n}", label="none", source="slack", status="pending", user_id=CUSTOMER)
    hard = [seed_verdict(store, f"hard {n}", margin=0.01 * n) for n in range(15)]
    view = open_home(app, fake, REVIEWER, event_id="EvHomeFull")
    assert len(view["blocks"]) <= MAX_BLOCKS
    assert len([b for b in view["blocks"] if b.get("block_id", "").startswith("review:")]) == 20
    assert queue_blocks(view) == [f"queue:{verdict_id}" for verdict_id in hard[:10]]
