"""`scope-bot` command line: the edge where errors become one-line messages and exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.errors import BotError
from bot.logs import configure_logging
from bot.metrics import keep_in_memory
from bot.settings import load_settings
from model.errors import ScopeModelError

EXIT_ERROR = 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    from bot.cli import doctor, evaluate, feedback, model, models, outbox, quotes, report, retrain, run, shell

    parser = argparse.ArgumentParser(prog="scope-bot", description="Scope-of-support triage bot for centron.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (model, evaluate, run, shell, doctor, quotes, retrain, report, feedback, models, outbox):
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    keep_in_memory(command=args.command)
    try:
        settings = load_settings()
        configure_logging(log_format=settings.log_format, verbose=args.verbose)
        return int(args.handler(args, settings) or 0)
    except (ScopeModelError, BotError) as exc:
        print(f"scope-bot: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
