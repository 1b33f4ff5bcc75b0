"""The App Home tab: scope tables, model version and figures, recent counts, the review queues for reviewers."""

from __future__ import annotations

from typing import Any

from bot.services.overview import Overview
from bot.slack.texts import VERDICT_LABEL, escape, excerpt
from bot.slack.ui.elements import button, header, section
from bot.slack.ui.help import table_blocks
from bot.slack.ui.ids import ACTION_REVIEW_ACCEPT, ACTION_REVIEW_DISCARD, BLOCK_REVIEW
from bot.slack.ui.review_queue import hardest_blocks
from model.catalog import IN_SCOPE, OUT_OF_SCOPE, UNSURE, Catalog
from model.metrics import Metrics

MAX_BLOCKS = 100  # Slack's limit for a view


def _review_blocks(overview: Overview) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "divider"}, header("Feedback waiting for review")]
    for item in overview.pending_feedback:
        said = item.predicted_label or "—"
        blocks.append(
            section(
                f"#{item.id} · *{item.label}* (bot said {said}) from <@{item.user_id}>\n"
                + (f":warning: flagged: {escape(item.flag_reason)}\n" if item.flag_reason else "")
                + "> "
                + excerpt(item.text, limit=300, lang="en")
            )
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": f"{BLOCK_REVIEW}:{item.id}",
                "elements": [
                    button("Accept", action_id=ACTION_REVIEW_ACCEPT, value=str(item.id), style="primary"),
                    button("Discard", action_id=ACTION_REVIEW_DISCARD, value=str(item.id), style="danger"),
                ],
            }
        )
    return blocks


def _delivery_blocks(overview: Overview) -> list[dict[str, Any]]:
    errors = sorted({escape(" ".join((e.last_error or "unknown error").split())[:120]) for e in overview.stuck_calls})
    text = (
        f":warning: *{len(overview.stuck_calls)} Slack message(s) not delivered* "
        f"({', '.join(sorted({e.state for e in overview.stuck_calls}))}): {'; '.join(errors[:3])}"
    )
    if overview.undelivered_quotes:
        text += f"\nQuote requests staff have not been shown: {', '.join(overview.undelivered_quotes)}"
    text += "\nFix the token or invite the bot to the channel, then run `scope-bot outbox retry --all`."
    return [{"type": "divider"}, section(text)]


def home_view(
    *, catalog: Catalog, model_version: str, model_metrics: Metrics | None, overview: Overview
) -> dict[str, Any]:
    """The App Home view."""
    figures = "no evaluation figures"
    if model_metrics is not None:
        figures = (
            f"verdict accuracy {model_metrics.verdict_accuracy:.1%} · "
            f"label accuracy {model_metrics.label_accuracy:.1%} · "
            f"unsure rate {model_metrics.unsure_rate:.1%} (dev set)"
        )
    counts = " · ".join(
        f"{VERDICT_LABEL['en'][v]}: {overview.verdict_counts.get(v, 0)}" for v in (IN_SCOPE, OUT_OF_SCOPE, UNSURE)
    )
    blocks: list[dict[str, Any]] = [
        header("scope-bot"),
        section(f"*Model* `{model_version}`\n{figures}"),
        section(f"*Last {overview.days} days*\n{counts} · Quote requests: {overview.quote_count}"),
        {"type": "divider"},
        *table_blocks(catalog, products=[p.id for p in catalog.products], lang="en"),
    ]
    if overview.stuck_calls:
        blocks += _delivery_blocks(overview)
    if overview.pending_feedback:
        blocks += _review_blocks(overview)
    blocks += hardest_blocks(overview.hardest, catalog=catalog, room=MAX_BLOCKS - len(blocks))
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}
