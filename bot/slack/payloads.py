"""Pure helpers that pull fields out of Slack payloads; no I/O, unit-tested on plain dicts."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_LEADING_MENTION = re.compile(r"^\s*(<@[A-Z0-9]+(?:\|[^>]*)?>[\s,:]*)+")


def mention_text(event: Mapping[str, Any]) -> str:
    """The mention's text without the leading @bot mention(s)."""
    return _LEADING_MENTION.sub("", event.get("text") or "").strip()


def reply_thread_ts(event: Mapping[str, Any]) -> str:
    """Where to reply: the thread the message is in, else the message itself."""
    return event.get("thread_ts") or event["ts"]


def event_key(body: Mapping[str, Any]) -> str | None:
    """A key identifying one Events API delivery across Slack's retries (None for non-events)."""
    if body.get("type") != "event_callback":
        return None
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    event = body.get("event") or {}
    return f"event:{event.get('channel')}:{event.get('event_ts') or event.get('ts')}"


@dataclass(frozen=True)
class ScopeCommand:
    kind: str  # "help" | "table" | "check"
    text: str = ""
    products: tuple[str, ...] = ()


_PRODUCT_ALIASES = {
    "cstack": "cstack",
    "cs": "cstack",
    "gpu": "cloudgpu",
    "cloudgpu": "cloudgpu",
    "cloud-gpu": "cloudgpu",
}


def parse_scope_command(text: str | None, *, product_ids: tuple[str, ...]) -> ScopeCommand:
    """`/scope` argument: empty or `help` -> usage; `table [cstack|gpu]` -> tables; anything else -> a check."""
    text = (text or "").strip()
    words = text.lower().split()
    if not words or words == ["help"] or words == ["hilfe"]:
        return ScopeCommand(kind="help")
    if words[0] in ("table", "tabelle", "tables") and len(words) <= 2:
        if len(words) == 1:
            return ScopeCommand(kind="table", products=product_ids)
        product = _PRODUCT_ALIASES.get(words[1])
        if product in product_ids:
            return ScopeCommand(kind="table", products=(product,))
    return ScopeCommand(kind="check", text=text)


def shortcut_message_text(body: Mapping[str, Any]) -> str:
    """Text of the message a message shortcut was used on (attachments' text as a fallback)."""
    message = body.get("message") or {}
    text = message.get("text") or ""
    if not text.strip():
        text = " ".join(a.get("text") or a.get("fallback") or "" for a in message.get("attachments") or [])
    return text.strip()


def action_value(body: Mapping[str, Any]) -> str:
    """The value of the (first) action: a button's value or a select's selected option value."""
    action = (body.get("actions") or [{}])[0]
    if "selected_option" in action:
        return (action["selected_option"] or {}).get("value", "")
    return action.get("value", "")


def action_id(body: Mapping[str, Any]) -> str:
    """The action_id of the (first) action."""
    return (body.get("actions") or [{}])[0].get("action_id", "")


def block_id_suffix(body: Mapping[str, Any], prefix: str) -> str | None:
    """For block_id 'prefix:X' of the first action, X."""
    block_id = (body.get("actions") or [{}])[0].get("block_id", "")
    head, _, tail = block_id.partition(":")
    return tail if head == prefix and tail else None


def user_id(body: Mapping[str, Any]) -> str:
    """The acting user of an interaction or command."""
    return (body.get("user") or {}).get("id") or body.get("user_id") or ""


def channel_id(body: Mapping[str, Any]) -> str | None:
    """The channel of an interaction or command, if any."""
    return (body.get("channel") or {}).get("id") or body.get("channel_id")


def view_values(view: Mapping[str, Any]) -> dict[str, str]:
    """block_id -> submitted value (text or selected option) of a modal's input blocks."""
    values: dict[str, str] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            if element.get("type") in ("static_select", "external_select"):
                values[block_id] = ((element.get("selected_option") or {}).get("value")) or ""
            else:
                values[block_id] = (element.get("value") or "").strip()
    return values


def private_metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    """The view's private_metadata JSON (empty dict if absent or not JSON)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


_EVENT_SURFACES = {"app_mention": "mention", "app_home_opened": "home"}
_INTERACTION_SURFACES = {
    "block_actions": "action",
    "view_submission": "view",
    "view_closed": "view",
    "shortcut": "shortcut",
    "message_action": "shortcut",
}


def surface(body: Mapping[str, Any]) -> str:
    """Which part of the bot a request is for: mention, command, shortcut, action, view, home, event or other."""
    if body.get("command"):
        return "command"
    kind = body.get("type")
    if kind == "event_callback":
        return _EVENT_SURFACES.get((body.get("event") or {}).get("type") or "", "event")
    return _INTERACTION_SURFACES.get(str(kind or ""), "other")


def request_id(body: Mapping[str, Any]) -> str:
    """An id Slack gives the request (event id, trigger id), to follow it through the logs; "" if none."""
    return str(body.get("event_id") or body.get("trigger_id") or "")


def team_id(body: Mapping[str, Any]) -> str:
    """The workspace of a request, if it says."""
    return str(body.get("team_id") or (body.get("team") or {}).get("id") or "")
