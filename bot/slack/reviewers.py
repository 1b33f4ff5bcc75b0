"""Who counts as a reviewer: configured user ids, or members of a configured Slack user group (cached); and who
may act as staff on quote requests: reviewers, or with none configured, members of the quotes channel (cached)."""

from __future__ import annotations

import logging
import threading
import time
from enum import Enum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0
# Shorter than the group's: leaving the quotes channel should soon end the right to decide quote requests.
CHANNEL_CACHE_SECONDS = 60.0
MEMBERS_PAGE = 1000  # conversations.members' largest page


class Permission(Enum):
    """Whether a user may act as staff; UNKNOWN when Slack could not be asked (then nobody may)."""

    ALLOWED = "allowed"
    NOT_STAFF = "not_staff"
    UNKNOWN = "unknown"


class Reviewers:
    """Answers is_reviewer(user) from SCOPE_BOT_REVIEWERS and the SCOPE_BOT_REVIEWER_GROUP user group."""

    def __init__(self, client: WebClient, *, users: frozenset[str], group: str, clock=time.monotonic):
        self.client = client
        self.users = users
        self.group = group
        self._clock = clock
        self._members: frozenset[str] = frozenset()
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self._channels: dict[str, tuple[float, frozenset[str]]] = {}  # channel -> (fetched at, members)
        self._channel_lock = threading.Lock()

    @property
    def configured(self) -> bool:
        """True when reviewers are named (users or a group): then only they may act as staff."""
        return bool(self.users or self.group)

    def is_reviewer(self, user_id: str) -> bool:
        """True for configured reviewers and current members of the reviewer group."""
        return bool(user_id) and (user_id in self.users or user_id in self._group_members())

    def staff_permission(self, user_id: str, *, channel: str) -> Permission:
        """May `user_id` act as staff? Configured reviewers decide; with none configured, members of `channel`."""
        if self.configured:
            return Permission.ALLOWED if self.is_reviewer(user_id) else Permission.NOT_STAFF
        members = self._channel_members(channel)
        if members is None:
            return Permission.UNKNOWN
        return Permission.ALLOWED if user_id and user_id in members else Permission.NOT_STAFF

    def _channel_members(self, channel: str) -> frozenset[str] | None:
        """Members of `channel`, cached; None when Slack cannot say (not cached: the next click asks again)."""
        with self._channel_lock:
            cached = self._channels.get(channel)
            if cached is not None and self._clock() - cached[0] < CHANNEL_CACHE_SECONDS:
                return cached[1]
            members: set[str] = set()
            cursor = ""
            try:
                while True:
                    response = self.client.conversations_members(
                        channel=channel, limit=MEMBERS_PAGE, cursor=cursor or None
                    )
                    members.update(response.get("members") or [])
                    cursor = (response.get("response_metadata") or {}).get("next_cursor") or ""
                    if not cursor:
                        break
            except (SlackApiError, SlackClientError, OSError) as exc:
                # Unlike the reviewer group, no fallback to the last known members: a status change nobody could
                # check is refused, and the user is told to try again.
                log.warning("cannot read members of channel %s: %s", channel, exc)
                return None
            self._channels[channel] = (self._clock(), frozenset(members))
            return self._channels[channel][1]

    def _group_members(self) -> frozenset[str]:
        if not self.group:
            return frozenset()
        with self._lock:
            if self._fetched_at is not None and self._clock() - self._fetched_at < CACHE_SECONDS:
                return self._members
            try:
                response = self.client.usergroups_users_list(usergroup=self.group)
                self._members = frozenset(response.get("users") or [])
            except (SlackApiError, SlackClientError, OSError) as exc:
                # Keep the last known members (none before the first success: then feedback waits for review
                # instead of being lost) and ask again after the cache period rather than on every click.
                log.warning("cannot read reviewer group %s: %s", self.group, exc)
            self._fetched_at = self._clock()
            return self._members
