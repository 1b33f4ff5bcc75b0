"""Quote modal submitted: show validation errors in the modal, or store the request with its announcements,
close the modal, then send the announcements (staff post, confirmation)."""

from __future__ import annotations

from typing import Any

from bot.errors import ValidationError
from bot.services.quotes import quote_draft, store_quote, validate_quote_form
from bot.slack.announcements import deliver_quote_calls, new_quote_calls
from bot.slack.deps import deps_of
from bot.slack.payloads import private_metadata, user_id, view_values
from bot.slack.texts import known_lang
from bot.slack.ui.quotes import form_errors, form_fields


def handle(ack: Any, body: dict, view: dict, context: Any) -> None:
    """Validate the modal, store the request with its announcements, close the modal, then send them."""
    deps = deps_of(context)
    meta = private_metadata(view)
    part = meta.get("part") if isinstance(meta.get("part"), int) else None
    draft = quote_draft(deps.store, int(meta["verdict_id"]), part=part) if meta.get("verdict_id") else None
    # private_metadata comes back from the client: a language the bot does not speak (a forged one would break
    # every later message to the requester) falls back to the language detected for the answered message.
    lang = known_lang(meta.get("lang"), default=draft.lang if draft else "en")
    try:
        form = validate_quote_form(**form_fields(view_values(view)), catalog=deps.catalog)
    except ValidationError as exc:
        ack(response_action="errors", errors=form_errors(exc.fields, lang=lang))
        return
    # Stored before the modal closes, with its announcements in the same transaction: once the user sees it
    # accepted, the request exists and staff will hear of it even if this process dies right after.
    quote, _ = store_quote(
        deps.store,
        form=form,
        requester_id=user_id(body),
        origin_channel_id=meta.get("channel_id"),
        original_text=draft.original_text if draft else form.what,
        detected_label=draft.detected_label if draft else None,
        lang=lang,
        submission_key=f"view:{view['id']}",
        announce=new_quote_calls(catalog=deps.catalog, quotes_channel=deps.settings.quotes_channel),
    )
    ack()
    # Also for a repeated submission: if the first handler died before sending, this sends it; the outbox's
    # claims keep a call that is being sent elsewhere from going out twice.
    deliver_quote_calls(deps.outbox, quote)
