"""App Home's "Hardest messages this week": the uncertain review queue, one row button per candidate."""

from __future__ import annotations

from typing import Any

from bot.services.review_queue import QueueItem
from bot.slack.texts import VERDICT_LABEL, excerpt
from bot.slack.ui.elements import button, context, header, plain, section
from bot.slack.ui.ids import ACTION_QUEUE_ANSWER, ACTION_QUEUE_OTHER_ROW, ACTION_QUEUE_SKIP, BLOCK_QUEUE
from bot.slack.ui.verdict import row_option_text
from model.catalog import Catalog

QUEUE_ECHO_CHARS = 300
BLOCKS_PER_ITEM = 2  # a section and its actions


def _said(item: QueueItem) -> str:
    said = VERDICT_LABEL["en"][item.verdict]
    if item.reason:
        said += f" ({item.reason.replace('_', ' ')})"
    if item.part is not None:
        said += f"; asking about request {item.part + 1}, the least sure"
    margin = "margin unknown (logged before margins were kept)" if item.margin is None else f"margin {item.margin:.2f}"
    return f"*#{item.verdict_id}* · bot said {said}: `{item.label}` · {margin} · {item.created_at:%Y-%m-%d}"


def _candidate_text(label: str, probability: float | None, *, catalog: Catalog) -> str:
    row = row_option_text(catalog.row(label), catalog=catalog, lang="en")
    return row if probability is None else f"{probability:.0%} · {row}"


def _item_blocks(item: QueueItem, *, catalog: Catalog) -> list[dict[str, Any]]:
    rows = [*catalog.rows, catalog.other_row, catalog.none_row]
    offered = {c.label for c in item.candidates}
    elements: list[dict[str, Any]] = [
        button(
            _candidate_text(c.label, c.probability, catalog=catalog),
            action_id=f"{ACTION_QUEUE_ANSWER}:{n}",
            value=c.label,
        )
        for n, c in enumerate(item.candidates)
    ]
    elements.append(
        {
            "type": "static_select",
            "action_id": ACTION_QUEUE_OTHER_ROW,
            "placeholder": plain("None of these: another row …"),
            "options": [
                {"text": plain(row_option_text(r, catalog=catalog, lang="en")), "value": r.id}
                for r in rows
                if r.id not in offered
            ],
        }
    )
    elements.append(button("Skip (not useful)", action_id=ACTION_QUEUE_SKIP, value=str(item.verdict_id)))
    return [
        section(f"{_said(item)}\n> " + excerpt(item.text, limit=QUEUE_ECHO_CHARS, lang="en")),
        {"type": "actions", "block_id": f"{BLOCK_QUEUE}:{item.verdict_id}", "elements": elements},
    ]


def hardest_blocks(items: tuple[QueueItem, ...], *, catalog: Catalog, room: int) -> list[dict[str, Any]]:
    """The section for reviewers, in at most `room` blocks (Slack allows 100 per view); [] if nothing fits."""
    intro = [
        {"type": "divider"},
        header("Hardest messages this week"),
        context(
            "Lowest margin between the top two rows first. Click the right row: it becomes accepted feedback for "
            "the next training. More with `scope-bot feedback review --uncertain`."
        ),
    ]
    fits = max(0, (room - len(intro)) // BLOCKS_PER_ITEM)
    if not items or fits == 0:
        return []
    blocks = list(intro)
    for item in items[:fits]:
        blocks += _item_blocks(item, catalog=catalog)
    return blocks
