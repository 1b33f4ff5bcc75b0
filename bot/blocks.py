"""Block Kit: pure builder functions and every action_id / callback_id / block_id the bot uses."""

from __future__ import annotations

import html
import json
from typing import Any, Mapping, Sequence

from bot.store import FeedbackItem, QuoteRequest
from bot.texts import QUOTE_STATUS_LABEL, VERDICT_EMOJI, VERDICT_LABEL, escape, excerpt, percent, t
from bot.triage import Triage
from model.catalog import IN_SCOPE, NONE_LABEL, OUT_OF_SCOPE, UNSURE, Catalog, Row

# --- ids ------------------------------------------------------------------------------------------------------
ACTION_REQUEST_QUOTE = "scope_request_quote"
ACTION_FEEDBACK_CORRECT = "scope_feedback_correct"
ACTION_FEEDBACK_WRONG = "scope_feedback_wrong_row"
ACTION_QUOTE_STATUS = "scope_quote_status"  # one action_id per status: f"{ACTION_QUOTE_STATUS}:{status}"
ACTION_REVIEW_ACCEPT = "scope_review_accept"
ACTION_REVIEW_DISCARD = "scope_review_discard"
CALLBACK_QUOTE_MODAL = "scope_quote_modal"
CALLBACK_CHECK_SCOPE = "scope_check_message"  # the message shortcut, also in manifest.yml
BLOCK_QUOTE_WHAT = "quote_what"
BLOCK_QUOTE_PRODUCT = "quote_product"
BLOCK_QUOTE_TIMELINE = "quote_timeline"
BLOCK_QUOTE_CONTACT = "quote_contact"
INPUT_ACTION = "value"  # the action_id of every modal input element
# Action blocks carry the record they act on in their block_id: f"{prefix}:{key}".
BLOCK_FEEDBACK = "feedback"
BLOCK_QUOTE_STAFF = "quote"
BLOCK_REVIEW = "review"
STAFF_STATUSES = ("feasible", "quote_sent", "declined")
METADATA_EVENT_TYPE = "scope_triage"

REPLY_ECHO_CHARS = 300
OPTION_TEXT_LIMIT = 75  # Slack's limit for option texts


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text[:3000])}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(text[:3000])]}


def _button(text: str, *, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button = {"type": "button", "text": _plain(text, 75), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def row_option_text(row: Row, *, catalog: Catalog, lang: str) -> str:
    """'cStack · title' cut to Slack's option-text limit."""
    product = catalog.product_name(row).removeprefix("centron ") or "—"
    text = f"{product} · {row.title(lang)}"
    return text if len(text) <= OPTION_TEXT_LIMIT else text[: OPTION_TEXT_LIMIT - 1] + "…"


def _row_options(catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    rows = [*catalog.rows, catalog.none_row]
    return [{"text": _plain(row_option_text(r, catalog=catalog, lang=lang)), "value": r.id} for r in rows]


# --- verdict replies -------------------------------------------------------------------------------------------


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


def verdict_blocks(
    triage: Triage, *, catalog: Catalog, support_group: str = "", private: bool = False
) -> list[dict[str, Any]]:
    """The reply: verdict, row and product, confidence, why; quote button when out of scope; feedback controls.

    private: an ephemeral reply; it quotes the question, and an unsure answer points to the support channel.
    """
    lang, p = triage.lang, triage.prediction
    blocks: list[dict[str, Any]] = []
    if private:
        blocks.append(_context("> " + excerpt(triage.text, limit=REPLY_ECHO_CHARS, lang=lang)))
    head = f"{VERDICT_EMOJI[p.verdict]} *{VERDICT_LABEL[lang][p.verdict]}*"
    if p.label == NONE_LABEL:
        blocks.append(_section(f"{head} · {t(lang, 'not_a_request')}"))
        return blocks + [_feedback_block(triage, catalog=catalog)]
    if p.verdict == IN_SCOPE:
        blocks.append(_section(f"{head} · {t(lang, 'in_scope_line')}"))
    elif p.verdict == OUT_OF_SCOPE:
        blocks.append(_section(f"{head} · {t(lang, 'out_of_scope_line')}"))
    elif private:
        # A private reply notifies nobody: point the user to where an agent sees the question.
        blocks.append(_section(f"{head} · {t(lang, 'unsure_line')} {t(lang, 'unsure_handover_private')}"))
    else:
        group = f" <!subteam^{support_group}>" if support_group else ""
        blocks.append(_section(f"{head} · {t(lang, 'unsure_line')} {t(lang, 'unsure_handover')}{group}"))
    row_key = t(lang, "likely") if p.verdict == UNSURE else t(lang, "row")
    details = [
        f"*{row_key}:* {triage.row.title(lang)}",
        f"*{t(lang, 'product')}:* {triage.product_name}",
        f"*{t(lang, 'confidence')}:* {percent(p.confidence)}",
    ]
    blocks.append({"type": "section", "fields": [_mrkdwn(d) for d in details]})
    why = triage.row.description(lang)
    if p.explanation:
        why += f"\n_{t(lang, 'why')}: {escape(', '.join(p.explanation))}_"
    blocks.append(_context(why))
    if p.verdict == OUT_OF_SCOPE:
        paid = catalog.paid_service
        criteria = "\n".join(f"• {c}" for c in paid.criteria[lang])
        blocks.append(_section(f"*{paid.title[lang]}*\n{paid.text[lang]}\n{criteria}"))
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button(
                        t(lang, "request_quote"),
                        action_id=ACTION_REQUEST_QUOTE,
                        value=str(triage.verdict_id),
                        style="primary",
                    )
                ],
            }
        )
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
            _button(t(lang, "feedback_correct"), action_id=ACTION_FEEDBACK_CORRECT, value=str(triage.verdict_id)),
            {
                "type": "static_select",
                "action_id": ACTION_FEEDBACK_WRONG,
                "placeholder": _plain(t(lang, "feedback_wrong")),
                "options": _row_options(catalog, lang),
            },
        ],
    }


def verdict_as_text(triage: Triage, *, catalog: Catalog) -> str:
    """The reply as plain lines, for the local shell."""
    lang, p = triage.lang, triage.prediction
    lines = [f"{VERDICT_LABEL[lang][p.verdict]}", ""]
    if p.label == NONE_LABEL:
        return "\n".join([lines[0], t(lang, "not_a_request")])
    if p.verdict == UNSURE:
        lines[1] = f"{t(lang, 'unsure_line')} {t(lang, 'unsure_handover')}"
    else:
        lines[1] = t(lang, "in_scope_line" if p.verdict == IN_SCOPE else "out_of_scope_line").replace("*", "")
    row_key = t(lang, "likely") if p.verdict == UNSURE else t(lang, "row")
    lines += [
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


# --- help and tables -------------------------------------------------------------------------------------------

HELP = {
    "en": (
        "*scope-bot* tells you whether centron support covers a request.\n"
        "• `/scope <question>` – check a request (only you see the answer)\n"
        "• `/scope table` · `/scope table cstack` · `/scope table gpu` – the scope tables\n"
        "• mention me in a channel – I answer in the thread\n"
        "• message menu → *Check support scope* – check any message\n"
        "Out of scope requests can still be done as a paid service: use *Request a quote*."
    ),
    "de": (
        "*scope-bot* sagt dir, ob der centron-Support eine Anfrage abdeckt.\n"
        "• `/scope <Frage>` – Anfrage prüfen (nur du siehst die Antwort)\n"
        "• `/scope table` · `/scope table cstack` · `/scope table gpu` – die Scope-Tabellen\n"
        "• erwähne mich in einem Channel – ich antworte im Thread\n"
        "• Nachrichtenmenü → *Check support scope* – beliebige Nachricht prüfen\n"
        "Out-of-Scope-Anfragen sind als kostenpflichtige Leistung möglich: *Angebot anfordern*."
    ),
}


def help_blocks(lang: str) -> list[dict[str, Any]]:
    """Usage of /scope."""
    return [_section(HELP.get(lang, HELP["en"]))]


def table_blocks(catalog: Catalog, *, products: Sequence[str], lang: str) -> list[dict[str, Any]]:
    """The scope tables of `products` as the seeds show them."""
    blocks: list[dict[str, Any]] = []
    for product_id in products:
        product = catalog.product(product_id)
        blocks.append({"type": "header", "text": _plain(f"{product.name} – Scope of Support", 150)})
        lines = []
        for row in catalog.rows_of(product_id):
            mark = "✅" if row.verdict == IN_SCOPE else "💶"
            lines.append(f"{mark} *{VERDICT_LABEL[lang][row.verdict]}* – {row.title(lang)}")
        blocks.append(_section("\n".join(lines)))
    paid = catalog.paid_service
    blocks.append(_context(f"*{paid.title[lang]}*: {paid.text[lang]}"))
    return blocks


def table_text(catalog: Catalog, *, products: Sequence[str], lang: str) -> str:
    """Fallback text of the tables."""
    return " | ".join(
        f"{catalog.product(p).name}: "
        + "; ".join(f"{r.title(lang)} ({VERDICT_LABEL[lang][r.verdict]})" for r in catalog.rows_of(p))
        for p in products
    )


# --- quote requests --------------------------------------------------------------------------------------------


def quote_modal(
    *, catalog: Catalog, lang: str, original_text: str, detected_label: str | None, private_metadata: Mapping[str, Any]
) -> dict[str, Any]:
    """The 'Request a quote' modal, prefilled with the original message and the detected row."""
    product_options = [{"text": _plain(p.name), "value": p.id} for p in catalog.products]
    detected = catalog.row(detected_label) if detected_label and detected_label != NONE_LABEL else None
    product_select: dict[str, Any] = {"type": "static_select", "action_id": INPUT_ACTION, "options": product_options}
    if detected:
        product_select["initial_option"] = next(o for o in product_options if o["value"] == detected.product)
    blocks = [
        _section(f"*{t(lang, 'quote_original')}:*\n> " + excerpt(original_text, limit=1500, lang=lang)),
    ]
    if detected:
        blocks.append(
            _context(f"{t(lang, 'quote_detected')}: {detected.title(lang)} ({catalog.product(detected.product).name})")
        )
    blocks += [
        {
            "type": "input",
            "block_id": BLOCK_QUOTE_WHAT,
            "label": _plain(t(lang, "quote_what")),
            "element": {
                "type": "plain_text_input",
                "action_id": INPUT_ACTION,
                "multiline": True,
                "max_length": 3000,
                "initial_value": html.unescape(original_text)[:3000],
            },
        },
        {
            "type": "input",
            "block_id": BLOCK_QUOTE_PRODUCT,
            "label": _plain(t(lang, "quote_product")),
            "element": product_select,
        },
        {
            "type": "input",
            "block_id": BLOCK_QUOTE_TIMELINE,
            "label": _plain(t(lang, "quote_timeline")),
            "element": {"type": "plain_text_input", "action_id": INPUT_ACTION, "max_length": 200},
        },
        {
            "type": "input",
            "block_id": BLOCK_QUOTE_CONTACT,
            "label": _plain(t(lang, "quote_contact")),
            "element": {"type": "plain_text_input", "action_id": INPUT_ACTION, "max_length": 200},
        },
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_QUOTE_MODAL,
        "title": _plain(t(lang, "quote_modal_title"), 24),
        "submit": _plain(t(lang, "quote_submit"), 24),
        "close": _plain(t(lang, "quote_cancel"), 24),
        "private_metadata": json.dumps(dict(private_metadata))[:3000],
        "blocks": blocks,
    }


def quote_staff_text(quote: QuoteRequest) -> str:
    """Fallback text of the staff post."""
    return f"Quote request {quote.ref} ({quote.product}) from <@{quote.requester_id}>: status {quote.status}"


def quote_staff_blocks(quote: QuoteRequest, *, catalog: Catalog) -> list[dict[str, Any]]:
    """The staff channel post of a quote request, with status buttons."""
    row = catalog.row(quote.detected_label) if quote.detected_label else None
    fields = [
        f"*Requester:* <@{quote.requester_id}>",
        f"*Product:* {catalog.product(quote.product).name}",
        f"*Detected row:* {row.title_en if row else '—'}",
        f"*Timeline:* {escape(quote.timeline)}",
        f"*Contact:* {escape(quote.contact)}",
        f"*Status:* {QUOTE_STATUS_LABEL['en'][quote.status]}"
        + (f" (by <@{quote.decided_by}>)" if quote.decided_by and quote.status != "new" else ""),
    ]
    blocks = [
        {"type": "header", "text": _plain(f"Quote request {quote.ref}", 150)},
        {"type": "section", "fields": [_mrkdwn(f) for f in fields]},
        _section("*What should be done:*\n" + excerpt(quote.what, limit=2500, lang="en")),
        _context("Original message: " + excerpt(quote.original_text, limit=1000, lang="en")),
    ]
    styles = {"feasible": "primary", "declined": "danger"}
    blocks.append(
        {
            "type": "actions",
            "block_id": f"{BLOCK_QUOTE_STAFF}:{quote.ref}",
            "elements": [
                _button(
                    QUOTE_STATUS_LABEL["en"][s].capitalize(),
                    action_id=f"{ACTION_QUOTE_STATUS}:{s}",
                    value=quote.ref,
                    style=styles.get(s),
                )
                for s in STAFF_STATUSES
            ],
        }
    )
    return blocks


def quote_confirmation(quote: QuoteRequest) -> str:
    """Message to the requester that the request is stored, with its reference."""
    return t(quote.lang, "quote_confirm", ref=quote.ref)


def quote_status_update(quote: QuoteRequest) -> str:
    """Message to the requester when staff change the status."""
    return t(quote.lang, "quote_status_changed", ref=quote.ref, status=QUOTE_STATUS_LABEL[quote.lang][quote.status])


# --- App Home --------------------------------------------------------------------------------------------------


def home_view(
    *,
    catalog: Catalog,
    model_version: str,
    model_metrics: Mapping[str, Any],
    verdict_counts: Mapping[str, int],
    quote_count: int,
    pending_feedback: Sequence[FeedbackItem] = (),
) -> dict[str, Any]:
    """The App Home tab: tables, model version and figures, last-7-days counts, review queue for reviewers."""
    figures = "no evaluation figures"
    if model_metrics:
        figures = (
            f"verdict accuracy {model_metrics.get('verdict_accuracy', 0):.1%} · "
            f"label accuracy {model_metrics.get('label_accuracy', 0):.1%} · "
            f"unsure rate {model_metrics.get('unsure_rate', 0):.1%} (dev set)"
        )
    counts = " · ".join(
        f"{VERDICT_LABEL['en'][v]}: {verdict_counts.get(v, 0)}" for v in (IN_SCOPE, OUT_OF_SCOPE, UNSURE)
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain("scope-bot", 150)},
        _section(f"*Model* `{model_version}`\n{figures}"),
        _section(f"*Last 7 days*\n{counts} · Quote requests: {quote_count}"),
        {"type": "divider"},
        *table_blocks(catalog, products=[p.id for p in catalog.products], lang="en"),
    ]
    if pending_feedback:
        blocks += [{"type": "divider"}, {"type": "header", "text": _plain("Feedback waiting for review", 150)}]
        for item in pending_feedback[:20]:
            blocks.append(
                _section(
                    f"#{item.id} · *{item.label}* (bot said {item.predicted_label or '—'}) from <@{item.user_id}>\n> "
                    + excerpt(item.text, limit=300, lang="en")
                )
            )
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"{BLOCK_REVIEW}:{item.id}",
                    "elements": [
                        _button("Accept", action_id=ACTION_REVIEW_ACCEPT, value=str(item.id), style="primary"),
                        _button("Discard", action_id=ACTION_REVIEW_DISCARD, value=str(item.id), style="danger"),
                    ],
                }
            )
    return {"type": "home", "blocks": blocks[:100]}
