"""bot.slack.announcements: a quote request's staff post, confirmation and status notices, queued with the
request and delivered through the outbox (real SQLite, the local fake Slack)."""

import pytest
from slack_sdk import WebClient

from bot.db import Store
from bot.services.quotes import QuoteForm, change_quote_status, store_quote
from bot.settings import Settings
from bot.slack.announcements import deliver_quote_calls, make_outbox, new_quote_calls, status_calls
from bot.slack.texts import t
from bot.slack.ui import quotes as quote_ui
from tests.support.blockkit import rendered_text
from tests.support.outbox import claim_all
from tests.support.slack_requests import BOT_TOKEN

FORM = QuoteForm(
    what="Please install PyTorch and JupyterLab on our H100 VM",
    product="cloudgpu",
    timeline="next week",
    contact="ops@example.com",
)


def fast(fake):
    return Settings(outbox_retry_seconds=0.05, channel_pace_seconds=0, slack_api_url=fake.api_url)


@pytest.fixture
def outbox(store, fake):
    return make_outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), settings=fast(fake))


def submit(store, catalog, *, key="view:V1", lang="en"):
    return store_quote(
        store,
        form=FORM,
        requester_id="U0REQ",
        origin_channel_id="C0SUPPORT",
        original_text="Please install PyTorch",
        detected_label="cloudgpu.third_party_frameworks",
        lang=lang,
        submission_key=key,
        announce=new_quote_calls(catalog=catalog, quotes_channel="C0QUOTES"),
    )


def test_a_stored_request_is_announced_even_if_the_process_dies_before_sending(store, catalog, fake, tmp_path):
    quote, created = submit(store, catalog)
    assert created and store.outbox.pending_count() == 2
    assert fake.calls == []
    store.close()  # the worker dies here, between storing and sending

    restarted = Store.open(f"sqlite:///{tmp_path / 'scope-bot.db'}")
    try:
        client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
        assert make_outbox(restarted, client, settings=fast(fake)).flush() == 2  # the periodic retry
        staff_post, confirmation = fake.calls_to("chat.postMessage")
        assert staff_post.params["channel"] == "C0QUOTES" and quote.ref in staff_post.params["text"]
        assert staff_post.params["blocks"] == quote_ui.quote_staff_blocks(quote, catalog=catalog)
        assert confirmation.untagged == {"channel": "U0REQ", "text": t("en", "quote_confirm", ref=quote.ref)}
        assert restarted.quotes.get(quote.ref).staff_message_ts
    finally:
        restarted.close()


def test_a_stored_request_is_delivered_at_once_and_a_repeat_sends_nothing_again(store, catalog, fake, outbox):
    quote, _ = submit(store, catalog, lang="de")
    assert deliver_quote_calls(outbox, quote) == 2
    again, created = submit(store, catalog, lang="de")
    assert (again.id, created) == (quote.id, False)
    assert deliver_quote_calls(outbox, again) == 0
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == ["C0QUOTES", "U0REQ"]
    assert fake.calls_to("chat.postMessage")[1].params["text"] == t("de", "quote_confirm", ref=quote.ref)


def test_a_status_change_updates_the_staff_post_and_notifies_the_requester_once(store, catalog, fake, outbox):
    quote, _ = submit(store, catalog)
    deliver_quote_calls(outbox, quote)
    posted = store.quotes.get(quote.ref)

    decision = change_quote_status(
        store,
        ref=quote.ref,
        status="feasible",
        expected="new",
        staff_user="U0STAFF",
        announce=status_calls(catalog=catalog),
    )
    decided = decision.quote
    assert decision.changed and store.outbox.pending_count() == 2  # queued with the change itself
    assert deliver_quote_calls(outbox, decided) == 2
    [update] = fake.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (posted.staff_channel_id, posted.staff_message_ts)
    assert "*Status:* feasible (by <@U0STAFF>)" in rendered_text(update.params["blocks"])
    notice = fake.calls_to("chat.postMessage")[-1]
    assert notice.untagged == {"channel": "U0REQ", "text": quote_ui.quote_status_update(decided)}

    again = change_quote_status(
        store,
        ref=quote.ref,
        status="feasible",
        expected="feasible",
        staff_user="U0OTHER",
        announce=status_calls(catalog=catalog),
    )
    assert not again.changed and store.outbox.pending_count() == 0
    assert store.quotes.get(quote.ref).decided_by == "U0STAFF"


def test_a_status_change_before_the_staff_post_landed_only_notifies_the_requester(store, catalog, fake, outbox):
    quote, _ = submit(store, catalog)  # not delivered: no staff post to update yet
    decision = change_quote_status(
        store,
        ref=quote.ref,
        status="declined",
        expected="new",
        staff_user="U0STAFF",
        announce=status_calls(catalog=catalog),
    )
    assert decision.changed
    purposes = [i.purpose for i in claim_all(store.outbox, lease_seconds=30)]
    assert purposes == ["quote_staff_post", "quote_confirmation", "quote_status_notice"]


def test_the_bots_outbox_remembers_where_a_staff_post_landed(store, catalog, fake, outbox):
    quote, _ = submit(store, catalog)
    assert store.quotes.get(quote.ref).staff_message_ts is None
    assert deliver_quote_calls(outbox, quote) == 2
    staff_post = fake.calls_to("chat.postMessage")[0]
    stored = store.quotes.get(quote.ref)
    assert stored.staff_channel_id == staff_post.params["channel"] == "C0QUOTES" and stored.staff_message_ts
