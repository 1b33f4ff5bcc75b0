"""Scoring predictions against true labels: label accuracy, verdict accuracy, unsure rate, per-row and per-verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from model.catalog import NONE_LABEL, PSEUDO_LABELS, UNSURE
from model.metrics import Confusion, Metrics, RowMetrics, Summary, VerdictMetrics
from model.prediction import Prediction


def expected_verdict(label: str, label_info: Mapping[str, Mapping[str, str]]) -> str:
    """The verdict a message of this true label should get (`unsure` for other and none: no row decides)."""
    return label_info[label]["verdict"]


def is_request(truth: str, label_info: Mapping[str, Mapping[str, str]]) -> bool:
    """A request a row of the tables covers."""
    return expected_verdict(truth, label_info) != UNSURE


def is_handover(prediction: Prediction, truth: str, label_info: Mapping[str, Mapping[str, str]]) -> bool:
    """A request a row covers that the bot handed to a human (or dismissed) instead of answering."""
    return is_request(truth, label_info) and prediction.verdict == UNSURE


def _summary(pairs: Sequence[tuple[Prediction, str]], label_info: Mapping[str, Mapping[str, str]]) -> Summary:
    answered = [(p, t) for p, t in pairs if not is_handover(p, t, label_info)]
    requests = sum(is_request(t, label_info) for _, t in pairs)
    handovers = len(pairs) - len(answered)
    verdict_hits = sum(p.verdict == expected_verdict(t, label_info) for p, t in answered)
    return Summary(
        n=len(pairs),
        label_accuracy=sum(p.label == t for p, t in pairs) / len(pairs),
        verdict_accuracy=verdict_hits / len(answered) if answered else 0.0,
        unsure_rate=handovers / requests if requests else 0.0,
    )


def evaluate(
    predictions: Sequence[Prediction],
    truths: Sequence[str],
    *,
    label_info: Mapping[str, Mapping[str, str]],
    kinds: Sequence[str] | None = None,
) -> Metrics:
    """Metrics of `predictions` against `truths`, and per kind of message when `kinds` are given.

    - label_accuracy: predicted label == true label, over all messages.
    - verdict_accuracy: over the messages the bot answered (handovers excluded): predicted verdict == expected
      verdict, where `other` and `none` messages are right when they get no in/out verdict.
    - unsure_rate: share of requests a row covers that were handed over (or dismissed) as unsure.
    """
    if len(predictions) != len(truths) or not truths or (kinds is not None and len(kinds) != len(truths)):
        raise ValueError("need the same, non-zero number of predictions, true labels (and kinds)")
    labels = sorted(label_info, key=lambda lbl: (lbl in PSEUDO_LABELS, lbl == NONE_LABEL, lbl))
    pairs = list(zip(predictions, truths, strict=True))
    predicted_labels = [p.label for p in predictions]
    precision, recall, f1, support = precision_recall_fscore_support(
        truths, predicted_labels, labels=labels, zero_division=0
    )
    per_row = {
        label: RowMetrics(precision=float(p), recall=float(r), f1=float(f), support=int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    per_verdict: dict[str, VerdictMetrics] = {}
    for verdict in sorted({expected_verdict(t, label_info) for t in truths}):
        group = [p for p, t in pairs if expected_verdict(t, label_info) == verdict]
        hits = sum(p.verdict == verdict for p in group)
        per_verdict[verdict] = VerdictMetrics(accuracy=hits / len(group), support=len(group))
    per_kind: dict[str, Summary] = {}
    if kinds is not None:
        for kind in sorted(set(kinds)):
            per_kind[kind] = _summary([pt for pt, k in zip(pairs, kinds, strict=True) if k == kind], label_info)
    matrix = confusion_matrix(truths, predicted_labels, labels=labels)
    return Metrics(
        **_summary(pairs, label_info).__dict__,
        per_row=per_row,
        per_verdict=per_verdict,
        confusion=Confusion(labels=tuple(labels), matrix=tuple(tuple(int(c) for c in row) for row in matrix)),
        per_kind=per_kind,
    )


def format_report(metrics: Metrics) -> str:
    """Human-readable report: headline figures, per-row table, per kind, and the confusion matrix."""
    lines = [
        f"examples          {metrics.n}",
        f"verdict accuracy  {metrics.verdict_accuracy:.1%}   (answered messages; target >= 95%)",
        f"label accuracy    {metrics.label_accuracy:.1%}   (target >= 90%)",
        f"unsure rate       {metrics.unsure_rate:.1%}   (support requests handed to a human; target <= 10%)",
        "",
        f"{'row':34} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}",
    ]
    for label, m in metrics.per_row.items():
        lines.append(f"{label:34} {m.precision:9.2f} {m.recall:7.2f} {m.f1:6.2f} {m.support:4d}")
    lines += ["", "per verdict (share given the right verdict; handovers count as misses)"]
    for verdict, v in metrics.per_verdict.items():
        lines.append(f"  {verdict:14} {v.accuracy:.1%}  (n={v.support})")
    if metrics.per_kind:
        lines += ["", f"per kind {'':24} {'verdict':>8} {'label':>7} {'unsure':>7} {'n':>5}"]
        for kind, k in metrics.per_kind.items():
            lines.append(f"  {kind:30} {k.verdict_accuracy:8.1%} {k.label_accuracy:7.1%} {k.unsure_rate:7.1%} {k.n:5d}")
    lines += ["", format_confusion(metrics.confusion)]
    return "\n".join(lines)


def format_confusion(confusion: Confusion) -> str:
    """Confusion matrix as text: rows are true labels, columns predicted (abbreviated headers)."""
    header = " " * 34 + "".join(f"{i:>4}" for i in range(len(confusion.labels)))
    lines = ["confusion matrix (rows: true label, columns: predicted, numbered as the rows)", header]
    for i, (label, counts) in enumerate(zip(confusion.labels, confusion.matrix, strict=True)):
        cells = "".join(f"{c:>4}" if c else "   ." for c in counts)
        lines.append(f"{i:>2} {label:31}{cells}")
    return "\n".join(lines)


def save_confusion_png(confusion: Confusion, path: Path | str, *, title: str) -> Path:
    """Plot the confusion matrix to a PNG file."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.metrics import ConfusionMatrixDisplay

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(11, 10))
    ConfusionMatrixDisplay(np.array(confusion.matrix), display_labels=list(confusion.labels)).plot(
        ax=ax, cmap="Blues", xticks_rotation=70, colorbar=False
    )
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
