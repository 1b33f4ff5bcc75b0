"""bot.slack.reviewers against the local fake Slack: configured users, the reviewer group, caching, failures."""

from slack_sdk import WebClient

from bot.slack.reviewers import CACHE_SECONDS, Reviewers
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
