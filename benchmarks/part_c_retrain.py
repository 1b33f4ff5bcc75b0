"""Part C: retraining at scale: generate and insert accepted feedback, then time retrain() in its own process."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedback_gen import generate
from harness import Config, PhaseRun, log, run_phase, table


@dataclass(frozen=True)
class RetrainFigures:
    """One size: the feedback generated and inserted in this process, then the retrain phase's run."""

    n: int  # the size asked for
    inserted: int
    generate_s: float
    insert_s: float
    limit_s: float  # the retrain phase was stopped after this
    run: PhaseRun


# --- measuring ---------------------------------------------------------------------------------------------------


def seed_model_root(src_root: Path, dest_root: Path) -> str:
    """A private model root holding a copy of the current version of `src_root`, made current."""
    from model.artifacts import ModelStore

    version = ModelStore(src_root).current_version()
    if version is None:
        raise RuntimeError(f"{src_root}: no current model (run 'make model')")
    shutil.copytree(ModelStore(src_root).version_dir(version), ModelStore(dest_root).version_dir(version))
    ModelStore(dest_root).promote(version)
    return version


def measure(cfg: Config, workdir: Path, model_dir: Path) -> list[RetrainFigures]:
    """Each size of cfg.retrain_sizes in turn; the larger ones are skipped once a run did not finish."""
    from bot.db import Store
    from bot.settings import load_settings
    from model.catalog import load_catalog
    from model.data import load_dev_set, load_training_dir

    settings = load_settings()
    catalog = load_catalog(settings.catalog_path)
    train = load_training_dir(settings.train_dir, catalog)
    dev = load_dev_set(settings.dev_path, catalog)

    out: list[RetrainFigures] = []
    for n in cfg.retrain_sizes:
        base = workdir / f"retrain-{n}"
        base.mkdir()
        seed_model_root(model_dir, base / "models")
        db_url = f"sqlite:///{base / 'feedback.db'}"
        t0 = time.perf_counter()
        items = generate(train.texts, train.labels, n, seed=n, exclude=dev.texts)
        gen_s = time.perf_counter() - t0
        store = Store.open(db_url)
        t0 = time.perf_counter()
        inserted = store.feedback.add_many(items)
        insert_s = time.perf_counter() - t0
        store.close()
        del items
        limit = cfg.retrain_limit_s.get(n, 600.0)
        log(f"C: retrain with {inserted:,} accepted feedback (stopped after {limit:.0f} s)")
        run = run_phase(
            "retrain",
            {"db_url": db_url, "model_dir": str(base / "models"), "reports_dir": str(base / "reports")},
            timeout=limit,
            workdir=workdir,
        )
        figures = RetrainFigures(n=n, inserted=inserted, generate_s=gen_s, insert_s=insert_s, limit_s=limit, run=run)
        out.append(figures)
        seconds = _seconds(figures)
        log(f"C: {n:,}: {seconds if isinstance(seconds, str) else f'{seconds:.1f} s'}, peak {run.peak_mib:.0f} MiB")
        if run.status != "ok" and n != cfg.retrain_sizes[-1]:
            log("C: skipping larger sizes")
            break
    return out


# --- formatting --------------------------------------------------------------------------------------------------


def report(sizes: list[RetrainFigures]) -> None:
    """Print table C and, for the runs that finished, where their time went."""
    rows, notes = [], list(NOTES)
    for f in sizes:
        run, r = f.run, f.run.result or {}
        counts = r.get("counts", {})
        rows.append(
            [
                f.inserted,
                f.generate_s,
                f.insert_s,
                _seconds(f),
                run.peak_mib if run.status == "ok" else f"({run.peak_mib:.0f} at stop)",
                r.get("promoted") if run.status == "ok" else "-",
                f"{counts.get('feedback_used', '?')}/{counts.get('feedback_held_out', '?')}" if counts else "-",
                _pct(r.get("current_acc")),
                _pct(r.get("candidate_acc")),
            ]
        )
        if r.get("reason"):
            reason = r["reason"]
            notes.append(f"{f.n:,}: gate: {reason if len(reason) <= 150 else reason[:147] + '...'}")
    table(
        "C. Retraining at scale (bot.services.retrain.retrain, YAML + accepted feedback)",
        [
            "feedback",
            "generate s",
            "insert s",
            "retrain s",
            "peak RSS MiB",
            "promoted",
            "used/held-out",
            "acc current",
            "acc candidate",
        ],
        rows,
        notes,
    )

    timers = {f.n: f.run.result.get("timers", {}) for f in sizes if f.run.result}
    labels: list[str] = []
    for per_size in timers.values():
        for label in per_size:
            if label not in labels:
                labels.append(label)
    if labels:
        breakdown = []
        for label in labels:
            row: list[Any] = [label]
            for per_size in timers.values():
                seconds, calls = per_size.get(label, [None, 0])
                row.append(f"{seconds:.2f} ({calls}x)" if seconds is not None and calls else "-")
            breakdown.append(row)
        table(
            "C. Where retraining time goes (cumulative s, calls; nested calls overlap)",
            ["step"] + [f"{n:,}" for n in timers],
            breakdown,
        )


NOTES = (
    "feedback = training phrasings of one label recombined (head of one + tail of another), 1-3 noise words, "
    "some typos; inserted with store.feedback.add_many into a fresh SQLite file per size",
    "each retrain runs in its own process against a copy of the current model; "
    "seconds = retrain() wall time in that process",
    "acc = verdict accuracy on the run's evaluation set (dev + held-out feedback), current model vs. candidate",
)


def run(cfg: Config, workdir: Path, model_dir: Path) -> None:
    report(measure(cfg, workdir, model_dir))


def _seconds(f: RetrainFigures) -> float | str:
    if f.run.status == "ok":
        return (f.run.result or {})["seconds"]
    if f.run.status == "timeout":
        return f"> {f.limit_s:.0f} (stopped)"
    return f.run.status


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
