"""bot.quotes: validating the quote modal, field by field (errors keyed by the modal's block ids), and storing
requests and status changes together with their Slack announcements (real SQLite, the local fake Slack)."""

import pytest
from slack_sdk import WebClient

from bot import blocks
from bot.errors import ValidationError
from bot.outbox import Outbox
from bot.quotes import (
    QuoteForm,
    change_quote_status,
    deliver_quote_calls,
    quote_announcements,
    store_quote,
    validate_quote_form,
)
from bot.store import Store
from bot.texts import t
from support.blockkit import rendered_text
from support.slack_requests import BOT_TOKEN

VALID = {
    blocks.BLOCK_QUOTE_WHAT: "  Please install PyTorch and JupyterLab on our H100 VM  ",
    blocks.BLOCK_QUOTE_PRODUCT: "cloudgpu",
    blocks.BLOCK_QUOTE_TIMELINE: " next week ",
    blocks.BLOCK_QUOTE_CONTACT: " ops@example.com ",
}


def errors_of(values, catalog, lang="en"):
    with pytest.raises(ValidationError) as caught:
        validate_quote_form(values, catalog=catalog, lang=lang)
    return caught.value.fields


def test_valid_form_is_returned_stripped(catalog):
    assert validate_quote_form(VALID, catalog=catalog, lang="en") == QuoteForm(
        what="Please install PyTorch and JupyterLab on our H100 VM",
        product="cloudgpu",
        timeline="next week",
        contact="ops@example.com",
    )


@pytest.mark.parametrize("lang", ["en", "de"])
def test_empty_form_names_every_block_in_the_users_language(lang, catalog):
    assert errors_of({}, catalog, lang) == {
        blocks.BLOCK_QUOTE_WHAT: t(lang, "err_what"),
        blocks.BLOCK_QUOTE_PRODUCT: t(lang, "err_product"),
        blocks.BLOCK_QUOTE_TIMELINE: t(lang, "err_timeline"),
        blocks.BLOCK_QUOTE_CONTACT: t(lang, "err_contact"),
    }


@pytest.mark.parametrize(
    ("block_id", "bad_value"),
    [
        (blocks.BLOCK_QUOTE_WHAT, "too short"),
        (blocks.BLOCK_QUOTE_WHAT, "   short        "),
        (blocks.BLOCK_QUOTE_PRODUCT, "aws"),
        (blocks.BLOCK_QUOTE_PRODUCT, ""),
        (blocks.BLOCK_QUOTE_TIMELINE, "   "),
        (blocks.BLOCK_QUOTE_CONTACT, "call me"),
        (blocks.BLOCK_QUOTE_CONTACT, "ops@localhost"),
        (blocks.BLOCK_QUOTE_CONTACT, "12 34"),
    ],
)
def test_one_bad_field_is_the_only_error(block_id, bad_value, catalog):
    assert list(errors_of({**VALID, block_id: bad_value}, catalog)) == [block_id]


@pytest.mark.parametrize(
    "contact", ["ops@example.com", "Jane <jane.doe@firma.de>", "+49 911 123456", "0911/123-456", "(0911) 12345"]
)
def test_email_addresses_and_phone_numbers_are_accepted_as_contact(contact, catalog):
    assert (
        validate_quote_form({**VALID, blocks.BLOCK_QUOTE_CONTACT: contact}, catalog=catalog, lang="en").contact
        == contact
    )


def test_every_catalog_product_is_accepted(catalog):
    for product in catalog.products:
        assert (
            validate_quote_form({**VALID, blocks.BLOCK_QUOTE_PRODUCT: product.id}, catalog=catalog, lang="en").product
            == product.id
        )


# --- storing and announcing ----------------------------------------------------------------------------------


@pytest.fixture
def outbox(store, fake):
    return Outbox(store, WebClient(token=BOT_TOKEN, base_url=fake.api_url), retry_seconds=0.05)


def submit(store, catalog, *, key="view:V1", lang="en"):
    return store_quote(
        store=store,
        form=validate_quote_form(VALID, catalog=catalog, lang=lang),
        requester_id="U0REQ",
        origin_channel_id="C0SUPPORT",
        original_text="Please install PyTorch",
        detected_label="cloudgpu.third_party_frameworks",
        lang=lang,
        submission_key=key,
        announcements=quote_announcements(catalog=catalog, quotes_channel="C0QUOTES"),
    )


def test_a_stored_request_is_announced_even_if_the_process_dies_before_sending(store, catalog, fake, tmp_path):
    quote, created = submit(store, catalog)
    assert created and store.pending_outbox_count() == 2
    assert fake.calls == []
    store.close()  # the worker dies here, between storing and sending

    restarted = Store.open(f"sqlite:///{tmp_path / 'scope-bot.db'}")
    try:
        assert Outbox(restarted, WebClient(token=BOT_TOKEN, base_url=fake.api_url)).flush() == 2  # the periodic retry
        staff_post, confirmation = fake.calls_to("chat.postMessage")
        assert staff_post.params["channel"] == "C0QUOTES" and quote.ref in staff_post.params["text"]
        assert staff_post.params["blocks"] == blocks.quote_staff_blocks(quote, catalog=catalog)
        assert confirmation.params == {"channel": "U0REQ", "text": t("en", "quote_confirm", ref=quote.ref)}
        assert restarted.quote(quote.ref).staff_message_ts
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
    posted = store.quote(quote.ref)

    decided, changed = change_quote_status(
        store=store, catalog=catalog, ref=quote.ref, status="feasible", staff_user="U0STAFF"
    )
    assert changed and store.pending_outbox_count() == 2  # queued with the change itself
    assert deliver_quote_calls(outbox, decided) == 2
    [update] = fake.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (posted.staff_channel_id, posted.staff_message_ts)
    assert "*Status:* feasible (by <@U0STAFF>)" in rendered_text(update.params["blocks"])
    notice = fake.calls_to("chat.postMessage")[-1]
    assert notice.params == {"channel": "U0REQ", "text": blocks.quote_status_update(decided)}

    _, changed = change_quote_status(
        store=store, catalog=catalog, ref=quote.ref, status="feasible", staff_user="U0OTHER"
    )
    assert not changed and store.pending_outbox_count() == 0
    assert store.quote(quote.ref).decided_by == "U0STAFF"


def test_a_status_change_before_the_staff_post_landed_only_notifies_the_requester(store, catalog, fake, outbox):
    quote, _ = submit(store, catalog)  # not delivered: no staff post to update yet
    decided, changed = change_quote_status(
        store=store, catalog=catalog, ref=quote.ref, status="declined", staff_user="U0STAFF"
    )
    assert changed
    purposes = [i.purpose for i in store.claim_due_outbox(lease_seconds=30)]
    assert purposes == ["quote_staff_post", "quote_confirmation", "quote_status_notice"]
