"""Ctrl-C during training: stop after the current step, keep a usable model, warn."""

import signal
import threading
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_scratchnet import ScratchMLPClassifier, _network
from sklearn_scratchnet.exceptions import FitInterruptedWarning

try:
    import sklearn.callback  # noqa: F401  (scikit-learn >= 1.9)

    HAVE_CALLBACKS = True
except ImportError:
    HAVE_CALLBACKS = False


@pytest.fixture(autouse=True)
def python_sigint_handler():
    """Ctrl-C as in a plain Python program, whatever the test runner installed."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="module")
def digits(mnist_subset):
    X_train, X_test, y_train, y_test = mnist_subset
    return X_train[:1000], X_test[:500], y_train[:1000], y_test[:500]


def press_ctrl_c_at_step(monkeypatch, step):
    """Send SIGINT to this process while gradient step ``step`` is computed."""
    real = _network.loss_and_gradients
    calls = []

    def loss_and_gradients(*args, **kwargs):
        calls.append(None)
        if len(calls) == step:
            signal.raise_signal(signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(_network, "loss_and_gradients", loss_and_gradients)
    return calls


def test_full_batch_ctrl_c_finishes_the_pass_and_keeps_its_weights(digits, monkeypatch):
    X, _, y, _ = digits
    reference = ScratchMLPClassifier(max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(X, y)

    calls = press_ctrl_c_at_step(monkeypatch, step=5)
    clf = ScratchMLPClassifier(max_iter=500, random_state=0)
    with pytest.warns(FitInterruptedWarning) as caught:
        clf.fit(X, y)
    assert len(calls) == 5  # the interrupted step was finished, then no more
    assert clf.n_iter_ == 5 and len(clf.loss_curve_) == 5
    assert clf.t_ == 5 * len(X)
    for name in ("W1_", "b1_", "W2_", "b2_"):
        np.testing.assert_array_equal(getattr(clf, name), getattr(reference, name))
    assert clf.loss_curve_ == reference.loss_curve_
    message = str(caught[0].message)
    assert "training interrupted (KeyboardInterrupt) after pass 5" in message
    assert "(5 of 500 passes complete)" in message
    assert "the weights of the last completed step" in message
    # Ctrl-C behaves as usual again once fit returned.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_mini_batch_ctrl_c_stops_inside_the_pass(digits, monkeypatch):
    X, X_test, y, y_test = digits
    press_ctrl_c_at_step(monkeypatch, step=7)  # the 2nd of 5 batches of pass 2
    clf = ScratchMLPClassifier(
        hidden_size=32, solver="adam", alpha=0.01, batch_size=200, max_iter=50,
        random_state=0,
    )  # fmt: skip
    with pytest.warns(FitInterruptedWarning, match="in pass 2 after 2 of 5 mini"):
        clf.fit(X, y)
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 1  # complete passes only
    assert clf.t_ == len(X) + 400
    assert clf.score(X_test, y_test) > 0.5  # 7 Adam steps: a usable model
    assert all(np.isfinite(getattr(clf, n)).all() for n in ("W1_", "W2_"))
    # Training can go on from there.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 2  # n_iter_: this call's


def test_ctrl_c_with_early_stopping_keeps_the_best_pass(digits, monkeypatch):
    X, _, y, _ = digits
    best_pass = {}
    real = _network.loss_and_gradients
    calls = []

    # Interrupt at step 30, and remember the weights after each pass.
    def loss_and_gradients(*args, **kwargs):
        calls.append(None)
        if len(calls) == 30:
            signal.raise_signal(signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(_network, "loss_and_gradients", loss_and_gradients)
    clf = ScratchMLPClassifier(
        hidden_size=16, alpha=0.5, early_stopping=True, n_iter_no_change=100,
        random_state=0,
    )  # fmt: skip
    with pytest.warns(FitInterruptedWarning, match="the best pass's weights"):
        clf.fit(X, y)
    assert clf.n_iter_ == 30
    best = int(np.argmax(clf.validation_scores_))
    best_pass["score"] = clf.validation_scores_[best]
    # The kept weights are the best pass's: the validation split is seeded, so
    # a fit stopped right after that pass has the same weights.
    monkeypatch.setattr(_network, "loss_and_gradients", real)
    reference = clone(clf).set_params(max_iter=best + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(X, y)
    np.testing.assert_array_equal(clf.W1_, reference.W1_)
    assert clf.best_validation_score_ == best_pass["score"]


def test_a_second_ctrl_c_interrupts_at_once_and_keeps_the_previous_model(
    digits, monkeypatch
):
    X, _, y, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = ScratchMLPClassifier(max_iter=3, random_state=0).fit(X, y)
    before = clf.predict_proba(X)
    real = _network.loss_and_gradients
    calls = []

    def loss_and_gradients(*args, **kwargs):
        calls.append(None)
        if len(calls) == 2:  # pressed twice during the same step
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(_network, "loss_and_gradients", loss_and_gradients)
    with pytest.raises(KeyboardInterrupt):
        clf.set_params(max_iter=500).fit(X, y)
    # The second press came in the middle of a step: that fit is abandoned and
    # the model fitted before it is still there.
    assert len(calls) == 2
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert clf.n_iter_ == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_in_partial_fit(digits, monkeypatch):
    X, _, y, _ = digits
    press_ctrl_c_at_step(monkeypatch, step=2)
    clf = ScratchMLPClassifier(batch_size=100, solver="adam", random_state=0)
    with pytest.warns(FitInterruptedWarning, match="in pass 1 after 2 of 10"):
        clf.partial_fit(X, y, classes=np.arange(10))
    assert clf.n_iter_ == 0 and clf.t_ == 200
    assert clf.predict(X).shape == y.shape


@pytest.mark.skipif(not HAVE_CALLBACKS, reason="needs scikit-learn >= 1.9")
def test_keyboard_interrupt_raised_by_a_callback_stops_cleanly(digits):
    """A KeyboardInterrupt raised between steps (here by a callback at the end of
    pass 4) stops training the same way."""

    class InterruptAfter:
        def __init__(self, n):
            self.n = n

        def setup(self, estimator, context):
            pass

        def teardown(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context):
            pass

        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            if context.task_name == "epoch" and context.task_id + 1 == self.n:
                raise KeyboardInterrupt
            return False

    X, _, y, _ = digits
    clf = ScratchMLPClassifier(max_iter=100, random_state=0)
    clf.set_callbacks(InterruptAfter(4))
    with pytest.warns(FitInterruptedWarning, match="after pass 4"):
        clf.fit(X, y)
    assert clf.n_iter_ == 4 and len(clf.loss_curve_) == 4
    assert np.isfinite(clf.predict_proba(X)).all()


def test_fit_in_another_thread_leaves_the_signal_handler_alone(digits):
    X, _, y, _ = digits
    handlers = []
    real = _network.loss_and_gradients

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ScratchMLPClassifier(max_iter=2).fit(X, y)

    def spy(*args, **kwargs):
        handlers.append(signal.getsignal(signal.SIGINT))
        return real(*args, **kwargs)

    _network.loss_and_gradients, saved = spy, real
    try:
        thread = threading.Thread(target=fit)
        thread.start()
        thread.join()
    finally:
        _network.loss_and_gradients = saved
    assert handlers == [signal.default_int_handler] * 2
