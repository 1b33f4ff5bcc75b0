"""The Slack calls that announce a quote request and its status changes, and sending them at once."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.db import OutboxCall, QuoteRequest, Store
from bot.services.quotes import (
    CONFIRMATION,
    QUOTE_PURPOSES,
    STAFF_POST,
    STAFF_UPDATE,
    STATUS_NOTICE,
    Announce,
    note_delivery,
)
from bot.settings import Settings
from bot.slack.outbox import Outbox
from bot.slack.pacing import ChannelPacer
from bot.slack.ui.quotes import quote_confirmation, quote_staff_blocks, quote_staff_text, quote_status_update
from model.catalog import Catalog


def new_quote_calls(*, catalog: Catalog, quotes_channel: str) -> Announce:
    """A new request: the post to the staff channel and the confirmation to the requester."""

    def build(quote: QuoteRequest) -> list[OutboxCall]:
        staff_post = {
            "channel": quotes_channel,
            "text": quote_staff_text(quote),
            "blocks": quote_staff_blocks(quote, catalog=catalog),
        }
        return [
            OutboxCall(method="chat.postMessage", payload=staff_post, purpose=STAFF_POST),
            OutboxCall(
                method="chat.postMessage",
                payload={"channel": quote.requester_id, "text": quote_confirmation(quote)},
                purpose=CONFIRMATION,
            ),
        ]

    return build


def status_calls(*, catalog: Catalog) -> Announce:
    """A new status: update the staff post (once it exists) and tell the requester."""

    def build(quote: QuoteRequest) -> list[OutboxCall]:
        calls = []
        if quote.staff_channel_id and quote.staff_message_ts:
            update = {
                "channel": quote.staff_channel_id,
                "ts": quote.staff_message_ts,
                "text": quote_staff_text(quote),
                "blocks": quote_staff_blocks(quote, catalog=catalog),
            }
            calls.append(OutboxCall(method="chat.update", payload=update, purpose=STAFF_UPDATE))
        notice = {"channel": quote.requester_id, "text": quote_status_update(quote)}
        calls.append(OutboxCall(method="chat.postMessage", payload=notice, purpose=STATUS_NOTICE))
        return calls

    return build


def deliver_quote_calls(outbox: Outbox, quote: QuoteRequest) -> int:
    """Send the due queued Slack calls of one quote request now; what fails stays for the periodic retry."""
    return outbox.flush(purpose_id=quote.id, purposes=QUOTE_PURPOSES)


def make_outbox(store: Store, client: WebClient, *, settings: Settings) -> Outbox:
    """The bot's outbox: posts paced per channel; delivered staff posts are remembered on their quote request."""
    return Outbox(
        store,
        client,
        retry_seconds=settings.outbox_retry_seconds,
        on_delivered=lambda item, response: note_delivery(store, item, response),
        pacer=ChannelPacer(settings.channel_pace_seconds),
        api_url=settings.slack_api_url,
    )
