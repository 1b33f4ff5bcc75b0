"""Scoring predictions against true labels: label accuracy, verdict accuracy, unsure rate, per-row and per-verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from model.catalog import NONE_LABEL, UNSURE
from model.prediction import Prediction


def expected_verdict(label: str, label_info: Mapping[str, Mapping[str, str]]) -> str:
    """The verdict a message of this true label should get (`unsure` for none: nothing to decide)."""
    return label_info[label]["verdict"]


def is_handover(prediction: Prediction, truth: str) -> bool:
    """A real support request the bot handed to a human instead of answering."""
    return truth != NONE_LABEL and prediction.verdict == UNSURE


def evaluate(
    predictions: Sequence[Prediction], truths: Sequence[str], *, label_info: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """Metrics of `predictions` against `truths`.

    - label_accuracy: predicted label == true label, over all messages.
    - verdict_accuracy: over the messages the bot answered (handovers excluded): predicted verdict == expected
      verdict, where `none` messages are right when they get no in/out verdict.
    - unsure_rate: share of real support requests (true label not `none`) handed over as unsure.
    """
    if len(predictions) != len(truths) or not truths:
        raise ValueError("need the same, non-zero number of predictions and true labels")
    labels = sorted(label_info, key=lambda lbl: (lbl == NONE_LABEL, lbl))
    predicted_labels = [p.label for p in predictions]
    answered = [(p, t) for p, t in zip(predictions, truths) if not is_handover(p, t)]
    requests = [t for t in truths if t != NONE_LABEL]
    handovers = sum(is_handover(p, t) for p, t in zip(predictions, truths))
    verdict_hits = sum(p.verdict == expected_verdict(t, label_info) for p, t in answered)

    precision, recall, f1, support = precision_recall_fscore_support(
        truths, predicted_labels, labels=labels, zero_division=0
    )
    per_row = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support)
    }
    per_verdict: dict[str, dict[str, float]] = {}
    for verdict in sorted({expected_verdict(t, label_info) for t in truths}):
        group = [(p, t) for p, t in zip(predictions, truths) if expected_verdict(t, label_info) == verdict]
        hits = sum(p.verdict == verdict for p, _ in group)
        per_verdict[verdict] = {"accuracy": hits / len(group), "support": len(group)}
    return {
        "n": len(truths),
        "label_accuracy": sum(p == t for p, t in zip(predicted_labels, truths)) / len(truths),
        "verdict_accuracy": verdict_hits / len(answered) if answered else 0.0,
        "unsure_rate": handovers / len(requests) if requests else 0.0,
        "per_row": per_row,
        "per_verdict": per_verdict,
        "confusion": {"labels": labels, "matrix": confusion_matrix(truths, predicted_labels, labels=labels).tolist()},
    }


def format_report(metrics: Mapping[str, Any]) -> str:
    """Human-readable report: headline figures, per-row table and the confusion matrix."""
    lines = [
        f"examples          {metrics['n']}",
        f"verdict accuracy  {metrics['verdict_accuracy']:.1%}   (answered messages; target >= 95%)",
        f"label accuracy    {metrics['label_accuracy']:.1%}   (target >= 90%)",
        f"unsure rate       {metrics['unsure_rate']:.1%}   (support requests handed to a human; target <= 10%)",
        "",
        f"{'row':34} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}",
    ]
    for label, m in metrics["per_row"].items():
        lines.append(f"{label:34} {m['precision']:9.2f} {m['recall']:7.2f} {m['f1']:6.2f} {m['support']:4d}")
    lines += ["", "per verdict (share given the right verdict; handovers count as misses)"]
    for verdict, m in metrics["per_verdict"].items():
        lines.append(f"  {verdict:14} {m['accuracy']:.1%}  (n={m['support']})")
    lines += ["", format_confusion(metrics["confusion"])]
    return "\n".join(lines)


def format_confusion(confusion: Mapping[str, Any]) -> str:
    """Confusion matrix as text: rows are true labels, columns predicted (abbreviated headers)."""
    labels, matrix = confusion["labels"], confusion["matrix"]
    header = " " * 34 + "".join(f"{i:>4}" for i in range(len(labels)))
    lines = ["confusion matrix (rows: true label, columns: predicted, numbered as the rows)", header]
    for i, (label, counts) in enumerate(zip(labels, matrix)):
        cells = "".join(f"{c:>4}" if c else "   ." for c in counts)
        lines.append(f"{i:>2} {label:31}{cells}")
    return "\n".join(lines)


def save_confusion_png(confusion: Mapping[str, Any], path: Path | str, *, title: str) -> Path:
    """Plot the confusion matrix to a PNG file."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay
    import numpy as np

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = confusion["labels"]
    fig, ax = plt.subplots(figsize=(11, 10))
    ConfusionMatrixDisplay(np.array(confusion["matrix"]), display_labels=labels).plot(
        ax=ax, cmap="Blues", xticks_rotation=70, colorbar=False
    )
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
