"""manifest.yml must declare what the code listens to, or the admin's one-step setup silently breaks."""

import yaml

from bot.serve.http import SLACK_PATH
from bot.settings import PROJECT_ROOT
from bot.slack.listeners.commands import SCOPE_COMMAND
from bot.slack.ui.ids import CALLBACK_CHECK_SCOPE


def test_manifest_declares_every_entry_point_the_code_uses():
    manifest = yaml.safe_load((PROJECT_ROOT / "manifest.yml").read_text(encoding="utf-8"))
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [SCOPE_COMMAND]
    assert [s["callback_id"] for s in features["shortcuts"] if s["type"] == "message"] == [CALLBACK_CHECK_SCOPE]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "app_home_opened"}
    assert settings["interactivity"]["is_enabled"] is True
    assert features["app_home"]["home_tab_enabled"] is True
    urls = [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]]
    urls += [c["url"] for c in features["slash_commands"]]
    assert all(url.endswith(SLACK_PATH) for url in urls)
    needed = {"app_mentions:read", "chat:write", "commands", "usergroups:read"}
    needed |= {"channels:history", "groups:history", "im:history", "im:write"}  # the outbox's check for an earlier send
    needed |= {"channels:read", "groups:read"}  # preflight; who is in the quotes channel without reviewers
    needed |= {"files:write"}  # the weekly report's chart (bot.slack.uploads)
    assert needed <= set(manifest["oauth_config"]["scopes"]["bot"])
