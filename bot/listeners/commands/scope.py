"""/scope <text>: ephemeral verdict; /scope or /scope help: usage; /scope table [cstack|gpu]: the tables."""

from __future__ import annotations

from typing import Any

from bot import blocks
from bot.deps import deps_of
from bot.payloads import parse_scope_command
from bot.texts import t
from model.language import detect_language


def handle(ack: Any, command: dict, context: Any) -> None:
    """Answer /scope in the acknowledgement itself, visible only to the caller."""
    deps = deps_of(context)
    parsed = parse_scope_command(command.get("text"), product_ids=tuple(p.id for p in deps.catalog.products))
    lang = detect_language(parsed.text) if parsed.text else "en"
    if parsed.kind == "help":
        ack(text=t(lang, "empty_command"), blocks=blocks.help_blocks(lang), response_type="ephemeral")
        return
    if parsed.kind == "table":
        ack(
            text=blocks.table_text(deps.catalog, products=parsed.products, lang=lang),
            blocks=blocks.table_blocks(deps.catalog, products=parsed.products, lang=lang),
            response_type="ephemeral",
        )
        return
    # Classifying takes milliseconds, so the verdict goes straight into the acknowledgement.
    triage = deps.triage(
        parsed.text,
        source="command",
        channel_id=command.get("channel_id"),
        user_id=command.get("user_id"),
        team_id=command.get("team_id"),
    )
    ack(
        **blocks.verdict_message(triage, catalog=deps.catalog, support_group=deps.settings.support_group, private=True),
        response_type="ephemeral",
    )
