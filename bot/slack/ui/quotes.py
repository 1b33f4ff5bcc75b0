"""Quote requests in Slack: the modal (and its field <-> block mapping), the staff post, the requester's messages."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from bot.db import QuoteRequest
from bot.services.quotes import DECISIONS, NEXT_STATUSES, QuoteDraft
from bot.slack.texts import QUOTE_STATUS_LABEL, echo, escape, excerpt, status_label, t
from bot.slack.ui.elements import button, context, header, mrkdwn, plain, section
from bot.slack.ui.ids import (
    ACTION_QUOTE_STATUS,
    BLOCK_QUOTE_CONTACT,
    BLOCK_QUOTE_PRODUCT,
    BLOCK_QUOTE_STAFF,
    BLOCK_QUOTE_TIMELINE,
    BLOCK_QUOTE_WHAT,
    CALLBACK_QUOTE_MODAL,
    INPUT_ACTION,
    quote_status_value,
)
from model.catalog import NONE_LABEL, Catalog

STAFF_STATUSES = DECISIONS  # every status a staff button can set; a post shows those NEXT_STATUSES allows
BUTTON_STYLES = {"feasible": "primary", "accepted": "primary", "declined": "danger"}
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
# The quote form's fields (bot.services.quotes.validate_quote_form) and the modal's input blocks.
FIELD_BLOCKS = {
    "what": BLOCK_QUOTE_WHAT,
    "product": BLOCK_QUOTE_PRODUCT,
    "timeline": BLOCK_QUOTE_TIMELINE,
    "contact": BLOCK_QUOTE_CONTACT,
}
TITLE_CHARS = 24  # Slack's limit for a modal's title and buttons


def form_fields(values: Mapping[str, str]) -> dict[str, str]:
    """Submitted modal values (block_id -> value) as the quote form's fields (field name -> value)."""
    return {field: values.get(block_id, "") for field, block_id in FIELD_BLOCKS.items()}


def form_errors(fields: Mapping[str, str], *, lang: str) -> dict[str, str]:
    """ValidationError.fields (field name -> text key) as `response_action: errors` wants them."""
    return {FIELD_BLOCKS[field]: t(lang, key) for field, key in fields.items()}


def _text_input(block_id: str, label: str, **element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {"type": "plain_text_input", "action_id": INPUT_ACTION, **element},
    }


def quote_modal(*, catalog: Catalog, draft: QuoteDraft, private_metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The 'Request a quote' modal, prefilled with the original message and the detected row."""
    lang = draft.lang
    product_options = [{"text": plain(p.name), "value": p.id} for p in catalog.products]
    label = draft.detected_label
    detected = catalog.row(label) if label and label != NONE_LABEL else None
    product_select: dict[str, Any] = {"type": "static_select", "action_id": INPUT_ACTION, "options": product_options}
    if detected:
        product_select["initial_option"] = next(o for o in product_options if o["value"] == detected.product)
    blocks = [section(f"*{t(lang, 'quote_original')}:*\n> " + excerpt(draft.original_text, limit=1500, lang=lang))]
    if detected:
        product_name = catalog.product(detected.product).name
        blocks.append(context(f"{t(lang, 'quote_detected')}: {detected.title(lang)} ({product_name})"))
    blocks += [
        _text_input(
            BLOCK_QUOTE_WHAT,
            t(lang, "quote_what"),
            multiline=True,
            max_length=3000,
            initial_value=html.unescape(draft.original_text)[:3000],
        ),
        {
            "type": "input",
            "block_id": BLOCK_QUOTE_PRODUCT,
            "label": plain(t(lang, "quote_product")),
            "element": product_select,
        },
        _text_input(BLOCK_QUOTE_TIMELINE, t(lang, "quote_timeline"), max_length=200),
        _text_input(BLOCK_QUOTE_CONTACT, t(lang, "quote_contact"), max_length=200),
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_QUOTE_MODAL,
        "title": plain(t(lang, "quote_modal_title"), TITLE_CHARS),
        "submit": plain(t(lang, "quote_submit"), TITLE_CHARS),
        "close": plain(t(lang, "quote_cancel"), TITLE_CHARS),
        "private_metadata": json.dumps(dict(private_metadata))[:3000],
        "blocks": blocks,
    }


def quote_staff_text(quote: QuoteRequest) -> str:
    """Fallback text of the staff post."""
    return f"Quote request {quote.ref} ({quote.product}) from <@{quote.requester_id}>: status {quote.status}"


def _who(user: str) -> str:
    """Who decided, for mrkdwn: a mention of a Slack user, else the name as written (e.g. "cli")."""
    return f"<@{user}>" if _SLACK_USER.fullmatch(user) else escape(user)


def quote_staff_blocks(quote: QuoteRequest, *, catalog: Catalog) -> list[dict[str, Any]]:
    """The staff channel post of a quote request, with a button for each status that may follow its own (none
    once it is accepted or declined)."""
    row = catalog.row(quote.detected_label) if quote.detected_label else None
    decided = f" (by {_who(quote.decided_by)})" if quote.decided_by and quote.status != "new" else ""
    fields = [
        f"*Requester:* <@{quote.requester_id}>",
        f"*Product:* {catalog.product(quote.product).name}",
        f"*Detected row:* {row.title_en if row else '—'}",
        f"*Timeline:* {echo(quote.timeline)}",
        f"*Contact:* {echo(quote.contact)}",
        f"*Status:* {QUOTE_STATUS_LABEL['en'][quote.status]}{decided}",
    ]
    buttons = [
        button(
            QUOTE_STATUS_LABEL["en"][s].capitalize(),
            action_id=f"{ACTION_QUOTE_STATUS}:{s}",
            # The status shown now travels with the click: a click on this post once it is stale changes nothing.
            value=quote_status_value(quote.ref, quote.status),
            style=BUTTON_STYLES.get(s),
        )
        for s in NEXT_STATUSES.get(quote.status, ())
    ]
    blocks = [
        header(f"Quote request {quote.ref}"),
        {"type": "section", "fields": [mrkdwn(f) for f in fields]},
        section("*What should be done:*\n" + excerpt(quote.what, limit=2500, lang="en")),
        context("Original message: " + excerpt(quote.original_text, limit=1000, lang="en")),
    ]
    if buttons:  # Slack refuses an actions block without elements
        blocks.append({"type": "actions", "block_id": f"{BLOCK_QUOTE_STAFF}:{quote.ref}", "elements": buttons})
    return blocks


def quote_confirmation(quote: QuoteRequest) -> str:
    """Message to the requester that the request is stored, with its reference."""
    return t(quote.lang, "quote_confirm", ref=quote.ref)


def quote_status_update(quote: QuoteRequest) -> str:
    """Message to the requester when staff change the status; an accepted quote is thanked for."""
    if quote.status == "accepted":
        return t(quote.lang, "quote_accepted", ref=quote.ref)
    return t(quote.lang, "quote_status_changed", ref=quote.ref, status=status_label(quote.lang, quote.status))


def quote_status_unchanged(quote: QuoteRequest) -> str:
    """Message to staff whose click came too late: the status the request has now, and who decided it."""
    by = ""
    if quote.decided_by and quote.status != "new":
        by = t("en", "quote_status_by", user=_who(quote.decided_by))
    return t("en", "quote_status_already", ref=quote.ref, status=status_label("en", quote.status), by=by)


def quote_status_refused(key: str, *, shown: str, status: str) -> str:
    """Message to staff whose click was refused (ValidationError's text key): for a status that may not follow
    the one the post showed, both named."""
    if key == "quote_status_not_allowed":
        return t("en", key, shown=status_label("en", shown), status=status_label("en", status))
    return t("en", key)
