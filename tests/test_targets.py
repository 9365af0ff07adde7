"""The three kinds of targets: many classes, two classes, multilabel indicators."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score

from sklearn_scratchnet import ScratchMLPClassifier


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(
        n_samples=300, n_features=10, n_classes=4, random_state=0
    )
    return X / X.max(), Y


def test_multilabel_targets_train_one_logistic_unit_per_label(multilabel):
    X, Y = multilabel
    clf = ScratchMLPClassifier(
        hidden_size=32, solver="adam", alpha=0.01, max_iter=200, random_state=0
    ).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    assert clf.n_outputs_ == 4 and clf.W2_.shape == (4, 32)
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    predicted = clf.predict(X)
    assert predicted.shape == Y.shape
    assert set(np.unique(predicted)) <= {0, 1}
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(int))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-9)
    # score is the subset accuracy: a sample counts when all its labels are right
    assert clf.score(X, Y) == accuracy_score(Y, predicted)
    assert clf.score(X, Y) > 0.4  # far above a constant prediction
    assert accuracy_score(Y, np.zeros_like(Y)) < 0.2


def test_multilabel_early_stopping_holds_out_at_random(multilabel):
    X, Y = multilabel
    clf = ScratchMLPClassifier(
        solver="adam", alpha=0.01, early_stopping=True, random_state=0, max_iter=50
    ).fit(X, Y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert 0 <= clf.best_validation_score_ <= 1
    # An own validation set of the same kind is scored the same way.
    own = ScratchMLPClassifier(solver="adam", max_iter=5, random_state=0)
    own.fit(X[:200], Y[:200], X_val=X[200:], y_val=Y[200:])
    last = own.validation_scores_[-1]
    assert last == pytest.approx(own.score(X[200:], Y[200:]), abs=1e-12)


def test_multilabel_partial_fit_needs_the_label_range_as_classes(multilabel):
    X, Y = multilabel
    clf = ScratchMLPClassifier(solver="adam", random_state=0)
    with pytest.raises(ValueError, match=r"classes must be range\(4\)"):
        clf.partial_fit(X, Y, classes=[1, 2, 3, 4])
    clf.partial_fit(X[:100], Y[:100], classes=range(4))
    clf.partial_fit(X[100:], Y[100:])
    assert clf.n_outputs_ == 4 and clf.predict(X).shape == Y.shape
    with pytest.raises(ValueError, match="fitted on a multilabel indicator matrix"):
        clf.partial_fit(X, Y[:, 0])


def test_multilabel_refuses_class_weight_and_wrong_y_val(multilabel):
    X, Y = multilabel
    with pytest.raises(ValueError, match="class_weight applies to class labels"):
        ScratchMLPClassifier(class_weight="balanced").fit(X, Y)
    with pytest.raises(ValueError, match=r"y_val must have shape \(n_val, 4\)"):
        ScratchMLPClassifier(max_iter=2).fit(X, Y, X_val=X[:5], y_val=Y[:5, 0])


def test_warm_start_refuses_another_kind_of_targets(multilabel):
    X, Y = multilabel
    clf = ScratchMLPClassifier(max_iter=2, warm_start=True).fit(X, Y)
    before = clf.W2_.copy()
    with pytest.raises(ValueError, match="fitted on a multilabel indicator matrix"):
        clf.fit(X, Y[:, 0])
    np.testing.assert_array_equal(clf.W2_, before)  # the model is kept
    clf.set_params(warm_start=False).fit(X, Y[:, 0])  # afresh: two classes
    assert (clf.n_outputs_, clf.out_activation_) == (1, "logistic")
    assert clf.predict(X).shape == (len(X),)


def test_a_two_class_model_saved_with_two_softmax_units_still_predicts(multilabel):
    """Models saved before two classes got one logistic unit have a 2-unit
    softmax and no out_activation_: loaded, they predict as they did."""
    X, Y = multilabel
    y = Y[:, 0]
    clf = ScratchMLPClassifier(max_iter=30, random_state=0).fit(X, np.r_[y[:-1], 2])
    state = clf.__getstate__()
    state.pop("out_activation_")  # as an older version saved it
    state["W2_"], state["b2_"] = state["W2_"][:2], state["b2_"][:2]  # 2 units
    state["classes_"] = np.array([0, 1])
    for training_state in ("_optimizer", "_class_totals"):  # of 3 classes
        state.pop(training_state)
    old = ScratchMLPClassifier.__new__(ScratchMLPClassifier)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old.__setstate__(state)
    old = pickle.loads(pickle.dumps(old))
    assert (old.out_activation_, old.n_outputs_) == ("softmax", 2)
    logits = np.maximum(X @ old.W1_.T + old.b1_, 0) @ old.W2_.T + old.b2_
    np.testing.assert_array_equal(old.predict(X), logits.argmax(axis=1))
    np.testing.assert_allclose(old.predict_proba(X).sum(axis=1), 1.0)
    old.partial_fit(X, y)  # and trains on as a 2-unit softmax
    assert old.W2_.shape == (2, 10)
