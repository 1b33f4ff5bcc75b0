"""bot.services.quotes: validating the quote form field by field, and storing requests and status changes
together with the calls that announce them, in one transaction (real SQLite)."""

import pytest

from bot.db import OutboxCall
from bot.errors import ValidationError
from bot.services.quotes import (
    QuoteForm,
    change_quote_status,
    note_delivery,
    quote_draft,
    store_quote,
    validate_quote_form,
)
from bot.services.triage import triage_message
from tests.support.outbox import claim_all

pytestmark = pytest.mark.postgres  # each test that uses a database runs on SQLite and on PostgreSQL

VALID = {
    "what": "  Please install PyTorch and JupyterLab on our H100 VM  ",
    "product": "cloudgpu",
    "timeline": " next week ",
    "contact": " ops@example.com ",
}


def errors_of(values, catalog):
    with pytest.raises(ValidationError) as caught:
        validate_quote_form(**values, catalog=catalog)
    return caught.value.fields


def test_valid_form_is_returned_stripped(catalog):
    assert validate_quote_form(**VALID, catalog=catalog) == QuoteForm(
        what="Please install PyTorch and JupyterLab on our H100 VM",
        product="cloudgpu",
        timeline="next week",
        contact="ops@example.com",
    )


def test_empty_form_names_every_field_with_the_key_of_its_message(catalog):
    assert errors_of(dict.fromkeys(VALID, ""), catalog) == {
        "what": "err_what",
        "product": "err_product",
        "timeline": "err_timeline",
        "contact": "err_contact",
    }


@pytest.mark.parametrize(
    ("field", "bad_value"),
    [
        ("what", "too short"),
        ("what", "   short        "),
        ("product", "aws"),
        ("product", ""),
        ("timeline", "   "),
        ("contact", "call me"),
        ("contact", "ops@localhost"),
        ("contact", "12 34"),
    ],
)
def test_one_bad_field_is_the_only_error(field, bad_value, catalog):
    assert list(errors_of({**VALID, field: bad_value}, catalog)) == [field]


@pytest.mark.parametrize(
    "contact", ["ops@example.com", "Jane <jane.doe@firma.de>", "+49 911 123456", "0911/123-456", "(0911) 12345"]
)
def test_email_addresses_and_phone_numbers_are_accepted_as_contact(contact, catalog):
    assert validate_quote_form(**{**VALID, "contact": contact}, catalog=catalog).contact == contact


def test_every_catalog_product_is_accepted(catalog):
    for product in catalog.products:
        assert validate_quote_form(**{**VALID, "product": product.id}, catalog=catalog).product == product.id


# --- storing and announcing ----------------------------------------------------------------------------------


def announce(quote):
    """Announcements as plain calls, built from the stored request (the Slack layer builds Block Kit here)."""
    return [
        OutboxCall(
            method="chat.postMessage", payload={"text": f"staff {quote.ref} {quote.status}"}, purpose="quote_staff_post"
        ),
        OutboxCall(method="chat.postMessage", payload={"text": f"confirm {quote.ref}"}, purpose="quote_confirmation"),
    ]


def submit(store, catalog, *, key="view:V1", lang="en", announce=announce):
    return store_quote(
        store,
        form=validate_quote_form(**VALID, catalog=catalog),
        requester_id="U0REQ",
        origin_channel_id="C0SUPPORT",
        original_text="Please install PyTorch",
        detected_label="cloudgpu.third_party_frameworks",
        lang=lang,
        submission_key=key,
        announce=announce,
    )


def queued(store):
    return [(i.purpose, i.payload["text"], i.purpose_id) for i in claim_all(store.outbox, lease_seconds=30)]


def test_a_new_request_is_stored_with_its_announcements_and_a_repeat_queues_nothing(store, catalog):
    quote, created = submit(store, catalog)
    assert created and quote.ref.startswith("Q-") and quote.status == "new"
    again, created = submit(store, catalog)
    assert (again.id, created) == (quote.id, False)
    assert queued(store) == [
        ("quote_staff_post", f"staff {quote.ref} new", quote.id),
        ("quote_confirmation", f"confirm {quote.ref}", quote.id),
    ]


def test_a_request_whose_announcements_fail_to_build_is_not_stored(store, catalog):
    def broken(quote):
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        submit(store, catalog, announce=broken)
    assert store.quotes.find() == [] and store.outbox.pending_count() == 0


def test_a_status_change_queues_announcements_of_the_updated_request_once(store, catalog):
    quote, _ = submit(store, catalog, announce=lambda q: [])
    decision = change_quote_status(
        store, ref=quote.ref.lower(), status="declined", expected="new", staff_user="U0STAFF", announce=announce
    )
    assert decision.changed and (decision.quote.status, decision.quote.decided_by) == ("declined", "U0STAFF")
    again = change_quote_status(
        store, ref=quote.ref, status="declined", expected="declined", staff_user="U0OTHER", announce=announce
    )
    assert not again.changed
    assert queued(store) == [
        ("quote_staff_post", f"staff {quote.ref} declined", quote.id),
        ("quote_confirmation", f"confirm {quote.ref}", quote.id),
    ]
    assert store.quotes.get(quote.ref).decided_by == "U0STAFF"


def decide(store, quote, status, *, expected, user="U0STAFF"):
    return change_quote_status(
        store, ref=quote.ref, status=status, expected=expected, staff_user=user, announce=announce
    )


def test_a_decision_applies_only_while_the_request_shows_the_status_the_clicker_saw(store, catalog):
    quote, _ = submit(store, catalog, announce=lambda q: [])
    first = decide(store, quote, "feasible", expected="new")
    assert first.changed and store.outbox.pending_count() == 2
    replay = decide(store, quote, "feasible", expected="new")  # the same click again
    stale = decide(store, quote, "declined", expected="new", user="U0LATE")  # another button of the old post
    for outcome in (replay, stale):
        assert not outcome.changed
        assert (outcome.quote.status, outcome.quote.decided_by) == ("feasible", "U0STAFF")  # what the clicker is told
    assert store.outbox.pending_count() == 2  # nothing announced again
    follow_up = decide(store, quote, "quote_sent", expected="feasible", user="U0LATE")  # from the updated post
    assert follow_up.changed and (follow_up.quote.status, follow_up.quote.decided_by) == ("quote_sent", "U0LATE")
    assert [h.status for h in store.quotes.history(quote.id)] == ["new", "feasible", "quote_sent"]


@pytest.mark.parametrize(
    ("status", "expected", "key"),
    [
        ("new", "feasible", "quote_status_not_new"),
        ("new", "new", "quote_status_not_new"),
        ("maybe", "new", "quote_status_invalid"),
        ("feasible", "maybe", "quote_status_invalid"),
        ("feasible", "", "quote_status_invalid"),
    ],
)
def test_a_status_staff_cannot_choose_is_refused_and_changes_nothing(status, expected, key, store, catalog):
    quote, _ = submit(store, catalog, announce=lambda q: [])
    decide(store, quote, "declined", expected="new")
    with pytest.raises(ValidationError) as caught:
        decide(store, quote, status, expected=expected)
    assert caught.value.fields == {"status": key}
    assert store.quotes.get(quote.ref).status == "declined"
    assert [h.status for h in store.quotes.history(quote.id)] == ["new", "declined"]


def test_a_delivered_staff_post_is_remembered_on_its_request_and_other_calls_are_not(store, catalog):
    quote, _ = submit(store, catalog)
    staff_post, confirmation = claim_all(store.outbox, lease_seconds=30)
    note_delivery(store, confirmation, {"channel": "D0REQ", "ts": "1.1"})
    assert store.quotes.get(quote.ref).staff_message_ts is None
    note_delivery(store, staff_post, {"channel": "C0QUOTES", "ts": "1700000000.000100"})
    stored = store.quotes.get(quote.ref)
    assert (stored.staff_channel_id, stored.staff_message_ts) == ("C0QUOTES", "1700000000.000100")


def test_a_draft_starts_from_the_answered_message_and_its_row(store, catalog, classifier):
    triage = triage_message(
        "Könnt ihr uns Ollama auf die H100 packen?", classifier=classifier, catalog=catalog, store=store, source="test"
    )
    draft = quote_draft(store, triage.verdict_id)
    assert (draft.original_text, draft.detected_label, draft.lang) == (triage.text, triage.prediction.label, "de")
