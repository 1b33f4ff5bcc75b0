"""The local shell: type a message, see the verdict as the bot words it; request quotes without Slack."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TextIO

from bot.cli.common import open_store
from bot.db import Store
from bot.errors import ValidationError
from bot.services.model_store import current_classifier
from bot.services.quotes import store_quote, validate_quote_form
from bot.services.triage import Triage, triage_message
from bot.settings import Settings
from bot.slack.texts import t
from bot.slack.ui.quotes import quote_confirmation
from bot.slack.ui.verdict import verdict_as_text
from model.catalog import OUT_OF_SCOPE, Catalog, load_catalog
from model.classifier import Classifier
from model.errors import InputError

SHELL_USER = "local-shell"
HELP = """Type a customer message and press Enter to see scope-bot's answer.
  :quote   request a quote for the last out-of-scope answer
  :table   show the scope tables
  :help    this help
  :quit    leave (or Ctrl-D)"""


class Shell:
    """Read-eval-print loop over the same triage and quote services the Slack bot uses."""

    def __init__(
        self,
        *,
        classifier: Classifier,
        catalog: Catalog,
        store: Store,
        read: Callable[[str], str] = input,
        out: TextIO | None = None,
    ):
        self.classifier = classifier
        self.catalog = catalog
        self.store = store
        self.read = read
        self.out = out or sys.stdout
        self.last: Triage | None = None

    def say(self, text: str = "") -> None:
        """Print a line."""
        print(text, file=self.out, flush=True)

    def run(self) -> None:
        """Loop until :quit or end of input."""
        self.say(f"scope-bot shell, model {self.classifier.version}. {HELP.splitlines()[0]} (:help for commands)")
        while True:
            try:
                line = self.read("\nscope> ").strip()
            except EOFError:
                self.say()
                return
            if line in (":quit", ":q", ":exit"):
                return
            self.handle(line)

    def handle(self, line: str) -> None:
        """Act on one input line."""
        if not line:
            return
        if line == ":help":
            self.say(HELP)
        elif line == ":table":
            for product in self.catalog.products:
                self.say(f"\n{product.name}")
                for row in self.catalog.rows_of(product.id):
                    self.say(f"  {'Inklusive   ' if row.verdict != OUT_OF_SCOPE else 'Out of Scope'}  {row.title_de}")
        elif line == ":quote":
            self.request_quote()
        else:
            try:
                self.last = triage_message(
                    line, classifier=self.classifier, catalog=self.catalog, store=self.store, source="shell"
                )
            except InputError as exc:
                self.say(f"error: {exc}")
                return
            self.say(verdict_as_text(self.last, catalog=self.catalog))
            if self.last.verdict == OUT_OF_SCOPE:
                self.say(f"\n[{t(self.last.lang, 'request_quote')}: type :quote]")

    def request_quote(self) -> None:
        """Ask the quote form's fields and store the request, as the modal does."""
        if self.last is None or self.last.verdict != OUT_OF_SCOPE:
            self.say("A quote can be requested for an out-of-scope answer; ask something first.")
            return
        triage, lang = self.last, self.last.lang
        products = "/".join(p.id for p in self.catalog.products)
        try:
            what = self.read(f"{t(lang, 'quote_what')} [{triage.text[:60]}…]: ").strip() or triage.text
            product = self.read(f"{t(lang, 'quote_product')} ({products}) [{triage.row.product}]: ").strip()
            timeline = self.read(f"{t(lang, 'quote_timeline')}: ").strip()
            contact = self.read(f"{t(lang, 'quote_contact')}: ").strip()
        except EOFError:
            self.say("\nquote request cancelled")
            return
        try:
            form = validate_quote_form(
                what=what,
                product=product or triage.row.product,
                timeline=timeline,
                contact=contact,
                catalog=self.catalog,
            )
        except ValidationError as exc:
            for key in exc.fields.values():
                self.say(f"  ! {t(lang, key)}")
            self.say("quote request not stored; type :quote to try again")
            return
        quote, _ = store_quote(
            self.store,
            form=form,
            requester_id=SHELL_USER,
            origin_channel_id=None,
            original_text=triage.text,
            detected_label=triage.row.id,
            lang=lang,
            submission_key=f"shell:{triage.verdict_id}",
        )
        self.say(quote_confirmation(quote).replace("*", ""))
        self.say("(local mode: not posted to Slack; staff see it with 'scope-bot quotes list')")


def register(sub: argparse._SubParsersAction) -> None:
    """Add shell."""
    p = sub.add_parser("shell", help="interactive local shell (no Slack needed)")
    p.set_defaults(handler=cmd_shell)


def cmd_shell(args: argparse.Namespace, settings: Settings) -> int:
    """The interactive local shell."""
    with open_store(settings) as store:
        classifier = current_classifier(settings, store)
        Shell(classifier=classifier, catalog=load_catalog(settings.catalog_path), store=store).run()
    return 0
