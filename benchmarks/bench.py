"""scope-bot benchmark: classifier, HTTP server vs. a bare Bolt app, retraining at scale.

    .venv/bin/python benchmarks/bench.py            # full run (make bench)
    .venv/bin/python benchmarks/bench.py --quick    # smaller counts, for iterating
    .venv/bin/python benchmarks/bench.py --only A   # one part (A, B, C; may repeat)

Prints aligned tables; asserts nothing about timing. Everything stays on 127.0.0.1: Slack is tests.support's
FakeSlack. Peak memory of a phase is measured in its own subprocess (benchmarks/phases.py) via os.wait4's rusage.

Part B runs `scope-bot serve` on SQLite and on PostgreSQL (a throwaway server on loopback, as in the PostgreSQL test
variants; skipped with one line saying why when PostgreSQL's binaries are missing), each against the bare Bolt app
measured in the same run.

Modules: harness (sizes, tables, subprocess phases), load (the HTTP load generator), part_a_classifier,
part_b_http, part_c_retrain (each: measure() -> figures, report(figures) prints them); part B's figures, tables and
databases are in part_b_figures, part_b_report and part_b_databases.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import _paths  # noqa: F401  (first: puts the project root and benchmarks/ on sys.path; imported for that alone)
import part_a_classifier
import part_b_http
import part_c_retrain
from harness import FULL, QUICK, machine_note


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller counts, no CV search, retrain 200 and 1k")
    parser.add_argument("--only", action="append", choices=["A", "B", "C"], help="run only this part (repeatable)")
    parser.add_argument("--rounds", type=int, help="part B: measure every server this many times (default 3, 1 quick)")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    if args.rounds is not None:
        if args.rounds < 1:
            parser.error("--rounds must be at least 1")
        cfg = dataclasses.replace(cfg, http_rounds=args.rounds)
    parts = set(args.only or ["A", "B", "C"])

    from bot.settings import load_settings
    from model.artifacts import ModelStore
    from model.catalog import load_catalog
    from model.data import load_dev_set

    settings = load_settings()
    model_dir = settings.model_dir
    if ModelStore(model_dir).current_version() is None:
        print(f"no current model under {model_dir}: run 'make model' first", file=sys.stderr)
        return 1
    dev_texts = list(load_dev_set(settings.dev_path, load_catalog(settings.catalog_path)).texts)

    started = time.monotonic()
    print(f"scope-bot benchmark{' (--quick)' if cfg.quick else ''}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(machine_note())
    with tempfile.TemporaryDirectory(prefix="scope-bot-bench-") as tmp:
        workdir = Path(tmp)
        if "A" in parts:
            part_a_classifier.run(cfg, workdir, model_dir)
        if "B" in parts:
            part_b_http.run(cfg, workdir, model_dir, dev_texts)
        if "C" in parts:
            part_c_retrain.run(cfg, workdir, model_dir)
    print(f"\ntotal benchmark time {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
