"""Every warning of the estimator names the line of the caller's code.

Whichever internal function raises it, a warning of ``fit``, ``partial_fit`` or a
load is reported at the line that called them, here: its ``filename`` is this
file.
"""

import pickle
import signal
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_scratchnet import ScratchMLPClassifier, _classifier, _network
from sklearn_scratchnet.exceptions import (
    FitInterruptedWarning,
    InconsistentVersionWarning,
    UnscaledInputWarning,
    ValidationSplitWarning,
)


def _problem(n=90):
    rng = np.random.default_rng(0)
    X = rng.random((n, 4))
    return X, (X[:, 0] * 3).astype(int)


def _caught(category, call):
    """The warnings of ``category`` that ``call()`` raises."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    found = [w for w in caught if issubclass(w.category, category)]
    assert found, f"no {category.__name__}"
    return found


def _assert_named_here(found):
    assert {w.filename for w in found} == {__file__}


@pytest.mark.parametrize(
    "params",
    [dict(max_iter=2), dict(solver="adam", batch_size=16, max_iter=2)],
    ids=["full batch", "mini-batches"],
)
def test_convergence_warning_names_the_call_of_fit(params):
    X, y = _problem()
    clf = ScratchMLPClassifier(random_state=0, **params)
    _assert_named_here(_caught(ConvergenceWarning, lambda: clf.fit(X, y)))


def test_lbfgs_convergence_warning_names_the_call_of_fit():
    X, y = _problem()
    clf = ScratchMLPClassifier(solver="lbfgs", max_iter=2, random_state=0)
    _assert_named_here(_caught(ConvergenceWarning, lambda: clf.fit(X, y)))


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_unscaled_input_warning_names_the_call(method):
    X, y = _problem()
    clf = ScratchMLPClassifier(max_iter=1, random_state=0)
    fit = getattr(clf, method)
    extra = {"classes": np.unique(y)} if method == "partial_fit" else {}
    _assert_named_here(_caught(UnscaledInputWarning, lambda: fit(X * 255, y, **extra)))


def test_validation_split_warning_names_the_call_of_fit():
    X, y = _problem()
    y[0] = 7  # a class of one sample: no stratified split
    clf = ScratchMLPClassifier(early_stopping=True, max_iter=2, random_state=0)
    _assert_named_here(_caught(ValidationSplitWarning, lambda: clf.fit(X, y)))


def test_unweighted_scorer_warning_names_the_call_of_fit():
    X, y = _problem()
    weights = np.linspace(0.5, 2.0, len(y))

    def accuracy(estimator, X, y):  # takes no sample_weight
        return float(np.mean(estimator.predict(X) == y))

    clf = ScratchMLPClassifier(
        early_stopping=True, max_iter=2, random_state=0, scoring=accuracy
    )
    found = _caught(UserWarning, lambda: clf.fit(X, y, sample_weight=weights))
    _assert_named_here([w for w in found if "no sample_weight" in str(w.message)])


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_interrupted_warning_names_the_call_of_fit(monkeypatch, solver):
    X, y = _problem()
    real, calls = _network.loss_and_gradients, []

    def loss_and_gradients(*args, **kwargs):
        calls.append(None)
        if len(calls) == 2:
            signal.raise_signal(signal.SIGINT)
        return real(*args, **kwargs)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    monkeypatch.setattr(_network, "loss_and_gradients", loss_and_gradients)
    try:
        clf = ScratchMLPClassifier(solver=solver, max_iter=50, random_state=0)
        _assert_named_here(_caught(FitInterruptedWarning, lambda: clf.fit(X, y)))
    finally:
        signal.signal(signal.SIGINT, previous)


def test_version_warning_names_the_call_of_the_load(monkeypatch):
    X, y = _problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = ScratchMLPClassifier(max_iter=2).fit(X, y)
    with monkeypatch.context() as patched:  # saved by another version
        patched.setattr(
            _classifier, "library_versions", lambda: {"sklearn-scratchnet": "0.0.1"}
        )
        saved = pickle.dumps(clf)
    _assert_named_here(_caught(InconsistentVersionWarning, lambda: pickle.loads(saved)))
