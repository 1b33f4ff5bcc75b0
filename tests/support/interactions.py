"""Interactivity payloads as Slack sends them (block_actions, view_submission, app_home_opened), as plain dicts.

Wrap them with slack_requests.interactive_body / event_body and sign them with slack_requests.signed_headers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

TEAM = {"id": "T0001", "domain": "fake"}


def block_actions(
    action: dict[str, Any],
    *,
    user: str = "U0CUSTOMER",
    channel: str = "C0SUPPORT",
    response_url: str = "",
    trigger_id: str = "trigger-1",
    message_ts: str = "1700000000.000200",
) -> dict[str, Any]:
    """A block_actions payload for one clicked button or chosen select option."""
    return {
        "type": "block_actions",
        "token": "legacy",
        "api_app_id": "A0001",
        "team": TEAM,
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "channel": {"id": channel, "name": "support"},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": trigger_id,
        "response_url": response_url,
        "actions": [{**action, "action_ts": "1700000001.000000"}],
    }


def button(action_id: str, value: str, *, block_id: str = "b1") -> dict[str, Any]:
    """The `actions[0]` of a clicked button."""
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "text": {"type": "plain_text", "text": "x"},
    }


def select(action_id: str, value: str, *, block_id: str) -> dict[str, Any]:
    """The `actions[0]` of a static_select whose option `value` was chosen."""
    return {
        "type": "static_select",
        "action_id": action_id,
        "block_id": block_id,
        "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
    }


def input_elements(view: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(block_id, element) of every input block of a view."""
    for block in view.get("blocks", []):
        if block.get("type") == "input":
            yield block["block_id"], block["element"]


def view_state(view: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """`view.state` for a modal whose input blocks are filled with `answers` (block_id -> text or option value)."""
    values: dict[str, Any] = {}
    for block_id, element in input_elements(view):
        answer = answers.get(block_id)
        if element["type"] == "static_select":
            option = {"text": {"type": "plain_text", "text": answer}, "value": answer} if answer else None
            values[block_id] = {element["action_id"]: {"type": "static_select", "selected_option": option}}
        else:
            values[block_id] = {element["action_id"]: {"type": element["type"], "value": answer}}
    return {"values": values}


def view_submission(
    view: dict[str, Any], answers: dict[str, str], *, view_id: str = "V0001", user: str = "U0CUSTOMER"
) -> dict[str, Any]:
    """A view_submission of the modal `view` (as the bot opened it) with the inputs filled with `answers`."""
    return {
        "type": "view_submission",
        "token": "legacy",
        "api_app_id": "A0001",
        "team": TEAM,
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "trigger_id": "trigger-view",
        "view": {
            **view,
            "id": view_id,
            "team_id": "T0001",
            "state": view_state(view, answers),
            "hash": "1700000000.abcdef",
        },
    }


def home_opened_event(user: str, *, tab: str = "home") -> dict[str, Any]:
    """An app_home_opened event."""
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab, "event_ts": "1700000000.000900"}


def json_body(response_body: str) -> dict[str, Any]:
    """An acknowledgement's JSON body."""
    return json.loads(response_body)
