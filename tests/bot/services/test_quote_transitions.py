"""bot.services.quotes: which status may follow which (NEXT_STATUSES), for clicks and for the command line, on
real SQLite. Accepted comes only after a quote was sent; accepted and declined are final."""

import pytest

from bot.db import QUOTE_STATUSES
from bot.errors import NotFoundError, ValidationError
from bot.services.quotes import DECISIONS, NEXT_STATUSES, change_quote_status, set_quote_status
from tests.support.quotes import NEW_QUOTE

pytestmark = pytest.mark.postgres  # each test that uses a database runs on SQLite and on PostgreSQL


def quote_in(store, *statuses):
    """A stored request taken through `statuses` (each from the one before, as its post showed)."""
    quote, _ = store.quotes.create(NEW_QUOTE, submission_key=f"view:{'-'.join(statuses) or 'new'}")
    for status in statuses:
        decision = change_quote_status(store, ref=quote.ref, status=status, expected=quote.status, staff_user="U0S")
        assert decision.changed
        quote = decision.quote
    return quote


def test_the_transitions_go_forward_only_and_end_in_accepted_or_declined():
    assert set(NEXT_STATUSES) == set(QUOTE_STATUSES)
    assert NEXT_STATUSES == {
        "new": ("feasible", "quote_sent", "declined"),
        "feasible": ("quote_sent", "declined"),
        "quote_sent": ("accepted", "declined"),
        "accepted": (),
        "declined": (),
    }
    assert all(set(nexts) <= set(DECISIONS) and "new" not in nexts for nexts in NEXT_STATUSES.values())


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ((), "feasible"),
        ((), "quote_sent"),
        ((), "declined"),
        (("feasible",), "quote_sent"),
        (("feasible",), "declined"),
        (("quote_sent",), "accepted"),
        (("feasible", "quote_sent"), "accepted"),
        (("quote_sent",), "declined"),
    ],
)
def test_every_allowed_decision_applies_and_is_logged(path, status, store):
    quote = quote_in(store, *path)
    decision = change_quote_status(store, ref=quote.ref, status=status, expected=quote.status, staff_user="U0S")
    assert decision.changed and decision.quote.status == status
    assert [h.status for h in store.quotes.history(quote.id)] == ["new", *path, status]


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ((), "accepted", "is new; it cannot be set to accepted (allowed: feasible, quote_sent, declined)"),
        (("feasible",), "accepted", "is feasible; it cannot be set to accepted (allowed: quote_sent, declined)"),
        (("quote_sent",), "feasible", "is quote_sent; it cannot be set to feasible (allowed: accepted, declined)"),
        (("quote_sent", "accepted"), "declined", "is accepted; it cannot be set to declined (allowed: none, accepted"),
        (("declined",), "accepted", "is declined; it cannot be set to accepted (allowed: none, declined is final)"),
        (("declined",), "feasible", "is declined; it cannot be set to feasible (allowed: none, declined is final)"),
    ],
)
def test_a_decision_that_may_not_follow_is_refused_and_changes_nothing(path, status, message, store):
    quote = quote_in(store, *path)
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        change_quote_status(store, ref=quote.ref, status=status, expected=quote.status, staff_user="U0LATE")
    assert caught.value.fields == {"status": "quote_status_not_allowed"}
    assert str(caught.value).startswith(f"{quote.ref} is ")
    stored = store.quotes.get(quote.ref)
    assert (stored.status, stored.decided_by) == (quote.status, quote.decided_by)
    assert len(store.quotes.history(quote.id)) == 1 + len(path)


def test_a_replayed_final_click_is_no_error_and_changes_nothing(store):
    quote = quote_in(store, "quote_sent", "accepted")
    decision = change_quote_status(store, ref=quote.ref, status="accepted", expected="accepted", staff_user="U0LATE")
    assert not decision.changed and decision.quote.decided_by == "U0S"


def test_the_command_line_decides_on_the_status_the_request_has_now(store):
    quote = quote_in(store, "quote_sent")
    calls = []
    decision = set_quote_status(
        store, ref=quote.ref.lower(), status="accepted", staff_user="cli", announce=lambda q: calls.append(q) or []
    )
    assert decision.changed and (decision.quote.status, decision.quote.decided_by) == ("accepted", "cli")
    assert [q.status for q in calls] == ["accepted"]  # announced once, from the updated request
    again = set_quote_status(store, ref=quote.ref, status="accepted", staff_user="cli", announce=calls.append)
    assert not again.changed and len(calls) == 1
    with pytest.raises(ValidationError, match="accepted; it cannot be set to declined"):
        set_quote_status(store, ref=quote.ref, status="declined", staff_user="cli")
    with pytest.raises(NotFoundError):
        set_quote_status(store, ref="Q-1999-0001", status="accepted", staff_user="cli")
