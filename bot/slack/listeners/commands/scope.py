"""/scope <text>: ephemeral verdict; /scope or /scope help: usage; /scope table [cstack|gpu]: the tables."""

from __future__ import annotations

from typing import Any

from bot.services.triage import Where
from bot.slack.deps import deps_of
from bot.slack.payloads import parse_scope_command, request_id
from bot.slack.texts import t
from bot.slack.ui.help import help_blocks, table_blocks, table_text
from bot.slack.ui.verdict import verdict_message
from model.language import detect_language


def handle(ack: Any, command: dict, context: Any) -> None:
    """Answer /scope in the acknowledgement itself, visible only to the caller."""
    deps = deps_of(context)
    parsed = parse_scope_command(command.get("text"), product_ids=tuple(p.id for p in deps.catalog.products))
    lang = detect_language(parsed.text) if parsed.text else "en"
    if parsed.kind == "help":
        ack(text=t(lang, "empty_command"), blocks=help_blocks(lang), response_type="ephemeral")
        return
    if parsed.kind == "table":
        ack(
            text=table_text(deps.catalog, products=parsed.products, lang=lang),
            blocks=table_blocks(deps.catalog, products=parsed.products, lang=lang),
            response_type="ephemeral",
        )
        return
    # Classifying takes milliseconds, so the verdict goes straight into the acknowledgement.
    where = Where(
        channel_id=command.get("channel_id"),
        user_id=command.get("user_id"),
        team_id=command.get("team_id"),
        request_id=request_id(command),
    )
    triage = deps.triage(parsed.text, source="command", where=where)
    reply = verdict_message(triage, catalog=deps.catalog, support_group=deps.settings.support_group, private=True)
    ack(**reply, response_type="ephemeral")
