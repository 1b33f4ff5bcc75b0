"""Staff buttons on a quote request post: feasible / quote sent / declined."""

from __future__ import annotations

import logging
from typing import Any

from bot.services.quotes import change_quote_status
from bot.slack.announcements import deliver_quote_calls, status_calls
from bot.slack.deps import deps_of
from bot.slack.payloads import action_id, action_value, user_id
from bot.slack.texts import t
from bot.slack.ui.ids import ACTION_QUOTE_STATUS

log = logging.getLogger(__name__)


def handle(ack: Any, body: dict, context: Any, respond: Any) -> None:
    """Change a quote request's status, if the clicking user may.

    With reviewers configured (SCOPE_BOT_REVIEWERS / SCOPE_BOT_REVIEWER_GROUP) only they may. Without, anyone who
    can click does: the buttons are only on the post in the quotes channel, which only staff see.
    """
    ack()
    deps = deps_of(context)
    staff_user = user_id(body)
    ref = action_value(body)
    if deps.reviewers.configured and not deps.reviewers.is_reviewer(staff_user):
        log.warning("user %s is not support staff; status change of %s ignored", staff_user, ref)
        respond(text=t("en", "quote_status_staff_only"), response_type="ephemeral", replace_original=False)
        return
    quote, changed = change_quote_status(
        deps.store,
        ref=ref,
        status=action_id(body).removeprefix(ACTION_QUOTE_STATUS + ":"),
        staff_user=staff_user,
        announce=status_calls(catalog=deps.catalog),
    )
    if changed:
        deliver_quote_calls(deps.outbox, quote)
