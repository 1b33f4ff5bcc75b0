"""What every listener needs, built once by create_app and handed to listeners through Bolt's context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.outbox import Outbox
from bot.reviewers import Reviewers
from bot.settings import Settings
from bot.store import Store
from bot.triage import Triage, triage_message
from model.catalog import Catalog

CONTEXT_KEY = "scope_deps"


@dataclass(frozen=True)
class Deps:
    settings: Settings
    classifier: Any  # model.Classifier or bot.live_model.LiveClassifier: .classify, .version, .manifest
    store: Store
    catalog: Catalog
    outbox: Outbox
    reviewers: Reviewers

    def triage(self, text: str, *, source: str, **where: str | None) -> Triage:
        """triage_message with this app's classifier, catalog and store; `where` says where the text came from."""
        return triage_message(
            text, classifier=self.classifier, catalog=self.catalog, store=self.store, source=source, **where
        )


def deps_of(context: Any) -> Deps:
    """The Deps stored in a Bolt context by create_app's middleware."""
    return context[CONTEXT_KEY]
