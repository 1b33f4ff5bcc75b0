"""`scope-bot report`: the weekly scope report on stdout, its chart as a PNG, and with --post in Slack."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from typing import TYPE_CHECKING

from bot.cli.common import one_line, open_store
from bot.db import Store
from bot.db.outbox_rows import DONE
from bot.db.timestamps import utc_now
from bot.errors import ConfigError
from bot.services.report import VERDICT_ORDER, ScopeReport, build_report
from bot.services.report_chart import chart_path, save_report_chart
from bot.settings import Settings
from model.catalog import UNSURE

if TYPE_CHECKING:
    from bot.slack.outbox import Outbox

EXAMPLE_CHARS = 60
ROW_WIDTH = 34


def register(sub: argparse._SubParsersAction) -> None:
    """Add report."""
    p = sub.add_parser(
        "report", help="weekly scope report: messages, verdicts, hand-overs, uncovered requests, quotes, feedback"
    )
    p.add_argument("--days", type=int, default=7, help="how many whole UTC days before --end (default 7)")
    p.add_argument(
        "--end", type=_day, default=None, metavar="YYYY-MM-DD", help="the first day not covered (default: today, UTC)"
    )
    p.add_argument("--post", action="store_true", help="also post it to SCOPE_BOT_REPORT_CHANNEL, with the chart")
    p.set_defaults(handler=cmd_report)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """Print the report and the chart's path; with --post, queue both for Slack and try to deliver them now."""
    if args.post and not settings.report_channel:
        raise ConfigError("--post needs SCOPE_BOT_REPORT_CHANNEL (the channel to post the report to)")
    end = args.end or utc_now().date()
    with open_store(settings) as store:
        report = build_report(store, end=end, days=args.days)
        path = chart_path(settings.reports_dir, report)
        try:
            save_report_chart(report, path)
        except OSError as exc:
            raise ConfigError(
                f"cannot write the chart to {path} (SCOPE_BOT_REPORTS_DIR): {exc.strerror or exc}"
            ) from exc
        text = format_report(report)
        print(text)
        print(f"\nchart: {path}")
        if args.post:
            _post(settings, store=store, report=report, text=text, chart=path.read_bytes(), chart_name=path.name)
    return 0


def _post(settings: Settings, *, store: Store, report: ScopeReport, text: str, chart: bytes, chart_name: str) -> None:
    """Queue the message and the chart upload in one transaction; with a bot token, send them now (the message
    first, the chart only after it), else (or if Slack fails) the running bot's outbox delivers them. The report of
    one period goes to one channel once: a second run (a timer that catches up, a manual run) sends only what the
    first did not."""
    from bot.slack.report import REPORT_POST, report_calls

    title = f"scope-bot weekly report {report.first_day} – {report.last_day}"
    key = f"{REPORT_POST}:{settings.report_channel}:{report.first_day}:{report.last_day}"
    calls = report_calls(
        channel=settings.report_channel, title=title, text=text, chart=chart, chart_name=chart_name, key=key
    )
    earlier = [store.outbox.by_dedupe_key(c.dedupe_key) for c in calls if c.dedupe_key]
    sent = {e.id for e in earlier if e is not None and e.state == DONE}
    ids = store.transact(lambda tx: tx.outbox.enqueue_many(calls))  # a dedupe key queued before returns its id
    where = f"outbox #{ids[0]} and #{ids[1]}"
    if sent == set(ids):
        print(f"already posted to {settings.report_channel} ({where}); not posted again", file=sys.stderr)
        return
    if not settings.slack_bot_token:
        print(f"queued for {settings.report_channel} ({where}); the running bot delivers it", file=sys.stderr)
        return
    from bot.slack.announcements import make_outbox
    from bot.slack.app import bot_client

    outbox = make_outbox(store, bot_client(settings, retries=False), settings=settings)
    if _deliver_in_order(outbox, [i for i in ids if i not in sent], pace=settings.channel_pace_seconds):
        print(f"posted to {settings.report_channel}", file=sys.stderr)
    else:
        print(f"scope-bot: warning: report not posted yet ({where}); the running bot retries it", file=sys.stderr)


def _deliver_in_order(outbox: Outbox, ids: list[int], *, pace: float) -> bool:
    """Deliver the calls one after the other, stopping at the first that waits for a retry. A call held back
    by the channel's pacing (one post per `pace` seconds) is tried once more when its slot comes."""
    for item_id in ids:
        if outbox.deliver(item_id):
            continue
        if pace <= 0:
            return False
        time.sleep(pace)
        if not outbox.deliver(item_id):
            return False
    return True


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _of(part: int, whole: int) -> str:
    return f"{part} ({_pct(part / whole if whole else None)})"


def _printable(text: str) -> str:
    """User text for the terminal: on one line, cut, without control characters (no escape sequences)."""
    return "".join(ch if ch.isprintable() else " " for ch in one_line(text, EXAMPLE_CHARS))


def _days(report: ScopeReport) -> list[str]:
    heads = "".join(f"{v.replace('_', ' '):>14}" for v in VERDICT_ORDER)
    lines = [f"{'messages per day (UTC)':24}{'total':>7}{heads}"]
    for d in report.per_day:
        weekday = date.fromisoformat(d.day).strftime("%a")
        cells = "".join(f"{d.counts[v]:>14}" for v in VERDICT_ORDER)
        lines.append(f"  {weekday} {d.day:18}{d.total:>7}{cells}")
    cells = "".join(f"{report.verdicts[v]:>14}" for v in VERDICT_ORDER)
    lines.append(f"  {'total':22}{report.messages:>7}{cells}")
    shares = "".join(f"{_pct(report.share(v)):>14}" for v in VERDICT_ORDER)
    lines.append(f"  {'share':22}{'':>7}{shares}")
    return lines


def _handover(report: ScopeReport) -> list[str]:
    unsure = report.verdicts[UNSURE]
    lines = [f"hand-over rate (unsure): {_pct(report.handover_rate)} ({unsure} of {report.messages} messages)"]
    lines += [f"  {reason.replace('_', ' '):22}{n:>7}" for reason, n in report.unsure_reasons.items()]
    lines += ["", f"requests no row covers: {report.uncovered_requests} (parts of mixed messages included)"]
    if report.uncovered:
        lines.append(f"  grouped by their most characteristic term ({report.uncovered_groups} groups, largest first):")
    for g in report.uncovered:
        name = " · ".join(g.terms) if g.terms else "(no shared term)"
        examples = "; ".join(f'"{_printable(e)}"' for e in g.examples)
        lines.append(f"  {g.count:>4}  {name:30} e.g. {examples}")
    if report.uncovered_groups > len(report.uncovered):
        lines.append(f"        … and {report.uncovered_groups - len(report.uncovered)} more groups")
    return lines


def _funnel(report: ScopeReport) -> list[str]:
    lines = [
        "from out-of-scope answer to paid work",
        "  (answers and quote requests of the window; quotes sent, accepted and declined: those requests by now;",
        "  each share is of the column before: requests per answer, quotes per request, accepted per quote sent)",
        f"  {'row':{ROW_WIDTH}}{'answers':>8}{'quote requests':>17}{'quotes sent':>14}{'accepted':>12}{'declined':>10}",
    ]
    for r in (*report.funnel, report.funnel_total):
        requests = _of(r.requests, r.answers)
        sent = _of(r.quotes_sent, r.requests)
        accepted = _of(r.accepted, r.quotes_sent)
        lines.append(f"  {r.label:{ROW_WIDTH}}{r.answers:>8}{requests:>17}{sent:>14}{accepted:>12}{r.declined:>10}")
    return lines


def _feedback(report: ScopeReport) -> list[str]:
    f = report.feedback
    return [
        f"model accuracy on the feedback reviewed in the window: {_pct(f.accuracy)} "
        f"({f.correct} of {f.reviewed} accepted items had the model's row)",
        f"  not counted: {f.discarded} discarded, {f.no_prediction} accepted without a recorded prediction",
        f"feedback waiting for review: {f.waiting} ({f.waiting_flagged} flagged by the audit)",
    ]


def format_report(report: ScopeReport) -> str:
    """The report for people: a terminal, or a code block in Slack (escaped there)."""
    lines = [
        f"scope report {report.first_day} – {report.last_day} ({report.days} days, UTC): {report.messages} messages",
        "",
        *_days(report),
        "",
        *_handover(report),
        "",
        *_funnel(report),
        "",
        *_feedback(report),
    ]
    return "\n".join(lines)
