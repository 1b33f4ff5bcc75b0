"""Checks against Slack before the bot starts (and for `scope-bot doctor`): the token, and that the bot can post to
the channels it is configured for. Every failure names the variable and says what to do."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import ConfigError
from bot.settings import Settings

_QUIET = logging.getLogger("bot.slack.preflight.client")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False
_BAD_TOKEN = {"invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired"}


@dataclass(frozen=True)
class BotIdentity:
    """Who the token belongs to (auth.test), found once before the server starts and handed to every worker."""

    team_id: str
    bot_id: str
    user_id: str


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fatal: bool = True  # the bot cannot work without it
    identity: BotIdentity | None = None  # the token check's result


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") if exc.response is not None else "") or "unknown_error"


def check_token(client: WebClient, settings: Settings) -> Check:
    """auth.test: the token is valid and Slack is reachable."""
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = _error(exc)
        if error in _BAD_TOKEN:
            return Check(
                "token",
                False,
                f"SLACK_BOT_TOKEN is not accepted by Slack ({error}): copy the Bot User OAuth "
                "Token (xoxb-...) from the app's OAuth & Permissions page",
            )
        return Check("token", False, f"Slack answered auth.test with {error}; check SLACK_BOT_TOKEN and SLACK_API_URL")
    except (SlackClientError, OSError) as exc:
        return Check(
            "token",
            False,
            f"cannot reach Slack at SLACK_API_URL={settings.slack_api_url} ({exc}); check the network or SLACK_API_URL",
        )
    identity = BotIdentity(
        team_id=str(answer.get("team_id") or ""),
        bot_id=str(answer.get("bot_id") or ""),
        user_id=str(answer.get("user_id") or ""),
    )
    return Check(
        "token", True, f"bot {answer.get('user')} ({answer.get('user_id')}) in {answer.get('team')}", identity=identity
    )


def check_channel(client: WebClient, *, variable: str, channel: str, fatal: bool) -> Check:
    """The bot can post to `channel`: a public channel (chat:write.public) or one it was invited to."""
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as exc:
        error = _error(exc)
        hint = "check the id, or invite the bot (/invite @scope-bot) if the channel is private"
        return Check(variable, False, f"{variable}={channel}: Slack says {error}; {hint}", fatal)
    except (SlackClientError, OSError) as exc:
        return Check(variable, False, f"{variable}={channel}: cannot ask Slack ({exc})", fatal)
    if info.get("is_archived"):
        return Check(variable, False, f"{variable}={channel} is archived; pick another channel", fatal)
    if info.get("is_private") and not info.get("is_member"):
        return Check(
            variable,
            False,
            f"{variable}={channel} is private and the bot is not a member: /invite @scope-bot in that channel",
            fatal,
        )
    name = info.get("name") or channel
    return Check(variable, True, f"#{name} ({'member' if info.get('is_member') else 'public, not a member'})", fatal)


def slack_checks(settings: Settings) -> list[Check]:
    """The token, then the quotes channel (needed) and the report channel (optional)."""
    # Its own quiet logger, no retries: the check's one line says what failed, slack_sdk's log would say it again.
    client = WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10, logger=_QUIET, retry_handlers=[]
    )
    checks = [check_token(client, settings)]
    if not checks[0].ok:
        return checks
    if settings.quotes_channel:
        checks.append(
            check_channel(client, variable="SCOPE_BOT_QUOTES_CHANNEL", channel=settings.quotes_channel, fatal=True)
        )
    if settings.report_channel:
        checks.append(
            check_channel(client, variable="SCOPE_BOT_REPORT_CHANNEL", channel=settings.report_channel, fatal=False)
        )
    return checks


def require_slack_works(settings: Settings) -> tuple[BotIdentity, list[Check]]:
    """slack_checks, raising ConfigError with the first fatal failure's line; the identity and all checks."""
    checks = slack_checks(settings)
    failed = [c for c in checks if not c.ok and c.fatal]
    if failed:
        raise ConfigError(failed[0].detail)
    identity = checks[0].identity
    assert identity is not None  # a passed token check carries it
    return identity, checks
