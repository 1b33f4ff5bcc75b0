"""A database seeded with a known week for the weekly report: verdicts, quote requests and feedback.

Written through the repositories as the bot writes them; only the times are moved into the week afterwards (the
repositories stamp "now"). The report of 2026-11-23 – 2026-11-29 (`END`, 7 days) is counted by hand in
tests/bot/services/test_report.py.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from bot.db import NewQuote, NewVerdict, Store, VerdictPart
from bot.db.schema import feedback, quote_requests, verdicts

END = date(2026, 11, 30)  # the report covers the 7 days before: Monday 2026-11-23 to Sunday 2026-11-29

FW, NET, ADMIN = "cloudgpu.third_party_frameworks", "cstack.deploy_networks", "cstack.administration"

# (created_at, text, label, verdict, reason, parts)
VERDICTS = [
    ("2026-11-22T23:59:59+00:00", "Wie ändere ich mein Passwort?", "cstack.account", "in_scope", None, ()),
    ("2026-11-23T08:00:00+00:00", "Der Login ins cStack-Portal geht nicht", "cstack.ui", "in_scope", None, ()),
    ("2026-11-23T09:00:00+00:00", "Can you install PyTorch on my GPU VM?", FW, "out_of_scope", None, ()),
    ("2026-11-23T10:00:00+00:00", "Can you migrate our WordPress site to you?", "other", "unsure", "not_covered", ()),
    ("2026-11-24T08:00:00+00:00", "Ich kann mein Passwort nicht zurücksetzen", "cstack.account", "in_scope", None, ()),
    ("2026-11-24T09:30:00+00:00", "Please set up Ollama on the GPU server", FW, "out_of_scope", None, ()),
    ("2026-11-24T23:59:59+00:00", "thanks, all good now", "none", "unsure", "not_a_request", ()),
    (
        "2026-11-25T07:00:00+00:00",
        "Der Login geht nicht und richtet ihr mir ein VPN ein?",
        "cstack.ui",
        "mixed",
        None,
        (
            ("Der Login geht nicht", "cstack.ui", "in_scope", None),
            ("richtet ihr mir ein VPN ein?", NET, "out_of_scope", None),
        ),
    ),
    (
        "2026-11-25T11:00:00+00:00",
        "Do you offer <!channel> WordPress hosting with a managed plugin update?",
        "other",
        "unsure",
        "not_covered",
        (),
    ),
    ("2026-11-25T12:00:00+00:00", "Könnt ihr die Firewall für uns konfigurieren?", NET, "out_of_scope", None, ()),
    ("2026-11-26T08:00:00+00:00", "Die GPU wird in der VM nicht erkannt", "cloudgpu.vm_setup", "in_scope", None, ()),
    (
        "2026-11-26T15:00:00+00:00",
        "Something is off with my training script",
        "cloudgpu.custom_code",
        "unsure",
        "low_confidence",
        (),
    ),
    (
        "2026-11-27T09:00:00+00:00",
        "Please install Jupyter and migrate our WordPress database",
        FW,
        "mixed",
        None,
        (
            ("Please install Jupyter", FW, "out_of_scope", None),
            ("migrate our WordPress database", "other", "unsure", "not_covered"),
        ),
    ),
    ("2026-11-27T10:00:00+00:00", "Where do I find the invoices in the portal", "cstack.ui", "in_scope", None, ()),
    ("2026-11-29T18:00:00+00:00", "Can you register a `.de` domain for us?", "other", "unsure", "not_covered", ()),
    ("2026-11-29T23:00:00+00:00", "Please manage our DNS records", ADMIN, "out_of_scope", None, ()),
    ("2026-11-30T00:00:00+00:00", "Install TensorFlow for me", FW, "out_of_scope", None, ()),
]

# (created_at, detected row, statuses set one after the other, each one bot.services.quotes.NEXT_STATUSES allows)
QUOTES = [
    ("2026-11-20T12:00:00+00:00", FW, ("quote_sent", "accepted")),  # before the window: not counted
    ("2026-11-23T09:05:00+00:00", FW, ("feasible", "quote_sent", "accepted")),
    ("2026-11-24T09:35:00+00:00", FW, ("declined",)),  # staff found it not feasible
    ("2026-11-25T12:05:00+00:00", NET, ("quote_sent", "declined")),  # the customer declined the quote
    ("2026-11-26T10:00:00+00:00", None, ()),
    ("2026-11-29T23:05:00+00:00", ADMIN, ("feasible", "quote_sent")),  # no answer from the customer yet
]

# (reviewed_at or None, status, predicted label, label, flagged)
FEEDBACK = [
    ("2026-11-24T10:00:00+00:00", "accepted", "cstack.ui", "cstack.ui", False),
    ("2026-11-26T10:00:00+00:00", "accepted", "cloudgpu.custom_code", FW, False),
    ("2026-11-27T10:00:00+00:00", "accepted", "cstack.account", "cstack.account", False),
    ("2026-11-25T10:00:00+00:00", "accepted", None, "cstack.orders", False),
    ("2026-11-28T10:00:00+00:00", "discarded", "cstack.ui", "cstack.orders", False),
    ("2026-11-20T10:00:00+00:00", "accepted", "cstack.ui", "cstack.ui", False),
    ("2026-11-30T00:00:00+00:00", "accepted", "cstack.ui", "cstack.orders", False),
    (None, "pending", "cstack.ui", "cloudgpu.ui", True),
    (None, "pending", "cstack.ui", "cstack.account", False),
    (None, "pending", None, "cstack.orders", False),
]


def _verdict(text: str, label: str, verdict: str, reason: str | None, parts: tuple) -> NewVerdict:
    spans, start = [], 0
    for part_text, part_label, part_verdict, part_reason in parts:
        begin = text.index(part_text, start)
        start = begin + len(part_text)
        spans.append(
            VerdictPart(
                text=part_text,
                start=begin,
                end=start,
                label=part_label,
                verdict=part_verdict,
                confidence=0.8,
                reason=part_reason,
            )
        )
    return NewVerdict(
        source="mention",
        text=text,
        label=label,
        verdict=verdict,
        confidence=0.8,
        model_version="seed",
        lang="en",
        reason=reason,
        parts=tuple(spans),
        channel_id="C0HELP",
        user_id="U0ASKER",
    )


def _quote(label: str | None, n: int) -> NewQuote:
    return NewQuote(
        requester_id="U0ASKER",
        origin_channel_id="C0HELP",
        original_text=f"request {n}",
        detected_label=label,
        product="cloudgpu" if label and label.startswith("cloudgpu") else "cstack",
        what="please do this for us",
        timeline="next week",
        contact="ops@example.com",
        lang="en",
    )


def seed_week(store: Store) -> None:
    """Write VERDICTS, QUOTES and FEEDBACK into `store`."""
    for at, text, label, verdict, reason, parts in VERDICTS:
        verdict_id = store.verdicts.log(_verdict(text, label, verdict, reason, parts))
        _set(store, verdicts, verdict_id, created_at=at)
    for n, (at, label, statuses) in enumerate(QUOTES, start=1):
        quote, _ = store.quotes.create(_quote(label, n), submission_key=f"seed-{n}")
        for status in statuses:
            store.quotes.set_status(quote.ref, status=status, user_id="U0STAFF")
        _set(store, quote_requests, quote.id, created_at=at)
    for n, (at, status, predicted, label, flagged) in enumerate(FEEDBACK, start=1):
        item, _ = store.feedback.add(
            text=f"feedback text {n}",
            label=label,
            source="slack",
            status="accepted" if status == "accepted" else "pending",
            predicted_label=predicted,
            flag_reason="the current model is 97% sure it is cstack.ui" if flagged else None,
        )
        if status == "discarded":
            store.feedback.review(item.id, accept=False, reviewer="U0REVIEWER")
        if at is not None:
            _set(store, feedback, item.id, created_at=at, reviewed_at=at)


def _set(store: Store, table: sa.Table, row_id: int, **times: str) -> None:
    values = {name: datetime.fromisoformat(at) for name, at in times.items()}
    with store.engine.begin() as conn:
        conn.execute(table.update().where(table.c.id == row_id).values(**values))
