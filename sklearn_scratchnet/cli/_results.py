"""How ``train``, ``evaluate`` and ``info`` print a model's scores."""

import sys

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix


def print_test_results(y_test, y_pred, confusion=None):
    """Print the test accuracy, the confusion matrix (over the labels
    ``confusion``, when given) and the per-class report."""
    print(f"Test accuracy: {np.mean(y_pred == y_test):.4f} on {len(y_test):,} digits")
    print()
    if confusion is not None:
        _print_confusion_matrix(y_test, y_pred, confusion)
        print()
    print(classification_report(y_test, y_pred, digits=4, zero_division=0))


def _print_confusion_matrix(y_true, y_pred, labels):
    """Print the confusion matrix as a table, one row per true label."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    table = Table(
        title="Confusion matrix (rows: true label, columns: predicted)",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        title_justify="left",
    )
    table.add_column("true", justify="right")
    for label in labels:
        table.add_column(str(label), justify="right")
    for label, row in zip(labels, matrix, strict=True):
        table.add_row(str(label), *map(str, row))
    Console(file=sys.stdout, width=max(80, 8 * (len(labels) + 1))).print(table)


def validation_score_name(clf):
    """What ``validation_scores_`` holds, by the model's ``scoring``."""
    scoring = clf.scoring
    if scoring is None:
        return "validation accuracy"
    if isinstance(scoring, str) and scoring == "loss":
        return "validation score (minus the loss)"
    if isinstance(scoring, str):
        return f"validation score ({scoring})"
    return "validation score"


def curve_summary(name, values, best):
    """First, last and best (``min`` or ``max``) value of a per-pass curve."""
    index = int(np.argmin(values) if best is min else np.argmax(values))
    return (
        f"{name}: first {values[0]:.4f}, last {values[-1]:.4f}, "
        f"best {values[index]:.4f} (pass {index + 1})"
    )
