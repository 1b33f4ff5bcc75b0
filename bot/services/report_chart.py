"""The weekly report's chart: messages per day stacked by verdict, beside the quote funnel (answers to accepted
quotes, and the declined apart). One PNG (Agg)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.services.report import VERDICT_ORDER, ScopeReport

COLORS = {"in_scope": "#2a9d8f", "out_of_scope": "#e76f51", "mixed": "#e9c46a", "unsure": "#8d99ae"}
FUNNEL_COLOR = "#1d3557"
DECLINED_COLOR = "#adb5bd"
DPI = 80


def chart_path(reports_dir: Path, report: ScopeReport) -> Path:
    """Where the chart of `report` is written: one file per window."""
    return reports_dir / f"scope-report-{report.first_day}-{report.last_day}.png"


def _day_label(day: str, days: int) -> str:
    d = date.fromisoformat(day)
    return d.strftime("%a\n%d.%m") if days <= 14 else d.strftime("%d.%m")


def save_report_chart(report: ScopeReport, path: Path) -> Path:
    """Write the chart of `report` to `path` (directories created); returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, (days_ax, funnel_ax) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    try:
        x = list(range(report.days))
        bottom = [0] * report.days
        for verdict in VERDICT_ORDER:
            heights = [d.counts[verdict] for d in report.per_day]
            days_ax.bar(x, heights, bottom=bottom, color=COLORS[verdict], label=verdict.replace("_", " "), width=0.7)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        days_ax.set_xticks(x, [_day_label(d.day, report.days) for d in report.per_day], fontsize=8)
        days_ax.set_ylabel("messages")
        days_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        days_ax.set_title(f"messages per day (UTC), {report.first_day} – {report.last_day}", fontsize=10)
        days_ax.legend(fontsize=8, frameon=False, loc="upper left", ncols=2)
        days_ax.set_ylim(0, max([*bottom, 1]) * 1.35)
        days_ax.spines[["top", "right"]].set_visible(False)

        total = report.funnel_total
        # The funnel top down, then the declined apart (not a step: declined by staff or by the customer).
        stages = ["out-of-scope\nanswers", "quote\nrequests", "quotes\nsent", "accepted", "declined"]
        values = [total.answers, total.requests, total.quotes_sent, total.accepted, total.declined]
        colors = [FUNNEL_COLOR] * 4 + [DECLINED_COLOR]
        funnel_ax.barh(stages[::-1], values[::-1], color=colors[::-1], height=0.6)
        top = max([*values, 1])
        for y, value in enumerate(values[::-1]):
            funnel_ax.text(value + top * 0.02, y, str(value), va="center", fontsize=9)
        funnel_ax.set_xlim(0, top * 1.2)
        funnel_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        funnel_ax.set_title("from answer to paid work", fontsize=10)
        funnel_ax.tick_params(axis="y", labelsize=8)
        funnel_ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        fig.savefig(path, dpi=DPI)
    finally:
        plt.close(fig)
    return path
