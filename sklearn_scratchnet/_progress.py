"""A live progress bar for training, as a scikit-learn fit callback.

:class:`EpochProgressBar` follows the ``sklearn.callback`` protocol (``setup``,
``on_fit_task_begin``, ``on_fit_task_end``, ``teardown``): the classifier opens
one task per fit and one subtask per pass, and hands each pass's end a fitted
copy of the model, which the bar scores on a validation set. Needs rich.
"""

import time

import numpy as np
from sklearn.metrics import get_scorer, log_loss

from sklearn_scratchnet._namespace import from_numpy, is_numpy, to_numpy


class EpochProgressBar:
    """Show the passes of a fit as a rich progress bar with validation scores.

    Each finished pass advances the bar; the validation loss and score (the
    accuracy unless ``scoring`` says otherwise) shown are those of the weights
    the latest pass ended with, and those of the final model at the end.
    Scoring costs a forward pass over the validation data (a scorer's, one
    more), which a fit with the same validation set does after each pass
    anyway; with ``min_interval > 0`` passes that end sooner than that after
    the last scored one are not scored, and the scores shown say which pass
    they belong to.
    rich estimates the time left from the pace so far. Register with
    ``clf.set_callbacks(bar)`` and remove with ``clf.set_callbacks()`` before
    saving the model.

    Parameters
    ----------
    progress : rich.progress.Progress
        A started Progress made by :func:`make_progress`.
    X_val : array-like of shape (n_val, n_features), default=None
        Validation data; without it the bar shows only the passes.
    y_val : array-like of shape (n_val,), default=None
        Its labels.
    min_interval : float, default=0.0
        Least seconds between two scorings of the validation set; 0 scores
        every pass.
    scoring : None, str or callable, default=None
        The validation score, as the estimator's ``scoring``: None the
        accuracy (the field ``val_accuracy``), "loss" none beyond the loss,
        otherwise the scorer it names or is (the field ``val_score``). Give
        :func:`make_progress` the same, to show it under its name.
    """

    def __init__(
        self, progress, X_val=None, y_val=None, min_interval=0.0, scoring=None
    ):
        self.progress = progress
        self.X_val = X_val
        self.y_val = y_val
        self.min_interval = min_interval
        self.scoring = scoring

    def setup(self, estimator, context):
        self._task = self.progress.add_task(
            "training",
            total=estimator.max_iter,
            val_loss="-",
            val_accuracy="-",
            val_score="-",
            val_pass="",
        )
        self._scorer = None
        if self.scoring is not None and not _is_loss(self.scoring):
            self._scorer = get_scorer(self.scoring)  # a callable as it is
        self._scored_at = -np.inf
        self._passes = 0

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        # One task per pass, then the fit's own task with the final model.
        final = context.task_name != "epoch"
        self._passes += 0 if final else 1
        now = time.monotonic()
        scores = {}
        if self.X_val is not None:
            if final or now - self._scored_at >= self.min_interval:
                self._scored_at = now
                self._scored_pass = self._passes
                scores = self._scores(fitted_estimator)
            # Scores of an earlier pass say so, rather than pass for this one's.
            scores["val_pass"] = (
                ""
                if final or self._scored_pass == self._passes
                else f"(pass {self._scored_pass})"
            )
        self.progress.update(self._task, advance=0 if final else 1, **scores)
        return False

    def _scores(self, fitted_estimator):
        # A model trained on another array library (a GPU) predicts there.
        classes = to_numpy(fitted_estimator.classes_)
        proba = to_numpy(fitted_estimator.predict_proba(self.X_val))
        accuracy = np.mean(classes[np.argmax(proba, axis=1)] == self.y_val)
        loss = log_loss(self.y_val, proba, labels=classes)
        scores = {"val_loss": f"{loss:.4f}", "val_accuracy": f"{accuracy:.4f}"}
        if self._scorer is not None:
            y_val = self.y_val
            if not is_numpy(self.X_val) and np.asarray(y_val).dtype.kind in "biuf":
                y_val = from_numpy(y_val, like=self.X_val)  # as the estimator does
            score = self._scorer(fitted_estimator, self.X_val, y_val)
            scores["val_score"] = f"{float(score):.4f}"
        return scores

    def teardown(self, estimator, context):
        # Training may stop before max_iter: show the bar as complete.
        task = self.progress.tasks[self._task]
        self.progress.update(self._task, total=task.completed)


def _is_loss(scoring):
    """Whether ``scoring`` is "loss" (minus the validation loss)."""
    return isinstance(scoring, str) and scoring == "loss"


def make_progress(console, scoring=None):
    """A rich Progress showing pass, bar, validation scores, elapsed time and ETA.

    Parameters
    ----------
    console : rich.console.Console
        Where to draw (the CLI draws on standard error).
    scoring : None, str or callable, default=None
        The :class:`EpochProgressBar`'s ``scoring``, whose score is shown
        after the loss under its name: "val acc" for None, "val NAME" for a
        scorer's name, "val score" for a callable, nothing for "loss".

    Returns
    -------
    progress : rich.progress.Progress
        Not started; use it as a context manager.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if scoring is None:
        score = [TextColumn("val acc {task.fields[val_accuracy]}")]
    elif _is_loss(scoring):
        score = []  # the loss, shown already
    else:
        name = scoring if isinstance(scoring, str) else "score"
        score = [TextColumn(f"val {name} {{task.fields[val_score]}}")]
    return Progress(
        TextColumn("epoch"),
        MofNCompleteColumn(),
        BarColumn(),
        TextColumn("val loss {task.fields[val_loss]}"),
        *score,
        TextColumn("{task.fields[val_pass]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )
