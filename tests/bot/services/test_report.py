"""The weekly report's figures on a seeded week, counted by hand from tests/support/report_seed.py; its chart."""

from datetime import UTC, date, datetime

import pytest

from bot.errors import ValidationError
from bot.services.report import FeedbackFigures, RowFunnel, build_report, report_window
from bot.services.report_chart import chart_path, save_report_chart
from bot.services.report_groups import UncoveredGroup, group_uncovered, terms_of
from tests.support.report_seed import ADMIN, END, FW, NET, seed_week

pytestmark = pytest.mark.postgres  # each test that uses a database runs on SQLite and on PostgreSQL

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def report(store):
    seed_week(store)
    return build_report(store, end=END, days=7)


def test_messages_per_day_and_the_verdict_mix_match_the_hand_count(report):
    assert (report.first_day, report.last_day, report.days) == ("2026-11-23", "2026-11-29", 7)
    per_day = [
        (d.day, d.counts["in_scope"], d.counts["out_of_scope"], d.counts["mixed"], d.counts["unsure"])
        for d in report.per_day
    ]
    assert per_day == [
        ("2026-11-23", 1, 1, 0, 1),
        ("2026-11-24", 1, 1, 0, 1),
        ("2026-11-25", 0, 1, 1, 1),
        ("2026-11-26", 1, 0, 0, 1),
        ("2026-11-27", 1, 0, 1, 0),
        ("2026-11-28", 0, 0, 0, 0),  # a day without messages is still there
        ("2026-11-29", 0, 1, 0, 1),
    ]
    assert report.messages == 15
    assert report.verdicts == {"in_scope": 4, "out_of_scope": 4, "mixed": 2, "unsure": 5}
    assert report.share("in_scope") == pytest.approx(4 / 15)
    assert report.share("mixed") == pytest.approx(2 / 15)


def test_the_hand_over_rate_by_reason(report):
    assert report.handover_rate == pytest.approx(5 / 15)
    assert report.unsure_reasons == {"not_a_request": 1, "not_covered": 3, "low_confidence": 1}


def test_uncovered_requests_are_grouped_by_their_most_characteristic_term(report):
    # Three whole messages and one part of a mixed message are not covered; three of them are about WordPress.
    assert report.uncovered_requests == 4
    assert report.uncovered_groups == 2
    assert report.uncovered == (
        UncoveredGroup(
            terms=("wordpress", "migrate"),
            count=3,
            examples=(
                "Can you migrate our WordPress site to you?",
                "Do you offer <!channel> WordPress hosting with a managed plugin update?",
            ),
        ),
        UncoveredGroup(terms=(), count=1, examples=("Can you register a `.de` domain for us?",)),
    )


def test_from_out_of_scope_answers_to_accepted_quotes_per_row(report):
    # In the window: FW Q2 feasible -> quote sent -> accepted, FW Q3 declined by staff; NET Q4 quote sent -> declined
    # by the customer; ADMIN Q6 quote sent, not decided yet; Q5 without a row. FW Q1 (accepted) is from before.
    assert report.funnel == (
        RowFunnel(label=FW, answers=3, requests=2, quotes_sent=1, accepted=1, declined=1),
        RowFunnel(label=NET, answers=2, requests=1, quotes_sent=1, accepted=0, declined=1),
        RowFunnel(label=ADMIN, answers=1, requests=1, quotes_sent=1, accepted=0, declined=0),
        RowFunnel(label="(no row)", answers=0, requests=1, quotes_sent=0, accepted=0, declined=0),
    )
    total = report.funnel_total
    assert (total.answers, total.requests, total.quotes_sent, total.accepted, total.declined) == (6, 5, 3, 1, 2)
    assert report.funnel[0].request_rate == pytest.approx(2 / 3)
    assert report.funnel[0].sent_rate == pytest.approx(1 / 2)
    assert report.funnel[0].accepted_rate == 1.0
    assert report.funnel[1].accepted_rate == 0.0
    assert report.funnel[3].request_rate is None and report.funnel[3].accepted_rate is None
    assert total.accepted_rate == pytest.approx(1 / 3)


def test_accuracy_on_the_feedback_reviewed_in_the_window_and_the_review_queue(report):
    assert report.feedback == FeedbackFigures(
        reviewed=3, correct=2, no_prediction=1, discarded=1, waiting=3, waiting_flagged=1
    )
    assert report.feedback.accuracy == pytest.approx(2 / 3)


def test_an_empty_week_has_zeros_and_no_rates(store):
    report = build_report(store, end=date(2026, 1, 5), days=3)
    assert [d.day for d in report.per_day] == ["2026-01-02", "2026-01-03", "2026-01-04"]
    assert report.messages == 0 and report.handover_rate is None
    assert report.uncovered == () and report.funnel == ()
    assert report.feedback.accuracy is None


def test_the_window_is_whole_utc_days_and_its_length_is_checked():
    assert report_window(end=date(2026, 11, 30), days=7) == (
        datetime(2026, 11, 23, tzinfo=UTC),
        datetime(2026, 11, 30, tzinfo=UTC),
    )
    for days in (0, -1, 367):
        with pytest.raises(ValidationError, match="--days"):
            report_window(end=date(2026, 11, 30), days=days)


def test_a_term_every_request_has_loses_to_one_only_uncovered_requests_have():
    uncovered = ["install wordpress please", "install wordpress plugin", "install mailserver", "install gitlab"]
    covered = [f"install pytorch {n}" for n in range(20)]
    # "install" is in all 4 uncovered requests, "wordpress" in 2; but "install" is in every request of the week
    # (weight 4 x 1.0 against 2 x 3.1); both WordPress requests say "install" too, so it describes their group
    groups = group_uncovered(uncovered, corpus=[*uncovered, *covered])
    assert [(g.terms, g.count) for g in groups] == [
        (("wordpress", "install"), 2),
        (("install",), 2),
    ]


def test_grouping_is_deterministic_and_ties_go_to_the_alphabetically_first_term():
    uncovered = ["zabbix monitoring", "grafana monitoring", "zabbix grafana"]
    first = group_uncovered(uncovered, corpus=uncovered)
    assert first == group_uncovered(list(uncovered), corpus=list(uncovered))
    # grafana, monitoring and zabbix each join two: grafana wins; the one left stays alone
    assert [(g.terms, g.count) for g in first] == [(("grafana",), 2), ((), 1)]
    assert first[1].examples == ("zabbix monitoring",)


def test_terms_leave_out_function_words_slack_markup_and_numbers():
    text = "Hallo Team, <@U123> kannst du bitte 2 WordPress-Seiten umziehen? :pray:"
    assert terms_of(text) == {"wordpress", "seiten", "umziehen"}


def test_the_chart_is_a_png_in_the_reports_dir(report, tmp_path):
    path = save_report_chart(report, chart_path(tmp_path / "reports", report))
    assert path == tmp_path / "reports" / "scope-report-2026-11-23-2026-11-29.png"
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 5000


def test_the_chart_of_an_empty_week_is_written_too(store, tmp_path):
    report = build_report(store, end=date(2026, 1, 5), days=7)
    assert save_report_chart(report, tmp_path / "empty.png").read_bytes().startswith(PNG_SIGNATURE)
