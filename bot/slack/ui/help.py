"""Usage of /scope and the scope tables as the seeds show them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.slack.texts import VERDICT_LABEL
from bot.slack.ui.elements import context, header, section
from model.catalog import IN_SCOPE, Catalog

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
    return [section(HELP.get(lang, HELP["en"]))]


def table_blocks(catalog: Catalog, *, products: Sequence[str], lang: str) -> list[dict[str, Any]]:
    """The scope tables of `products` as the seeds show them."""
    blocks: list[dict[str, Any]] = []
    for product_id in products:
        product = catalog.product(product_id)
        blocks.append(header(f"{product.name} – Scope of Support"))
        lines = []
        for row in catalog.rows_of(product_id):
            mark = "✅" if row.verdict == IN_SCOPE else "💶"
            lines.append(f"{mark} *{VERDICT_LABEL[lang][row.verdict]}* – {row.title(lang)}")
        blocks.append(section("\n".join(lines)))
    paid = catalog.paid_service
    blocks.append(context(f"*{paid.title[lang]}*: {paid.text[lang]}"))
    return blocks


def table_text(catalog: Catalog, *, products: Sequence[str], lang: str) -> str:
    """Fallback text of the tables."""
    return " | ".join(
        f"{catalog.product(p).name}: "
        + "; ".join(f"{r.title(lang)} ({VERDICT_LABEL[lang][r.verdict]})" for r in catalog.rows_of(p))
        for p in products
    )
