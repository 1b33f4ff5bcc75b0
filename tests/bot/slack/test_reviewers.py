"""bot.slack.reviewers against the local fake Slack: configured users, the reviewer group, the quotes channel's
members as staff when no reviewers are configured, caching, failures."""

from slack_sdk import WebClient

from bot.slack.reviewers import CACHE_SECONDS, CHANNEL_CACHE_SECONDS, Permission, Reviewers
from tests.support.slack_requests import BOT_TOKEN


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def reviewers(fake, *, users=frozenset(), group="", clock=None):
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    return Reviewers(client, users=frozenset(users), group=group, clock=clock or Clock())


def test_configured_users_are_reviewers_without_asking_slack(fake):
    r = reviewers(fake, users={"U0ALICE"})
    assert r.configured
    assert r.is_reviewer("U0ALICE")
    assert not r.is_reviewer("U0BOB") and not r.is_reviewer("")
    assert fake.calls_to("usergroups.users.list") == []


def test_nobody_is_a_reviewer_when_none_are_configured(fake):
    r = reviewers(fake)
    assert not r.configured
    assert not r.is_reviewer("U0ALICE")
    assert fake.calls_to("usergroups.users.list") == []


def test_group_members_are_reviewers_and_the_membership_is_cached(fake):
    fake.usergroup_members["S0REV"] = ["U0CAROL"]
    clock = Clock()
    r = reviewers(fake, group="S0REV", clock=clock)
    assert r.configured
    assert r.is_reviewer("U0CAROL") and not r.is_reviewer("U0DAVE")
    assert len(fake.calls_to("usergroups.users.list")) == 1  # the second question was answered from the cache
    assert fake.calls_to("usergroups.users.list")[0].params["usergroup"] == "S0REV"

    fake.usergroup_members["S0REV"] = ["U0DAVE"]
    clock.now += CACHE_SECONDS - 1
    assert r.is_reviewer("U0CAROL")  # still cached
    clock.now += 2
    assert r.is_reviewer("U0DAVE") and not r.is_reviewer("U0CAROL")  # asked again after the cache period
    assert len(fake.calls_to("usergroups.users.list")) == 2


def test_a_failing_group_lookup_keeps_the_last_members_and_waits_before_asking_again(fake):
    fake.usergroup_members["S0REV"] = ["U0CAROL"]
    clock = Clock()
    r = reviewers(fake, users={"U0ALICE"}, group="S0REV", clock=clock)
    assert r.is_reviewer("U0CAROL")
    clock.now += CACHE_SECONDS + 1
    fake.fail("usergroups.users.list", times=5)
    assert r.is_reviewer("U0CAROL")  # the last known members
    assert r.is_reviewer("U0ALICE")  # configured users never depend on Slack
    assert r.is_reviewer("U0CAROL")  # no new lookup inside the cache period after a failure
    assert fake.attempts.count("usergroups.users.list") == 2  # the first lookup and the one that failed


def test_before_the_first_successful_lookup_group_feedback_waits_for_review(fake):
    fake.fail("usergroups.users.list", times=1)
    r = reviewers(fake, group="S0REV")
    assert not r.is_reviewer("U0CAROL")


# --- staff on quote requests -----------------------------------------------------------------------------------


def test_configured_reviewers_are_the_staff_and_the_channel_is_not_asked(fake):
    fake.channel_members["C0QUOTES"] = ["U0ALICE", "U0BOB"]
    r = reviewers(fake, users={"U0ALICE"})
    assert r.staff_permission("U0ALICE", channel="C0QUOTES") is Permission.ALLOWED
    assert r.staff_permission("U0BOB", channel="C0QUOTES") is Permission.NOT_STAFF  # a member, not a reviewer
    assert fake.attempts.count("conversations.members") == 0


def test_without_reviewers_the_members_of_the_channel_are_the_staff_and_they_are_cached_briefly(fake):
    fake.channel_members["C0QUOTES"] = ["U0ALICE"]
    clock = Clock()
    r = reviewers(fake, clock=clock)
    assert r.staff_permission("U0ALICE", channel="C0QUOTES") is Permission.ALLOWED
    assert r.staff_permission("U0BOB", channel="C0QUOTES") is Permission.NOT_STAFF
    assert r.staff_permission("", channel="C0QUOTES") is Permission.NOT_STAFF
    [asked] = fake.calls_to("conversations.members")
    assert asked.params["channel"] == "C0QUOTES"

    fake.channel_members["C0QUOTES"] = ["U0BOB"]  # Alice left the channel, Bob joined
    clock.now += CHANNEL_CACHE_SECONDS - 1
    assert r.staff_permission("U0ALICE", channel="C0QUOTES") is Permission.ALLOWED  # still cached
    clock.now += 2
    assert r.staff_permission("U0ALICE", channel="C0QUOTES") is Permission.NOT_STAFF
    assert r.staff_permission("U0BOB", channel="C0QUOTES") is Permission.ALLOWED
    assert len(fake.calls_to("conversations.members")) == 2
    assert CHANNEL_CACHE_SECONDS < CACHE_SECONDS


def test_every_page_of_a_large_channel_is_read(fake):
    fake.channel_members["C0QUOTES"] = [f"U{n:07d}" for n in range(2500)]
    r = reviewers(fake)
    assert r.staff_permission("U0002499", channel="C0QUOTES") is Permission.ALLOWED  # on the third page
    assert len(fake.calls_to("conversations.members")) == 3


def test_when_slack_cannot_say_who_is_in_the_channel_nobody_is_staff_and_the_next_click_asks_again(fake):
    fake.channel_members["C0QUOTES"] = ["U0ALICE"]
    clock = Clock()
    r = reviewers(fake, clock=clock)
    fake.fail("conversations.members", times=1)
    assert r.staff_permission("U0ALICE", channel="C0QUOTES") is Permission.UNKNOWN
    assert r.staff_permission("U0ALICE", channel="C0QUOTES") is Permission.ALLOWED  # the failure was not cached

    clock.now += CHANNEL_CACHE_SECONDS + 1
    fake.fail("conversations.members", times=1, status=429, error="ratelimited", retry_after=1)
    # No fallback to the members last seen: a change nobody could check is refused.
    assert r.staff_permission("U0ALICE", channel="C0QUOTES") is Permission.UNKNOWN
    assert reviewers(fake).staff_permission("U0ALICE", channel="C0UNKNOWN") is Permission.UNKNOWN
