"""Quote requests: validate the form; store each request or status change together with its Slack announcements
(outbox rows, one transaction), then deliver them at once; the outbox retries what Slack did not take."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from bot import blocks
from bot.errors import ValidationError
from bot.outbox import Outbox
from bot.store import Announcements, OutboxCall, QuoteRequest, Store
from bot.texts import t
from model.catalog import Catalog

# Every outbox purpose of a quote request; their purpose_id is the request's id.
QUOTE_PURPOSES = ("quote_staff_post", "quote_confirmation", "quote_staff_update", "quote_status_notice")

_CONTACT = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+|\+?[\d][\d\s()/\-]{5,}")


@dataclass(frozen=True)
class QuoteForm:
    what: str
    product: str
    timeline: str
    contact: str


def validate_quote_form(values: Mapping[str, str], *, catalog: Catalog, lang: str) -> QuoteForm:
    """Check the modal's fields; ValidationError.fields maps block_id -> message for `response_action: errors`."""
    errors: dict[str, str] = {}
    what = (values.get(blocks.BLOCK_QUOTE_WHAT) or "").strip()
    product = (values.get(blocks.BLOCK_QUOTE_PRODUCT) or "").strip()
    timeline = (values.get(blocks.BLOCK_QUOTE_TIMELINE) or "").strip()
    contact = (values.get(blocks.BLOCK_QUOTE_CONTACT) or "").strip()
    if len(what) < 10:
        errors[blocks.BLOCK_QUOTE_WHAT] = t(lang, "err_what")
    if product not in {p.id for p in catalog.products}:
        errors[blocks.BLOCK_QUOTE_PRODUCT] = t(lang, "err_product")
    if not timeline:
        errors[blocks.BLOCK_QUOTE_TIMELINE] = t(lang, "err_timeline")
    if not _CONTACT.search(contact):
        errors[blocks.BLOCK_QUOTE_CONTACT] = t(lang, "err_contact")
    if errors:
        raise ValidationError("quote request form is incomplete", errors)
    return QuoteForm(what=what, product=product, timeline=timeline, contact=contact)


def store_quote(
    *,
    store: Store,
    form: QuoteForm,
    requester_id: str,
    origin_channel_id: str | None,
    original_text: str,
    detected_label: str | None,
    lang: str,
    submission_key: str,
    announcements: Announcements | None = None,
) -> tuple[QuoteRequest, bool]:
    """Store the request durably with its reference and the `announcements` (see quote_announcements) in one
    transaction; (request, created). A repeated submission_key returns it and queues nothing."""
    return store.create_quote(
        submission_key=submission_key,
        announcements=announcements,
        requester_id=requester_id,
        origin_channel_id=origin_channel_id,
        original_text=original_text,
        detected_label=detected_label,
        product=form.product,
        what=form.what,
        timeline=form.timeline,
        contact=form.contact,
        lang=lang,
    )


def quote_announcements(*, catalog: Catalog, quotes_channel: str) -> Announcements:
    """The calls announcing a new request: the post to the staff channel and the confirmation to the requester."""

    def build(quote: QuoteRequest) -> list[OutboxCall]:
        return [
            {
                "method": "chat.postMessage",
                "payload": {
                    "channel": quotes_channel,
                    "text": blocks.quote_staff_text(quote),
                    "blocks": blocks.quote_staff_blocks(quote, catalog=catalog),
                },
                "purpose": "quote_staff_post",
            },
            {
                "method": "chat.postMessage",
                "payload": {"channel": quote.requester_id, "text": blocks.quote_confirmation(quote)},
                "purpose": "quote_confirmation",
            },
        ]

    return build


def status_announcements(*, catalog: Catalog) -> Announcements:
    """The calls announcing a new status: update the staff post (once it exists) and tell the requester."""

    def build(quote: QuoteRequest) -> list[OutboxCall]:
        calls: list[OutboxCall] = []
        if quote.staff_channel_id and quote.staff_message_ts:
            calls.append(
                {
                    "method": "chat.update",
                    "payload": {
                        "channel": quote.staff_channel_id,
                        "ts": quote.staff_message_ts,
                        "text": blocks.quote_staff_text(quote),
                        "blocks": blocks.quote_staff_blocks(quote, catalog=catalog),
                    },
                    "purpose": "quote_staff_update",
                }
            )
        calls.append(
            {
                "method": "chat.postMessage",
                "payload": {"channel": quote.requester_id, "text": blocks.quote_status_update(quote)},
                "purpose": "quote_status_notice",
            }
        )
        return calls

    return build


def change_quote_status(
    *, store: Store, catalog: Catalog, ref: str, status: str, staff_user: str
) -> tuple[QuoteRequest, bool]:
    """Staff decision: store it with the staff post update and the requester's notice queued; (request, changed).
    A repeated decision (a double click) changes and queues nothing."""
    return store.set_quote_status(
        ref, status=status, user_id=staff_user, announcements=status_announcements(catalog=catalog)
    )


def deliver_quote_calls(outbox: Outbox, quote: QuoteRequest) -> int:
    """Send the due queued Slack calls of one quote request now; what fails stays for the periodic retry."""
    return outbox.flush(purpose_id=quote.id, purposes=QUOTE_PURPOSES)


def quote_summary(quote: QuoteRequest) -> dict[str, Any]:
    """The fields staff see in `quotes list`."""
    return {
        k: getattr(quote, k) for k in ("ref", "created_at", "status", "product", "requester_id", "timeline", "contact")
    }
