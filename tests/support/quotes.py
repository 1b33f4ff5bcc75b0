"""A quote request as a requester submits it, for tests that need one stored."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.db import NewQuote
from bot.slack.ui import ids

NEW_QUOTE = NewQuote(
    requester_id="U0REQ",
    origin_channel_id="C0SUPPORT",
    original_text="Please install Ollama on our GPU VM",
    detected_label="cloudgpu.third_party_frameworks",
    product="cloudgpu",
    what="Install Ollama with Llama 3 on the H100",
    timeline="next week",
    contact="ops@example.com",
    lang="en",
)


def new_quote(**changes: Any) -> NewQuote:
    """NEW_QUOTE with some fields changed."""
    return dataclasses.replace(NEW_QUOTE, **changes)


# What a requester types into the quote modal, by block id.
QUOTE_ANSWERS = {
    ids.BLOCK_QUOTE_WHAT: "Install Ollama with Llama 3 and Open WebUI on our H100 VM",
    ids.BLOCK_QUOTE_PRODUCT: "cloudgpu",
    ids.BLOCK_QUOTE_TIMELINE: "within two weeks",
    ids.BLOCK_QUOTE_CONTACT: "ops@example.com",
}
