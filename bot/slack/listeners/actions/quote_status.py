"""Staff buttons on a quote request post: feasible / quote sent / accepted / declined."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from bot.db import QuoteRequest
from bot.errors import NotFoundError, ValidationError
from bot.services.quotes import change_quote_status
from bot.slack.announcements import deliver_quote_calls, status_calls
from bot.slack.deps import Deps, deps_of
from bot.slack.durable import answer_privately
from bot.slack.payloads import action_id, action_value, user_id
from bot.slack.replies import STATUS_REPLY
from bot.slack.reviewers import Permission
from bot.slack.texts import t
from bot.slack.ui.ids import ACTION_QUOTE_STATUS, parse_quote_status_value
from bot.slack.ui.quotes import quote_staff_blocks, quote_staff_text, quote_status_refused, quote_status_unchanged

log = logging.getLogger(__name__)


def handle(ack: Any, body: dict, context: Any) -> None:
    """Change a quote request's status, if the clicking user may and the post still shows the current status.

    With reviewers configured (SCOPE_BOT_REVIEWERS / SCOPE_BOT_REVIEWER_GROUP) only they may; without, members of
    the quotes channel. A click on a post that showed another status (replayed, or an old post) changes nothing,
    and so does one for a status that may not follow the shown one (bot.services.quotes.NEXT_STATUSES).
    """
    ack()
    deps = deps_of(context)
    staff_user = user_id(body)
    value = action_value(body)
    permission = deps.reviewers.staff_permission(staff_user, channel=deps.settings.quotes_channel)
    if permission is not Permission.ALLOWED:
        log.warning("status change of %r by %s refused: %s", value, staff_user, permission.value)
        key = "quote_status_unverified" if permission is Permission.UNKNOWN else "quote_status_staff_only"
        _tell(deps, body, t("en", key))
        return
    try:
        ref, shown = parse_quote_status_value(value)
    except ValueError:
        log.warning("status change by %s refused: not a status button value %r", staff_user, value)
        _tell(deps, body, t("en", "quote_status_invalid"))
        return
    status = action_id(body).removeprefix(ACTION_QUOTE_STATUS + ":")
    try:
        decision = change_quote_status(
            deps.store,
            ref=ref,
            status=status,
            expected=shown,
            staff_user=staff_user,
            announce=status_calls(catalog=deps.catalog),
        )
    except ValidationError as exc:
        log.warning("status change of %s by %s refused: %s", ref, staff_user, exc)
        key = exc.fields.get("status", "quote_status_invalid")
        _tell(deps, body, quote_status_refused(key, shown=shown, status=status))
        if key == "quote_status_not_allowed":  # e.g. a post drawn before this status existed: show its buttons now
            with contextlib.suppress(NotFoundError):
                _redraw(deps, body, deps.store.quotes.get(ref))
        return
    except NotFoundError as exc:  # a post of a request this database does not have
        log.warning("status change by %s refused: %s", staff_user, exc)
        _tell(deps, body, t("en", "quote_status_invalid"))
        return
    quote = decision.quote
    if decision.changed:
        deliver_quote_calls(deps.outbox, quote)
        return
    log.info("stale status click on %s by %s: post showed %s, status is %s", quote.ref, staff_user, shown, quote.status)
    _tell(deps, body, quote_status_unchanged(quote))
    # The clicked post is out of date (or this click is a repeat): show it as it is now, so its buttons work again.
    _redraw(deps, body, quote)


def _redraw(deps: Deps, body: dict, quote: QuoteRequest) -> None:
    current = {"text": quote_staff_text(quote), "blocks": quote_staff_blocks(quote, catalog=deps.catalog)}
    answer_privately(deps, body=body, message=current, purpose=STATUS_REPLY, replace_original=True)


def _tell(deps: Deps, body: dict, text: str) -> None:
    answer_privately(deps, body=body, message={"text": text}, purpose=STATUS_REPLY)
