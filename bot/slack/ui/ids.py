"""Every action_id, callback_id and block_id the bot uses (the manifest names CALLBACK_CHECK_SCOPE too)."""

import re

ACTION_REQUEST_QUOTE = "scope_request_quote"
ACTION_FEEDBACK_CORRECT = "scope_feedback_correct"
ACTION_FEEDBACK_WRONG = "scope_feedback_wrong_row"
ACTION_QUOTE_STATUS = "scope_quote_status"  # one action_id per status: f"{ACTION_QUOTE_STATUS}:{status}"
QUOTE_REF = re.compile(r"Q-\d{4}-\d{4,}", re.IGNORECASE)
ACTION_REVIEW_ACCEPT = "scope_review_accept"
ACTION_REVIEW_DISCARD = "scope_review_discard"
# The uncertain review queue in App Home: one button per candidate row, f"{ACTION_QUEUE_ANSWER}:{n}" (action ids
# are unique within a block), the "another row" select and "skip".
ACTION_QUEUE_ANSWER = "scope_queue_answer"
ACTION_QUEUE_OTHER_ROW = "scope_queue_other_row"
ACTION_QUEUE_SKIP = "scope_queue_skip"
CALLBACK_QUOTE_MODAL = "scope_quote_modal"
CALLBACK_CHECK_SCOPE = "scope_check_message"  # the message shortcut, also in manifest.yml
BLOCK_QUOTE_WHAT = "quote_what"
BLOCK_QUOTE_PRODUCT = "quote_product"
BLOCK_QUOTE_TIMELINE = "quote_timeline"
BLOCK_QUOTE_CONTACT = "quote_contact"
INPUT_ACTION = "value"  # the action_id of every modal input element
# Action blocks carry the record they act on in their block_id: f"{prefix}:{key}".
BLOCK_FEEDBACK = "feedback"
BLOCK_QUOTE_STAFF = "quote"
BLOCK_REVIEW = "review"
BLOCK_QUEUE = "queue"
METADATA_EVENT_TYPE = "scope_triage"


def answer_ref(verdict_id: int, part: int | None) -> str:
    """What a button or block carries to name the answer it belongs to: "17", or "17:1" for part 1 of 17."""
    return str(verdict_id) if part is None else f"{verdict_id}:{part}"


def parse_answer_ref(value: str | None) -> tuple[int, int | None]:
    """(verdict id, part) from answer_ref's form; ValueError if `value` is not one."""
    head, _, part = (value or "").partition(":")
    return int(head), int(part) if part else None


def quote_status_value(ref: str, shown: str) -> str:
    """What a staff status button carries: the request and the status its post showed, "Q-2026-0001:new"."""
    return f"{ref}:{shown}"


def parse_quote_status_value(value: str | None) -> tuple[str, str]:
    """(reference, shown status) from quote_status_value's form; ValueError if `value` is not one.

    A bare reference comes from a post rendered before buttons carried the status; it counts as showing "new",
    so it can still decide an undecided request but never overwrite a decision.
    """
    ref, sep, shown = (value or "").partition(":")
    if not QUOTE_REF.fullmatch(ref) or (sep and not shown):
        raise ValueError(f"not a quote status button value: {value!r}")
    return ref.upper(), shown if sep else "new"
