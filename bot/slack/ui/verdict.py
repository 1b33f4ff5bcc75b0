"""The verdict reply of a mention, /scope and the message shortcut (Block Kit, metadata, plain text)."""

from __future__ import annotations

from typing import Any

from bot.services.triage import Triage
from bot.slack.texts import VERDICT_EMOJI, VERDICT_LABEL, escape, excerpt, percent, t
from bot.slack.ui.elements import button, context, mrkdwn, plain, section
from bot.slack.ui.ids import (
    ACTION_FEEDBACK_CORRECT,
    ACTION_FEEDBACK_WRONG,
    ACTION_REQUEST_QUOTE,
    BLOCK_FEEDBACK,
    METADATA_EVENT_TYPE,
)
from model.catalog import IN_SCOPE, NONE_LABEL, OUT_OF_SCOPE, UNSURE, Catalog, Row

REPLY_ECHO_CHARS = 300
OPTION_TEXT_LIMIT = 75  # Slack's limit for option texts


def row_option_text(row: Row, *, catalog: Catalog, lang: str) -> str:
    """'cStack · title' cut to Slack's option-text limit."""
    product = catalog.product_name(row).removeprefix("centron ") or "—"
    text = f"{product} · {row.title(lang)}"
    return text if len(text) <= OPTION_TEXT_LIMIT else text[: OPTION_TEXT_LIMIT - 1] + "…"


def _row_options(catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    rows = [*catalog.rows, catalog.none_row]
    return [{"text": plain(row_option_text(r, catalog=catalog, lang=lang)), "value": r.id} for r in rows]


def verdict_text(triage: Triage) -> str:
    """Plain-text fallback (notifications, screen readers) that states the verdict."""
    lang, p = triage.lang, triage.prediction
    label = VERDICT_LABEL[lang][p.verdict]
    if p.label == NONE_LABEL:
        return f"{label}: {t(lang, 'not_a_request')}"
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
            "confidence": round(p.confidence, 4),
            "model_version": p.model_version,
            "verdict_id": triage.verdict_id,
        },
    }


def _verdict_line(triage: Triage, *, support_group: str, private: bool) -> str:
    lang, p = triage.lang, triage.prediction
    head = f"{VERDICT_EMOJI[p.verdict]} *{VERDICT_LABEL[lang][p.verdict]}*"
    if p.verdict == IN_SCOPE:
        return f"{head} · {t(lang, 'in_scope_line')}"
    if p.verdict == OUT_OF_SCOPE:
        return f"{head} · {t(lang, 'out_of_scope_line')}"
    if private:
        # A private reply notifies nobody: point the user to where an agent sees the question.
        return f"{head} · {t(lang, 'unsure_line')} {t(lang, 'unsure_handover_private')}"
    group = f" <!subteam^{support_group}>" if support_group else ""
    return f"{head} · {t(lang, 'unsure_line')} {t(lang, 'unsure_handover')}{group}"


def _paid_service_blocks(triage: Triage, *, catalog: Catalog) -> list[dict[str, Any]]:
    lang, paid = triage.lang, catalog.paid_service
    criteria = "\n".join(f"• {c}" for c in paid.criteria[lang])
    quote_button = button(
        t(lang, "request_quote"), action_id=ACTION_REQUEST_QUOTE, value=str(triage.verdict_id), style="primary"
    )
    return [
        section(f"*{paid.title[lang]}*\n{paid.text[lang]}\n{criteria}"),
        {"type": "actions", "elements": [quote_button]},
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
    if p.label == NONE_LABEL:
        head = f"{VERDICT_EMOJI[p.verdict]} *{VERDICT_LABEL[lang][p.verdict]}*"
        return [*blocks, section(f"{head} · {t(lang, 'not_a_request')}"), _feedback_block(triage, catalog=catalog)]
    blocks.append(section(_verdict_line(triage, support_group=support_group, private=private)))
    row_key = t(lang, "likely") if p.verdict == UNSURE else t(lang, "row")
    details = [
        f"*{row_key}:* {triage.row.title(lang)}",
        f"*{t(lang, 'product')}:* {triage.product_name}",
        f"*{t(lang, 'confidence')}:* {percent(p.confidence)}",
    ]
    blocks.append({"type": "section", "fields": [mrkdwn(d) for d in details]})
    why = triage.row.description(lang)
    if p.explanation:
        why += f"\n_{t(lang, 'why')}: {escape(', '.join(p.explanation))}_"
    blocks.append(context(why))
    if p.verdict == OUT_OF_SCOPE:
        blocks += _paid_service_blocks(triage, catalog=catalog)
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


def _feedback_block(triage: Triage, *, catalog: Catalog) -> dict[str, Any]:
    lang = triage.lang
    return {
        "type": "actions",
        "block_id": f"{BLOCK_FEEDBACK}:{triage.verdict_id}",
        "elements": [
            button(t(lang, "feedback_correct"), action_id=ACTION_FEEDBACK_CORRECT, value=str(triage.verdict_id)),
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
    if p.label == NONE_LABEL:
        return "\n".join([VERDICT_LABEL[lang][p.verdict], t(lang, "not_a_request")])
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
