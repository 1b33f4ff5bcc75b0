"""sys.path set-up for the benchmark scripts; import it before anything from the project.

Puts the project root (bot, model, tests.support) and this directory (harness, load, the parts) on sys.path, so
`python benchmarks/bench.py` works from any working directory, with or without the editable install.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent

for _p in (str(ROOT), str(BENCH_DIR)):
    if _p not in sys.path:
        sys.path.insert(0, _p)
