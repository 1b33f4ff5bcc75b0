"""Quote modal submitted: show validation errors in the modal, or store the request, post it and confirm."""

from __future__ import annotations

from typing import Any

from bot.deps import deps_of
from bot.errors import ValidationError
from bot.payloads import private_metadata, user_id, view_values
from bot.quotes import submit_quote, validate_quote_form


def handle(ack: Any, body: dict, view: dict, context: Any) -> None:
    deps = deps_of(context)
    meta = private_metadata(view)
    lang = meta.get("lang", "en")
    try:
        form = validate_quote_form(view_values(view), catalog=deps.catalog, lang=lang)
    except ValidationError as exc:
        ack(response_action="errors", errors=exc.fields)
        return
    ack()
    verdict = deps.store.verdict(int(meta["verdict_id"])) if meta.get("verdict_id") else {}
    submit_quote(
        store=deps.store,
        outbox=deps.outbox,
        catalog=deps.catalog,
        form=form,
        requester_id=user_id(body),
        origin_channel_id=meta.get("channel_id"),
        original_text=verdict.get("text", form.what),
        detected_label=verdict.get("label"),
        lang=lang,
        submission_key=f"view:{view['id']}",
        quotes_channel=deps.settings.quotes_channel,
    )
