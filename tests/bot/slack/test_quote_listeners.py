"""The quote listeners through signed requests, as in test_listeners.py (real Bolt app, session model, SQLite,
the local fake Slack): staff status buttons against replayed and stale clicks, a status back to new and who may
click; the quote modal against a forged private_metadata."""

import json
import time

import pytest
from slack_bolt.request import BoltRequest

from bot.slack.app import create_app
from bot.slack.texts import t
from bot.slack.ui import ids
from tests.support.blockkit import element, elements, rendered_text
from tests.support.interactions import block_actions, button, view_submission
from tests.support.outbox import settled
from tests.support.quotes import QUOTE_ANSWERS
from tests.support.slack_requests import (
    REVIEWER,
    command_body,
    interactive_body,
    signed_headers,
)

OUT_EN = "Could you install Ollama with Llama 3 on our GPU VM for us?"
OUT_DE = "Könnt ihr uns bitte PyTorch auf der GPU-VM installieren?"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def bot_settings(bot_settings):
    # a status notice follows the confirmation to the same DM within a second
    return bot_settings.with_overrides(channel_pace_seconds=0.0)


@pytest.fixture
def open_app(bot_settings, classifier, store):
    """An app without configured reviewers: the quotes channel's members are the staff."""
    return create_app(bot_settings.with_overrides(reviewer_users=frozenset(), reviewer_group=""), classifier, store)


def dispatch(app, body):
    response = app.dispatch(BoltRequest(body=body, headers=signed_headers(body, content_type=FORM)))
    assert response.status == 200, response.body
    return response


def request_quote(app, fake, store, *, text=OUT_EN, meta=None):
    """Ask, click Request a quote, submit the modal (its private_metadata changed by `meta`); the stored request
    once its staff post has landed."""
    asked = json.loads(dispatch(app, command_body(text, response_url=fake.response_url("cmd"))).body)
    quote_button = element(asked["blocks"], ids.ACTION_REQUEST_QUOTE)
    dispatch(app, interactive_body(block_actions(button(ids.ACTION_REQUEST_QUOTE, quote_button["value"]))))
    [opened] = fake.wait_for("views.open")
    view = opened.params["view"]
    if meta is not None:
        view = {**view, "private_metadata": json.dumps({**json.loads(view["private_metadata"]), **meta})}
    assert dispatch(app, interactive_body(view_submission(view, QUOTE_ANSWERS, view_id="V0QUOTE"))).body == ""
    fake.wait_for("chat.postMessage", count=2)
    deadline = time.monotonic() + 10
    while not store.quotes.find()[0].staff_message_ts:  # the delivery hook runs just after Slack answered
        assert time.monotonic() < deadline, "the staff post's ts was not stored"
        time.sleep(0.01)
    return store.quotes.find()[0]


def staff_post_value(blocks, status):
    """The value of the `status` button on a rendered staff post."""
    return element(blocks, f"{ids.ACTION_QUOTE_STATUS}:{status}")["value"]


def click(app, fake, quote, status, value, *, user=REVIEWER, name="click"):
    """Click the `status` button whose value is `value`; what the listener answers goes to response_url `name`."""
    action = button(f"{ids.ACTION_QUOTE_STATUS}:{status}", value, block_id=f"quote:{quote.ref}")
    dispatch(
        app,
        interactive_body(block_actions(action, user=user, channel="C0QUOTES", response_url=fake.response_url(name))),
    )


def answers_to(fake, name, *, count=1):
    """The calls to response_url `name`, once there are at least `count`."""
    deadline = time.monotonic() + 10
    while len(found := [c for c in fake.calls_to("response_url") if c.path.endswith("/" + name)]) < count:
        assert time.monotonic() < deadline, f"expected {count} answer(s) to {name}, got {len(found)}"
        time.sleep(0.01)
    return found


def decide(app, fake, quote, status, value, *, user=REVIEWER, notices):
    """A click that changes the status: wait for its status notice (the `notices`-th) to the requester."""
    click(app, fake, quote, status, value, user=user, name=f"ok-{status}")
    return fake.wait_for("chat.postMessage", count=2 + notices)[-1]


def status_notices(fake, quote):
    """Messages to the requester after the confirmation."""
    return [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == quote.requester_id][1:]


# --- replayed and stale clicks -----------------------------------------------------------------------------------


def test_a_replayed_click_changes_nothing_announces_nothing_and_shows_who_decided(app, fake, store):
    quote = request_quote(app, fake, store)
    [staff_post] = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "C0QUOTES"]
    value = staff_post_value(staff_post.params["blocks"], "feasible")
    assert value == f"{quote.ref}:new"
    decide(app, fake, quote, "feasible", value, notices=1)
    [update] = fake.wait_for("chat.update")

    click(app, fake, quote, "feasible", value, name="replay")  # Slack's retry, or a second click on the old post
    told, refresh = answers_to(fake, "replay", count=2)
    assert told.params == {
        "text": f"Quote request *{quote.ref}* is already *feasible* (by <@{REVIEWER}>). Nothing was changed.",
        "response_type": "ephemeral",
        "replace_original": False,
    }
    # The clicked post is redrawn as it is now, so its buttons act on the current status.
    assert refresh.params["replace_original"] is True
    assert "*Status:* feasible (by <@U0REVIEWER>)" in rendered_text(refresh.params["blocks"])
    assert staff_post_value(refresh.params["blocks"], "declined") == f"{quote.ref}:feasible"
    stored = store.quotes.get(quote.ref)
    assert (stored.status, stored.decided_by) == ("feasible", REVIEWER)
    assert [h.status for h in store.quotes.history(quote.id)] == ["new", "feasible"]
    assert len(status_notices(fake, quote)) == 1 and fake.calls_to("chat.update") == [update]
    assert settled(store.outbox) == 0


def test_a_click_on_an_old_post_never_overwrites_a_later_decision(app, fake, store):
    quote = request_quote(app, fake, store)
    decide(app, fake, quote, "feasible", f"{quote.ref}:new", notices=1)
    [update] = fake.wait_for("chat.update")
    current_value = staff_post_value(update.params["blocks"], "quote_sent")
    assert current_value == f"{quote.ref}:feasible"
    notice = decide(app, fake, quote, "quote_sent", current_value, notices=2)  # from the updated post: applies
    assert notice.params["text"] == f"Update on your quote request *{quote.ref}*: quote sent."

    # The first post, as it still looks in a client that missed the update; and a post rendered before buttons
    # carried the status (a bare reference counts as showing "new").
    for name, value in (("old", f"{quote.ref}:new"), ("legacy", quote.ref), ("older", current_value)):
        click(app, fake, quote, "declined", value, name=name)
        told, _ = answers_to(fake, name, count=2)
        assert told.params["text"] == (
            f"Quote request *{quote.ref}* is already *quote sent* (by <@{REVIEWER}>). Nothing was changed."
        )
    assert store.quotes.get(quote.ref).status == "quote_sent"
    assert [h.status for h in store.quotes.history(quote.id)] == ["new", "feasible", "quote_sent"]
    assert len(status_notices(fake, quote)) == 2 and len(fake.calls_to("chat.update")) == 2


def test_no_click_sets_a_request_back_to_new(app, fake, store):
    quote = request_quote(app, fake, store)
    decide(app, fake, quote, "declined", f"{quote.ref}:new", notices=1)
    fake.wait_for("chat.update")
    # A forged button: the action id of a "new" button, the value the current post carries.
    click(app, fake, quote, "new", f"{quote.ref}:declined", name="back")
    [told] = answers_to(fake, "back")
    assert told.params == {
        "text": "A quote request cannot be set back to new.",
        "response_type": "ephemeral",
        "replace_original": False,
    }
    assert store.quotes.get(quote.ref).status == "declined"
    assert [h.status for h in store.quotes.history(quote.id)] == ["new", "declined"]
    assert len(status_notices(fake, quote)) == 1 and len(fake.calls_to("chat.update")) == 1


@pytest.mark.parametrize(
    ("status", "value"),
    [("feasible", "{ref}:maybe"), ("feasible", "garbage"), ("maybe", "{ref}:new"), ("feasible", "Q-1999-0001:new")],
)
def test_a_click_with_a_value_no_post_carries_is_refused(status, value, app, fake, store):
    quote = request_quote(app, fake, store)
    click(app, fake, quote, status, value.format(ref=quote.ref), name="bad")
    [told] = answers_to(fake, "bad")
    assert told.params["text"] == t("en", "quote_status_invalid") == "This button is not valid. Nothing was changed."
    assert store.quotes.get(quote.ref).status == "new" and status_notices(fake, quote) == []


# --- the customer's decision -------------------------------------------------------------------------------------


def test_accepted_on_a_sent_quote_applies_once_and_thanks_the_requester_once(app, fake, store):
    quote = request_quote(app, fake, store)
    decide(app, fake, quote, "quote_sent", f"{quote.ref}:new", notices=1)
    [update] = fake.wait_for("chat.update")
    value = staff_post_value(update.params["blocks"], "accepted")  # "quote sent" posts offer Accepted and Declined
    assert value == f"{quote.ref}:quote_sent" and staff_post_value(update.params["blocks"], "declined") == value
    notice = decide(app, fake, quote, "accepted", value, notices=2)
    assert (notice.params["channel"], notice.params["text"]) == (
        quote.requester_id,
        t("en", "quote_accepted", ref=quote.ref),
    )
    accepted = fake.wait_for("chat.update", count=2)[1]
    assert "*Status:* accepted (by <@U0REVIEWER>)" in rendered_text(accepted.params["blocks"])
    assert list(elements(accepted.params["blocks"])) == []  # a final decision: no buttons

    for name, status in (("again", "accepted"), ("stale", "declined")):  # a replay, another button of that post
        click(app, fake, quote, status, value, name=name)
        told, refresh = answers_to(fake, name, count=2)
        assert told.params["text"] == (
            f"Quote request *{quote.ref}* is already *accepted* (by <@{REVIEWER}>). Nothing was changed."
        )
        assert "*Status:* accepted" in rendered_text(refresh.params["blocks"])
    assert [h.status for h in store.quotes.history(quote.id)] == ["new", "quote_sent", "accepted"]
    assert len(status_notices(fake, quote)) == 2 and len(fake.calls_to("chat.update")) == 2
    # one notice each, through the outbox: delivered, nothing left over (marked done just after Slack answered)
    assert settled(store.outbox) == 0
    notices = [e for e in store.outbox.entries(states=("done",)) if e.purpose == "quote_status_notice"]
    assert len(notices) == 2


def test_accepted_before_a_quote_was_sent_is_refused_and_the_post_redrawn(app, fake, store):
    quote = request_quote(app, fake, store)
    click(app, fake, quote, "accepted", f"{quote.ref}:new", name="early")  # no post offers it: a forged button
    told, refresh = answers_to(fake, "early", count=2)
    assert told.params["text"] == "A quote request with status *new* cannot be set to *accepted*. Nothing was changed."
    assert staff_post_value(refresh.params["blocks"], "feasible") == f"{quote.ref}:new"
    # A post drawn before "accepted" existed shows Feasible on a sent quote; a click on it redraws Accepted in.
    decide(app, fake, quote, "quote_sent", f"{quote.ref}:new", notices=1)
    click(app, fake, quote, "feasible", f"{quote.ref}:quote_sent", name="old-post")
    told, refresh = answers_to(fake, "old-post", count=2)
    assert told.params["text"] == t("en", "quote_status_not_allowed", shown="quote sent", status="feasible")
    assert staff_post_value(refresh.params["blocks"], "accepted") == f"{quote.ref}:quote_sent"
    assert [h.status for h in store.quotes.history(quote.id)] == ["new", "quote_sent"]
    assert len(status_notices(fake, quote)) == 1


# --- a forged modal ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("forged", ["xx", "constructor", 42, None, ["de"]])
def test_a_forged_language_in_the_modal_falls_back_to_the_detected_one_and_the_request_stays_changeable(
    forged, app, fake, store
):
    quote = request_quote(app, fake, store, text=OUT_DE, meta={"lang": forged})
    assert quote.lang == "de"  # the language detected for the question
    confirmation = fake.calls_to("chat.postMessage")[1]
    assert confirmation.params["text"] == t("de", "quote_confirm", ref=quote.ref)

    notice = decide(app, fake, quote, "feasible", f"{quote.ref}:new", notices=1)
    assert (notice.params["channel"], notice.params["text"]) == (
        quote.requester_id,
        f"Update zu deiner Angebotsanfrage *{quote.ref}*: machbar.",
    )
    assert store.quotes.get(quote.ref).status == "feasible"


def test_form_errors_of_a_modal_with_a_forged_language_are_shown_in_the_detected_one(app, fake, store):
    asked = json.loads(dispatch(app, command_body(OUT_DE, response_url=fake.response_url("cmd"))).body)
    dispatch(app, interactive_body(block_actions(element(asked["blocks"], ids.ACTION_REQUEST_QUOTE))))
    [opened] = fake.wait_for("views.open")
    meta = {**json.loads(opened.params["view"]["private_metadata"]), "lang": "xx"}
    view = {**opened.params["view"], "private_metadata": json.dumps(meta)}
    response = dispatch(app, interactive_body(view_submission(view, {**QUOTE_ANSWERS, ids.BLOCK_QUOTE_TIMELINE: ""})))
    assert json.loads(response.body)["errors"] == {ids.BLOCK_QUOTE_TIMELINE: t("de", "err_timeline")}
    assert store.quotes.find() == []


# --- who may click without configured reviewers ----------------------------------------------------------------


def test_without_reviewers_only_members_of_the_quotes_channel_may_change_a_status(open_app, fake, store):
    fake.channel_members["C0QUOTES"] = ["U0STAFFER", "U0OTHER"]
    quote = request_quote(open_app, fake, store)
    click(open_app, fake, quote, "declined", f"{quote.ref}:new", user="U0CUSTOMER", name="outsider")
    [told] = answers_to(fake, "outsider")
    assert told.params["text"] == t("en", "quote_status_staff_only")
    assert store.quotes.get(quote.ref).status == "new" and fake.calls_to("chat.update") == []
    [asked] = fake.calls_to("conversations.members")
    assert asked.params["channel"] == "C0QUOTES"

    decide(open_app, fake, quote, "feasible", f"{quote.ref}:new", user="U0STAFFER", notices=1)
    [update] = fake.wait_for("chat.update")
    assert "*Status:* feasible (by <@U0STAFFER>)" in rendered_text(update.params["blocks"])
    assert store.quotes.get(quote.ref).decided_by == "U0STAFFER"
    assert len(fake.calls_to("conversations.members")) == 1  # the second click was answered from the cache


def test_without_reviewers_a_click_slack_cannot_check_is_refused_with_a_message(open_app, fake, store):
    fake.channel_members["C0QUOTES"] = ["U0STAFFER"]
    quote = request_quote(open_app, fake, store)
    fake.fail("conversations.members", times=5)  # more than the client's own retries
    click(open_app, fake, quote, "feasible", f"{quote.ref}:new", user="U0STAFFER", name="down")
    [told] = answers_to(fake, "down")
    assert told.params["text"] == (
        "I could not check with Slack whether you may change quote requests, so nothing was changed. "
        "Please try again in a moment."
    )
    assert store.quotes.get(quote.ref).status == "new"
    assert status_notices(fake, quote) == [] and fake.calls_to("chat.update") == []

    fake.fail("conversations.members", times=0)  # Slack is back: the next click asks again and applies
    decide(open_app, fake, quote, "feasible", f"{quote.ref}:new", user="U0STAFFER", notices=1)
    assert store.quotes.get(quote.ref).decided_by == "U0STAFFER"
