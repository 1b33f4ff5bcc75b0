"""Quote requests: validate the form, store first, then post to staff and notify the requester (via the outbox)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from bot import blocks
from bot.errors import ValidationError
from bot.outbox import Outbox
from bot.store import QuoteRequest, Store
from bot.texts import t
from model.catalog import Catalog

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
) -> tuple[QuoteRequest, bool]:
    """Store the request durably with its reference; (request, created). A repeated submission_key returns it."""
    return store.create_quote(
        submission_key=submission_key,
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


def announce_quote(*, outbox: Outbox, catalog: Catalog, quote: QuoteRequest, quotes_channel: str) -> None:
    """Post a stored request to the staff channel and confirm it to the requester (retried if Slack fails)."""
    outbox.send(
        "chat.postMessage",
        {"channel": quotes_channel, "text": blocks.quote_staff_text(quote), "blocks": blocks.quote_staff_blocks(quote, catalog=catalog)},
        purpose="quote_staff_post",
        purpose_id=quote.id,
    )
    outbox.send(
        "chat.postMessage",
        {"channel": quote.requester_id, "text": blocks.quote_confirmation(quote)},
        purpose="quote_confirmation",
        purpose_id=quote.id,
    )


def change_quote_status(
    *, store: Store, outbox: Outbox | None, catalog: Catalog, ref: str, status: str, staff_user: str
) -> tuple[QuoteRequest, bool]:
    """Staff decision: store it, update the staff post and tell the requester. (request, changed)."""
    quote, changed = store.set_quote_status(ref, status=status, user_id=staff_user)
    if changed and outbox is not None:
        if quote.staff_channel_id and quote.staff_message_ts:
            outbox.send(
                "chat.update",
                {
                    "channel": quote.staff_channel_id,
                    "ts": quote.staff_message_ts,
                    "text": blocks.quote_staff_text(quote),
                    "blocks": blocks.quote_staff_blocks(quote, catalog=catalog),
                },
                purpose="quote_staff_update",
                purpose_id=quote.id,
            )
        outbox.send(
            "chat.postMessage",
            {"channel": quote.requester_id, "text": blocks.quote_status_update(quote)},
            purpose="quote_status_notice",
            purpose_id=quote.id,
        )
    return quote, changed


def quote_summary(quote: QuoteRequest) -> dict[str, Any]:
    """The fields staff see in `quotes list`."""
    return {k: getattr(quote, k) for k in ("ref", "created_at", "status", "product", "requester_id", "timeline", "contact")}
