"""scikit-learn's callback API (sklearn.callback): one task per pass."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sklearn_scratchnet import ScratchMLPClassifier

callback = pytest.importorskip(
    "sklearn.callback", reason="the callback API is new in scikit-learn 1.9"
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


def adam(**kwargs):
    return ScratchMLPClassifier(
        solver="adam", alpha=0.01, batch_size=64, random_state=0, **kwargs
    )


class StopAfter:
    """Records each pass's hooks and asks to stop after ``n`` passes."""

    def __init__(self, n):
        self.n = n
        self.events = []

    def setup(self, estimator, context):
        self.events.append("setup")

    def teardown(self, estimator, context):
        self.events.append("teardown")

    def on_fit_task_begin(self, estimator, context):
        self.events.append(f"begin {context.task_name}")

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(f"end {context.task_name}")
        if context.task_name == "epoch":
            self.last_fitted = fitted_estimator
            return context.task_id + 1 >= self.n
        return False


def test_scoring_monitor_scores_every_pass(digits):
    X, y = digits
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = adam(max_iter=6).set_callbacks(monitor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    log = monitor.get_logs().data_as_pandas
    epochs = log[log["task_name"] == "epoch"]
    assert epochs["task_id"].tolist() == list(range(6))
    # Each pass is scored with the weights it ended with: it learns...
    assert epochs["accuracy"].iloc[-1] > epochs["accuracy"].iloc[0]
    # ...and the last pass's weights are the fitted model's.
    assert epochs["accuracy"].iloc[-1] == pytest.approx(clf.score(X, y))


def test_a_callback_can_stop_training(digits):
    X, y = digits
    stopper = StopAfter(3)
    clf = adam(max_iter=100).set_callbacks(stopper)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    assert stopper.events[:2] == ["setup", "begin fit"]
    assert stopper.events[2:8] == ["begin epoch", "end epoch"] * 3
    assert stopper.events[-2:] == ["end fit", "teardown"]
    # The copy handed to the callback predicts like the model at that pass.
    np.testing.assert_array_equal(
        stopper.last_fitted.predict_proba(X), clf.predict_proba(X)
    )
    assert stopper.last_fitted is not clf


def test_partial_fit_is_one_pass(digits):
    X, y = digits
    stopper = StopAfter(10)
    clf = adam().set_callbacks(stopper)
    clf.partial_fit(X, y, classes=np.arange(10))
    assert stopper.events.count("begin epoch") == 1


def test_progress_bar_runs(digits, capsys):
    pytest.importorskip("rich")
    X, y = digits
    clf = adam(max_iter=3).set_callbacks(callback.ProgressBar())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == 3
    assert "ScratchMLPClassifier" in capsys.readouterr().out
