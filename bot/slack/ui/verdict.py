"""The verdict reply of a mention, /scope and the message shortcut (Block Kit, metadata, plain text).

A message with an included and a paid request (verdict `mixed`) is answered part by part: each part quoted, its
verdict and row, a quote button for each paid part, and feedback controls per part.
"""

from __future__ import annotations

from typing import Any

from bot.services.triage import Triage
from bot.slack.texts import VERDICT_EMOJI, VERDICT_LABEL, echo, excerpt, percent, t
from bot.slack.ui.elements import button, context, mrkdwn, plain, section
from bot.slack.ui.ids import (
    ACTION_FEEDBACK_CORRECT,
    ACTION_FEEDBACK_WRONG,
    ACTION_REQUEST_QUOTE,
    BLOCK_FEEDBACK,
    METADATA_EVENT_TYPE,
    answer_ref,
)
from model.catalog import IN_SCOPE, MIXED, NOT_A_REQUEST, NOT_COVERED, OUT_OF_SCOPE, UNSURE, Catalog, Row
from model.prediction import Part

REPLY_ECHO_CHARS = 300
PART_ECHO_CHARS = 200
OPTION_TEXT_LIMIT = 75  # Slack's limit for option texts


def row_option_text(row: Row, *, catalog: Catalog, lang: str) -> str:
    """'cStack · title' cut to Slack's option-text limit."""
    product = catalog.product_name(row).removeprefix("centron ") or "—"
    text = f"{product} · {row.title(lang)}"
    return text if len(text) <= OPTION_TEXT_LIMIT else text[: OPTION_TEXT_LIMIT - 1] + "…"


def _row_options(catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    rows = [*catalog.rows, catalog.other_row, catalog.none_row]
    return [{"text": plain(row_option_text(r, catalog=catalog, lang=lang)), "value": r.id} for r in rows]


def verdict_text(triage: Triage) -> str:
    """Plain-text fallback (notifications, screen readers) that states the verdict."""
    lang, p = triage.lang, triage.prediction
    label = VERDICT_LABEL[lang][p.verdict]
    if p.reason == NOT_A_REQUEST:
        return f"{label}: {t(lang, 'not_a_request')}"
    if p.reason == NOT_COVERED:
        return f"{label}: {t(lang, 'not_covered_line')} {t(lang, 'unsure_handover')}"
    if p.verdict == MIXED:
        return f"{label}: " + "; ".join(f"{VERDICT_LABEL[lang][x.verdict]} ({x.label})" for x in p.parts)
    return f"{label}: {triage.row.title(lang)} ({triage.product_name}), {percent(p.confidence)}"


def verdict_metadata(triage: Triage) -> dict[str, Any]:
    """Slack message metadata for downstream automation."""
    p = triage.prediction
    return {
        "event_type": METADATA_EVENT_TYPE,
        "event_payload": {
            "label": p.label,
            "product": p.product,
            "verdict": p.verdict,
            "reason": p.reason,
            "confidence": round(p.confidence, 4),
            "model_version": p.model_version,
            "verdict_id": triage.verdict_id,
            "parts": [
                {
                    "start": x.start,
                    "end": x.end,
                    "label": x.label,
                    "verdict": x.verdict,
                    "confidence": round(x.confidence, 4),
                }
                for x in p.parts
            ],
        },
    }


def _handover(lang: str, *, support_group: str, private: bool) -> str:
    if private:
        # A private reply notifies nobody: point the user to where an agent sees the question.
        return t(lang, "unsure_handover_private")
    group = f" <!subteam^{support_group}>" if support_group else ""
    return t(lang, "unsure_handover") + group


def _verdict_line(triage: Triage, *, support_group: str, private: bool) -> str:
    lang, p = triage.lang, triage.prediction
    head = f"{VERDICT_EMOJI[p.verdict]} *{VERDICT_LABEL[lang][p.verdict]}*"
    if p.verdict == IN_SCOPE:
        return f"{head} · {t(lang, 'in_scope_line')}"
    if p.verdict == OUT_OF_SCOPE:
        return f"{head} · {t(lang, 'out_of_scope_line')}"
    if p.verdict == MIXED:
        return f"{head} · {t(lang, 'mixed_line')}"
    why = t(lang, "not_covered_line" if p.reason == NOT_COVERED else "unsure_line")
    return f"{head} · {why} {_handover(lang, support_group=support_group, private=private)}"


def _paid_service_blocks(triage: Triage, *, catalog: Catalog, paid_parts: list[int | None]) -> list[dict[str, Any]]:
    lang, paid = triage.lang, catalog.paid_service
    criteria = "\n".join(f"• {c}" for c in paid.criteria[lang])
    # Buttons of one block need their own action_ids: with several paid parts, each names its part.
    several = len(paid_parts) > 1
    buttons = [
        button(
            t(lang, "request_quote")
            + (f" ({t(lang, 'part', n=str(part + 1))})" if several and part is not None else ""),
            action_id=f"{ACTION_REQUEST_QUOTE}:{part}" if several else ACTION_REQUEST_QUOTE,
            value=answer_ref(triage.verdict_id, part),
            style="primary",
        )
        for part in paid_parts
    ]
    return [section(f"*{paid.title[lang]}*\n{paid.text[lang]}\n{criteria}"), {"type": "actions", "elements": buttons}]


def _part_blocks(triage: Triage, index: int, part: Part, *, catalog: Catalog) -> list[dict[str, Any]]:
    lang = triage.lang
    row = catalog.row(part.label)
    product = catalog.product_name(row)
    title = f"{row.title(lang)} ({product})" if product else row.title(lang)
    head = f"*{t(lang, 'part', n=str(index + 1))}:* {VERDICT_EMOJI[part.verdict]} *{VERDICT_LABEL[lang][part.verdict]}*"
    quoted = "> " + excerpt(part.text, limit=PART_ECHO_CHARS, lang=lang)
    return [
        section(f"{head}\n{quoted}\n{title} · {t(lang, 'confidence')} {percent(part.confidence)}"),
        _feedback_block(triage, catalog=catalog, part=index),
    ]


def verdict_blocks(
    triage: Triage, *, catalog: Catalog, support_group: str = "", private: bool = False
) -> list[dict[str, Any]]:
    """The reply: verdict, row and product, confidence, why; quote button when out of scope; feedback controls.

    private: an ephemeral reply; it quotes the question, and an unsure answer points to the support channel.
    """
    lang, p = triage.lang, triage.prediction
    blocks: list[dict[str, Any]] = []
    if private:
        blocks.append(context("> " + excerpt(triage.text, limit=REPLY_ECHO_CHARS, lang=lang)))
    if p.reason == NOT_A_REQUEST:
        head = f"{VERDICT_EMOJI[p.verdict]} *{VERDICT_LABEL[lang][p.verdict]}*"
        return [*blocks, section(f"{head} · {t(lang, 'not_a_request')}"), _feedback_block(triage, catalog=catalog)]
    blocks.append(section(_verdict_line(triage, support_group=support_group, private=private)))
    if p.verdict == MIXED:
        for index, part in enumerate(p.parts):
            blocks += _part_blocks(triage, index, part, catalog=catalog)
        paid = [i for i, part in enumerate(p.parts) if part.verdict == OUT_OF_SCOPE]
        return blocks + _paid_service_blocks(triage, catalog=catalog, paid_parts=list(paid))
    if p.reason == NOT_COVERED:
        return [*blocks, context(triage.row.description(lang)), _feedback_block(triage, catalog=catalog)]
    row_key = t(lang, "likely") if p.verdict == UNSURE else t(lang, "row")
    details = [
        f"*{row_key}:* {triage.row.title(lang)}",
        f"*{t(lang, 'product')}:* {triage.product_name}",
        f"*{t(lang, 'confidence')}:* {percent(p.confidence)}",
    ]
    blocks.append({"type": "section", "fields": [mrkdwn(d) for d in details]})
    why = triage.row.description(lang)
    if p.explanation:
        why += f"\n_{t(lang, 'why')}: {echo(', '.join(p.explanation))}_"
    blocks.append(context(why))
    if p.verdict == OUT_OF_SCOPE:
        blocks += _paid_service_blocks(triage, catalog=catalog, paid_parts=[None])
    blocks.append(_feedback_block(triage, catalog=catalog))
    return blocks


def verdict_message(
    triage: Triage, *, catalog: Catalog, support_group: str = "", private: bool = False
) -> dict[str, Any]:
    """`text` and `blocks` of a verdict reply, ready for chat.postMessage, ack() or respond()."""
    return {
        "text": verdict_text(triage),
        "blocks": verdict_blocks(triage, catalog=catalog, support_group=support_group, private=private),
    }


def _feedback_block(triage: Triage, *, catalog: Catalog, part: int | None = None) -> dict[str, Any]:
    lang, ref = triage.lang, answer_ref(triage.verdict_id, part)
    return {
        "type": "actions",
        "block_id": f"{BLOCK_FEEDBACK}:{ref}",
        "elements": [
            button(t(lang, "feedback_correct"), action_id=ACTION_FEEDBACK_CORRECT, value=ref),
            {
                "type": "static_select",
                "action_id": ACTION_FEEDBACK_WRONG,
                "placeholder": plain(t(lang, "feedback_wrong")),
                "options": _row_options(catalog, lang),
            },
        ],
    }


def verdict_as_text(triage: Triage, *, catalog: Catalog) -> str:
    """The reply as plain lines, for the local shell."""
    lang, p = triage.lang, triage.prediction
    if p.reason == NOT_A_REQUEST:
        return "\n".join([VERDICT_LABEL[lang][p.verdict], t(lang, "not_a_request")])
    if p.reason == NOT_COVERED:
        return "\n".join(
            [VERDICT_LABEL[lang][p.verdict], f"{t(lang, 'not_covered_line')} {t(lang, 'unsure_handover')}"]
        )
    if p.verdict == MIXED:
        lines = [VERDICT_LABEL[lang][p.verdict], t(lang, "mixed_line")]
        for index, part in enumerate(p.parts):
            row = catalog.row(part.label)
            lines.append(
                f"{t(lang, 'part', n=str(index + 1))}: {VERDICT_LABEL[lang][part.verdict]} · {row.title(lang)} "
                f"[{row.id}] · {percent(part.confidence)} · {' '.join(part.text.split())[:PART_ECHO_CHARS]}"
            )
        return "\n".join(lines)
    if p.verdict == UNSURE:
        line = f"{t(lang, 'unsure_line')} {t(lang, 'unsure_handover')}"
    else:
        line = t(lang, "in_scope_line" if p.verdict == IN_SCOPE else "out_of_scope_line").replace("*", "")
    row_key = t(lang, "likely") if p.verdict == UNSURE else t(lang, "row")
    lines = [
        VERDICT_LABEL[lang][p.verdict],
        line,
        f"{row_key}: {triage.row.title(lang)} [{triage.row.id}]",
        f"{t(lang, 'product')}: {triage.product_name}",
        f"{t(lang, 'confidence')}: {percent(p.confidence)}",
        triage.row.description(lang),
    ]
    if p.explanation:
        lines.append(f"{t(lang, 'why')}: {', '.join(p.explanation)}")
    if p.verdict == OUT_OF_SCOPE:
        lines.append(f"{catalog.paid_service.title[lang]}: {catalog.paid_service.text[lang]}")
    return "\n".join(lines)
