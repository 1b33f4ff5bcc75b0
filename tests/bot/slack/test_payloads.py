"""bot.payloads: pulling fields out of Slack payloads (plain dicts shaped like Slack's)."""

import json

import pytest

from bot.slack.payloads import (
    ScopeCommand,
    action_id,
    action_value,
    block_id_suffix,
    channel_id,
    event_key,
    mention_text,
    parse_scope_command,
    private_metadata,
    reply_thread_ts,
    request_id,
    shortcut_message_text,
    surface,
    team_id,
    user_id,
    view_values,
)
from tests.support.interactions import block_actions, button, select
from tests.support.slack_requests import event_body, mention_event


@pytest.fixture(scope="module")
def product_ids(catalog):
    return tuple(p.id for p in catalog.products)


# --- mentions and events -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@UBOT0001> can you install PyTorch?", "can you install PyTorch?"),
        ("<@UBOT0001>: can you install PyTorch?", "can you install PyTorch?"),
        ("  <@UBOT0001|scope-bot>, hello", "hello"),
        ("<@UBOT0001> <@U0OTHER> hi there", "hi there"),
        ("<@UBOT0001>", ""),
        ("please ask <@U0SUPPORT> about the VM", "please ask <@U0SUPPORT> about the VM"),
        ("<@UBOT0001> ask <@U0SUPPORT>", "ask <@U0SUPPORT>"),
    ],
)
def test_mention_text_drops_only_leading_mentions(text, expected):
    assert mention_text({"text": text}) == expected


def test_mention_text_of_event_without_text_is_empty():
    assert mention_text({}) == ""
    assert mention_text({"text": None}) == ""


def test_reply_goes_to_the_thread_or_starts_one_on_the_message():
    assert reply_thread_ts({"ts": "111.000100"}) == "111.000100"
    assert reply_thread_ts({"ts": "111.000200", "thread_ts": "111.000100"}) == "111.000100"


def test_event_key_is_the_event_id_and_stable_across_retries():
    first = json.loads(event_body(mention_event("hi", ts="1.1"), event_id="Ev42"))
    retry = json.loads(event_body(mention_event("hi", ts="1.1"), event_id="Ev42"))
    other = json.loads(event_body(mention_event("hi", ts="1.1"), event_id="Ev43"))
    assert event_key(first) == event_key(retry) == "event:Ev42"
    assert event_key(other) != event_key(first)


def test_event_key_without_event_id_uses_channel_and_event_ts():
    body = json.loads(event_body(mention_event("hi", ts="1.5", channel="C9")))
    del body["event_id"]
    assert event_key(body) == "event:C9:1.5"


def test_event_key_is_none_for_everything_but_event_callbacks():
    assert event_key(block_actions(button("x", "1"))) is None
    assert event_key({"type": "url_verification", "challenge": "abc"}) is None
    assert event_key({"command": "/scope", "text": "help"}) is None


# --- /scope arguments --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "   ", "help", " HELP ", "hilfe"])
def test_empty_or_help_is_usage(text, product_ids):
    assert parse_scope_command(text, product_ids=product_ids) == ScopeCommand(kind="help")


def test_table_alone_lists_every_product_in_catalog_order(product_ids):
    assert parse_scope_command("table", product_ids=product_ids) == ScopeCommand(kind="table", products=product_ids)
    assert parse_scope_command("Tabelle", product_ids=product_ids).products == product_ids


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("table gpu", "cloudgpu"),
        ("table GPU", "cloudgpu"),
        ("tables cloud-gpu", "cloudgpu"),
        ("table cstack", "cstack"),
        ("tabelle cs", "cstack"),
    ],
)
def test_table_with_a_product_alias_lists_that_product(text, product, product_ids):
    assert parse_scope_command(text, product_ids=product_ids) == ScopeCommand(kind="table", products=(product,))


@pytest.mark.parametrize(
    "text",
    [
        "Can you install PyTorch on our GPU VM?",
        "table tennis",
        "table gpu please now",
        "help me with my VM",
        "Hilfe, mein Cluster ist weg",
    ],
)
def test_anything_else_is_a_check_of_the_text_as_typed(text, product_ids):
    assert parse_scope_command(f"  {text} ", product_ids=product_ids) == ScopeCommand(kind="check", text=text)


def test_unknown_product_alias_is_not_turned_into_a_table(product_ids):
    # Only products the catalog has: an alias for a product that is not configured is a question.
    assert parse_scope_command("table gpu", product_ids=("cstack",)).kind == "check"


# --- interactions ------------------------------------------------------------------------------------------------


def test_action_value_of_a_button_and_of_a_select():
    assert action_value(block_actions(button("scope_request_quote", "17"))) == "17"
    assert (
        action_value(block_actions(select("scope_feedback_wrong_row", "cstack.ui", block_id="feedback:3")))
        == "cstack.ui"
    )


def test_action_value_without_actions_or_selection_is_empty():
    assert action_value({}) == ""
    assert action_value({"actions": [{"type": "static_select", "selected_option": None}]}) == ""


def test_action_id_and_block_id_suffix():
    body = block_actions(select("scope_feedback_wrong_row", "none", block_id="feedback:12"))
    assert action_id(body) == "scope_feedback_wrong_row"
    assert block_id_suffix(body, "feedback") == "12"
    assert block_id_suffix(body, "quote") is None
    assert block_id_suffix(block_actions(button("x", "1", block_id="feedback:")), "feedback") is None
    assert block_id_suffix({}, "feedback") is None


def test_user_and_channel_of_interactions_and_commands():
    body = block_actions(button("x", "1"), user="U0ACT", channel="C0ACT")
    assert (user_id(body), channel_id(body)) == ("U0ACT", "C0ACT")
    command = {"user_id": "U0CMD", "channel_id": "C0CMD", "text": "help"}
    assert (user_id(command), channel_id(command)) == ("U0CMD", "C0CMD")
    assert user_id({}) == "" and channel_id({}) is None


def test_shortcut_text_falls_back_to_attachments():
    assert shortcut_message_text({"message": {"text": "  install Ollama pls "}}) == "install Ollama pls"
    attached = {"message": {"text": " ", "attachments": [{"text": "forwarded: our VM"}, {"fallback": "is down"}]}}
    assert shortcut_message_text(attached) == "forwarded: our VM is down"
    assert shortcut_message_text({}) == ""


def test_view_values_reads_text_inputs_and_selects_by_block_id():
    view = {
        "state": {
            "values": {
                "quote_what": {"value": {"type": "plain_text_input", "value": "  Install Ollama on the H100  "}},
                "quote_product": {"value": {"type": "static_select", "selected_option": {"value": "cloudgpu"}}},
                "quote_timeline": {"value": {"type": "plain_text_input", "value": None}},
                "quote_contact": {"value": {"type": "plain_text_input"}},
                "other": {"value": {"type": "static_select", "selected_option": None}},
            }
        }
    }
    assert view_values(view) == {
        "quote_what": "Install Ollama on the H100",
        "quote_product": "cloudgpu",
        "quote_timeline": "",
        "quote_contact": "",
        "other": "",
    }


def test_view_values_of_a_view_without_state_is_empty():
    assert view_values({}) == {}
    assert view_values({"state": {}}) == {}


def test_private_metadata_round_trips_json_and_tolerates_garbage():
    meta = {"verdict_id": 7, "channel_id": "C1", "lang": "de"}
    assert private_metadata({"private_metadata": json.dumps(meta)}) == meta
    assert private_metadata({}) == {}
    assert private_metadata({"private_metadata": ""}) == {}
    assert private_metadata({"private_metadata": "{not json"}) == {}
    assert private_metadata({"private_metadata": "[1, 2]"}) == {}


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"type": "event_callback", "event": {"type": "app_mention"}}, "mention"),
        ({"type": "event_callback", "event": {"type": "app_home_opened"}}, "home"),
        ({"type": "event_callback", "event": {"type": "member_joined_channel"}}, "event"),
        ({"command": "/scope", "text": "x"}, "command"),
        ({"type": "block_actions"}, "action"),
        ({"type": "view_submission"}, "view"),
        ({"type": "view_closed"}, "view"),
        ({"type": "message_action"}, "shortcut"),
        ({"type": "shortcut"}, "shortcut"),
        ({"type": "url_verification"}, "other"),
        ({}, "other"),
    ],
)
def test_surface_names_the_part_of_the_bot_a_request_is_for(body, expected):
    assert surface(body) == expected


def test_request_and_team_ids_of_events_commands_and_interactions():
    event = json.loads(event_body(mention_event("hi"), event_id="Ev42", team_id="T9"))
    assert (request_id(event), team_id(event)) == ("Ev42", "T9")
    assert (request_id({"trigger_id": "tr-1", "team_id": "T1"}), team_id({"team_id": "T1"})) == ("tr-1", "T1")
    assert (request_id({}), team_id({"team": {"id": "T2"}})) == ("", "T2")
