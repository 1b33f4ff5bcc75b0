"""Who counts as a reviewer: configured user ids, or members of a configured Slack user group (cached)."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0


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

    @property
    def configured(self) -> bool:
        """True when reviewers are named (users or a group): then only they may act as staff."""
        return bool(self.users or self.group)

    def is_reviewer(self, user_id: str) -> bool:
        """True for configured reviewers and current members of the reviewer group."""
        return bool(user_id) and (user_id in self.users or user_id in self._group_members())

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
