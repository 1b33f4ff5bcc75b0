"""What every listener needs, built once by create_app and handed to listeners through Bolt's context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.db import Store
from bot.services.triage import Triage, Where, triage_message
from bot.settings import Settings
from bot.slack.outbox import Outbox
from bot.slack.reviewers import Reviewers
from model.catalog import Catalog
from model.classifier import Classifier
from model.prediction import Prediction

CONTEXT_KEY = "scope_deps"


class ServingClassifier(Protocol):
    """model.Classifier, or the serving process's hot-reloading bot.serve.live_model.LiveClassifier."""

    def classify(self, text: str) -> Prediction: ...

    def classify_many(self, texts: Sequence[str]) -> list[Prediction]: ...

    def snapshot(self) -> Classifier: ...


@dataclass(frozen=True)
class Deps:
    settings: Settings
    classifier: ServingClassifier
    store: Store
    catalog: Catalog
    outbox: Outbox
    reviewers: Reviewers
    # False under `scope-bot serve`: a web worker only stores a mention and acknowledges it; the responder process
    # answers (so classifying never holds up an acknowledgement). True in one-process set-ups and tests.
    answer_inline: bool = True

    def triage(self, text: str, *, source: str, where: Where) -> Triage:
        """triage_message with this app's classifier, catalog and store."""
        return triage_message(
            text, classifier=self.classifier, catalog=self.catalog, store=self.store, source=source, where=where
        )


def deps_of(context: Any) -> Deps:
    """The Deps stored in a Bolt context by create_app's middleware."""
    deps: Deps = context[CONTEXT_KEY]
    return deps
