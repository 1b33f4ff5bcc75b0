"""Persistence: the only package with SQL. One schema, migrations, one module per record type."""

from bot.db.feedback import FEEDBACK_STATUSES, AcceptedFeedback, FeedbackItem
from bot.db.outbox import OutboxCall, OutboxEntry, OutboxItem
from bot.db.quotes import QUOTE_STATUSES, NewQuote, QuoteRequest, StatusChange
from bot.db.store import Records, Store, Tx
from bot.db.verdicts import NewVerdict, QueueDecision, VerdictAlternative, VerdictPart, VerdictRecord

__all__ = [
    "FEEDBACK_STATUSES",
    "QUOTE_STATUSES",
    "AcceptedFeedback",
    "FeedbackItem",
    "NewQuote",
    "NewVerdict",
    "OutboxCall",
    "OutboxEntry",
    "OutboxItem",
    "QueueDecision",
    "QuoteRequest",
    "Records",
    "StatusChange",
    "Store",
    "Tx",
    "VerdictAlternative",
    "VerdictPart",
    "VerdictRecord",
]
