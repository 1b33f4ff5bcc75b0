"""Quote requests: validate the form; store each request or status change together with the Slack calls that
announce it (outbox rows, one transaction). The caller says what the announcements are; this knows no Slack."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.db import QUOTE_STATUSES, NewQuote, OutboxCall, OutboxItem, QuoteRequest, Store, Tx
from bot.errors import ValidationError
from model.catalog import Catalog

# Outbox purposes of a quote request's calls; their purpose_id is the request's id.
STAFF_POST = "quote_staff_post"
CONFIRMATION = "quote_confirmation"
STAFF_UPDATE = "quote_staff_update"
STATUS_NOTICE = "quote_status_notice"
QUOTE_PURPOSES = (STAFF_POST, CONFIRMATION, STAFF_UPDATE, STATUS_NOTICE)
# Two submissions racing for the next reference: the loser retries with the number after the winner's.
QUOTE_INSERT_ATTEMPTS = 20
MIN_WHAT_CHARS = 10
# What staff can decide. Nothing sets a request back to "new": "new" means that nobody has decided yet.
DECISIONS = ("feasible", "quote_sent", "accepted", "declined")
# Which decision may follow which status: forward only. "accepted" only once a quote was sent, so every accepted
# quote is a sent one; "accepted" and "declined" are final (the status log keeps every step).
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    "new": ("feasible", "quote_sent", "declined"),
    "feasible": ("quote_sent", "declined"),
    "quote_sent": ("accepted", "declined"),
    "accepted": (),
    "declined": (),
}

_CONTACT = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+|\+?[\d][\d\s()/\-]{5,}")

# The Slack calls announcing a request (new, or with a new status), built from the stored row.
Announce = Callable[[QuoteRequest], Sequence[OutboxCall]]


@dataclass(frozen=True)
class QuoteForm:
    what: str
    product: str
    timeline: str
    contact: str


def validate_quote_form(*, what: str, product: str, timeline: str, contact: str, catalog: Catalog) -> QuoteForm:
    """Check the form's fields; ValidationError.fields maps field name -> text key of the message
    ('err_what', 'err_product', 'err_timeline', 'err_contact')."""
    form = QuoteForm(
        what=(what or "").strip(),
        product=(product or "").strip(),
        timeline=(timeline or "").strip(),
        contact=(contact or "").strip(),
    )
    errors: dict[str, str] = {}
    if len(form.what) < MIN_WHAT_CHARS:
        errors["what"] = "err_what"
    if form.product not in {p.id for p in catalog.products}:
        errors["product"] = "err_product"
    if not form.timeline:
        errors["timeline"] = "err_timeline"
    if not _CONTACT.search(form.contact):
        errors["contact"] = "err_contact"
    if errors:
        raise ValidationError("quote request form is incomplete", errors)
    return form


@dataclass(frozen=True)
class QuoteDraft:
    """What a quote request form starts from: the answered message (or its paid part) and the detected row."""

    verdict_id: int
    part: int | None  # the part of a mixed message the quote is for
    original_text: str
    detected_label: str | None
    lang: str


def quote_draft(store: Store, verdict_id: int, *, part: int | None = None) -> QuoteDraft:
    """The draft for the verdict (or its part) a 'Request a quote' button belongs to; NotFoundError if none."""
    verdict = store.verdicts.get(verdict_id)
    answered = verdict.part(part)
    return QuoteDraft(
        verdict_id=verdict.id,
        part=part,
        original_text=answered.text,
        detected_label=answered.label,
        lang=verdict.lang,
    )


def store_quote(
    store: Store,
    *,
    form: QuoteForm,
    requester_id: str,
    origin_channel_id: str | None,
    original_text: str,
    detected_label: str | None,
    lang: str,
    submission_key: str,
    announce: Announce | None = None,
) -> tuple[QuoteRequest, bool]:
    """Store the request with its reference and queue `announce(request)` in the same transaction;
    (request, created). A repeated submission_key returns the stored request and queues nothing."""
    new = NewQuote(
        requester_id=requester_id,
        origin_channel_id=origin_channel_id,
        original_text=original_text,
        detected_label=detected_label,
        lang=lang,
        **form.__dict__,
    )

    def work(tx: Tx) -> tuple[QuoteRequest, bool]:
        quote, created = tx.quotes.create(new, submission_key=submission_key)
        if created and announce is not None:
            tx.outbox.enqueue_many(announce(quote), purpose_id=quote.id)
        return quote, created

    return store.transact(work, attempts=QUOTE_INSERT_ATTEMPTS)


@dataclass(frozen=True)
class QuoteDecision:
    """The outcome of a staff click: the request as stored now, and whether this click changed it."""

    quote: QuoteRequest
    changed: bool


def change_quote_status(
    store: Store, *, ref: str, status: str, expected: str, staff_user: str, announce: Announce | None = None
) -> QuoteDecision:
    """A staff decision, applied only while the request's status is still `expected` (what the clicked post
    showed), stored with `announce(updated request)` queued. A replayed or stale click changes and queues nothing.

    ValidationError (field "status": text key) for a status staff cannot choose, e.g. back to "new", or one
    that may not follow `expected` (NEXT_STATUSES). The status `expected` itself passes: a replay changes nothing.
    """
    if status not in DECISIONS:
        key = "quote_status_not_new" if status == "new" else "quote_status_invalid"
        raise ValidationError(f"quote status {status!r} cannot be chosen", {"status": key})
    if expected not in QUOTE_STATUSES:
        raise ValidationError(f"unknown quote status {expected!r}", {"status": "quote_status_invalid"})
    if status != expected and status not in NEXT_STATUSES[expected]:
        allowed = ", ".join(NEXT_STATUSES[expected]) or f"none, {expected} is final"
        raise ValidationError(
            f"{ref.strip().upper()} is {expected}; it cannot be set to {status} (allowed: {allowed})",
            {"status": "quote_status_not_allowed"},
        )

    def work(tx: Tx) -> QuoteDecision:
        quote, changed = tx.quotes.set_status(ref, status=status, user_id=staff_user, expected=expected)
        if changed and announce is not None:
            tx.outbox.enqueue_many(announce(quote), purpose_id=quote.id)
        return QuoteDecision(quote=quote, changed=changed)

    return store.transact(work)


def set_quote_status(
    store: Store, *, ref: str, status: str, staff_user: str, announce: Announce | None = None
) -> QuoteDecision:
    """A decision from the command line: by the rules of a click, on the status the request has now.

    Not changed: it had `status` already, or another decision came in between (the returned request says which).
    NotFoundError for an unknown reference, ValidationError as change_quote_status.
    """
    current = store.quotes.get(ref)
    return change_quote_status(
        store, ref=current.ref, status=status, expected=current.status, staff_user=staff_user, announce=announce
    )


def note_delivery(store: Store, item: OutboxItem, response: Mapping[str, Any]) -> None:
    """Outbox delivery hook: remember where a request's staff post landed, to update it on status changes."""
    if item.purpose == STAFF_POST and item.purpose_id is not None:
        store.quotes.set_staff_message(item.purpose_id, channel_id=response["channel"], ts=response["ts"])


def quote_summary(quote: QuoteRequest) -> dict[str, Any]:
    """The fields staff see in `quotes list`."""
    keys = ("ref", "created_at", "status", "product", "requester_id", "timeline", "contact")
    return {k: getattr(quote, k) for k in keys}
