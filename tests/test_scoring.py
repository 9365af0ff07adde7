"""ScratchMLPClassifier(scoring=...): how a validation set is scored after each pass."""

import contextlib
import io
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.datasets import (
    load_digits,
    make_classification,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    check_scoring,
    f1_score,
    log_loss,
)
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_scratchnet import ScratchMLPClassifier, _training, cli, persistence
from sklearn_scratchnet._validation_scoring import validation_scoring


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def digits_split():
    """Digits scaled to [0, 1]: a training part and an own validation set."""
    X, y = load_digits(return_X_y=True)
    X = X / 16
    return X[:1000], y[:1000], X[1000:], y[1000:]


def imbalanced_problem():
    return make_classification(
        n_samples=600,
        n_features=10,
        n_informative=6,
        n_classes=3,
        weights=[0.7, 0.2, 0.1],
        random_state=0,
    )


def weights_of(clf):
    return [clf.W1_, clf.b1_, clf.W2_, clf.b2_]


def macro_f1(estimator, X, y):
    """A scorer callable: the macro F1 of the estimator's predictions."""
    return f1_score(y, estimator.predict(X), average="macro")


# ------------------------------------------------------------------- the default


def test_default_is_none_and_a_parameter():
    clf = ScratchMLPClassifier()
    assert clf.scoring is None
    assert clf.get_params()["scoring"] is None
    assert clf.set_params(scoring="loss").scoring == "loss"


def test_default_scores_equal_the_accuracy_scorer_with_the_split_weights():
    # Imbalanced classes under class_weight="balanced": the held-out samples
    # carry unequal weights, so the weighted and the plain accuracy differ; the
    # default's fast path and the "accuracy" scorer both weigh them.
    X, y = imbalanced_problem()
    params = dict(
        hidden_size=16, solver="adam", alpha=0.01, max_iter=60, early_stopping=True,
        validation_fraction=0.3, class_weight="balanced", n_iter_no_change=8,
        random_state=0,
    )  # fmt: skip
    default = ScratchMLPClassifier(**params).fit(X, y)
    scorer = ScratchMLPClassifier(**params, scoring="accuracy").fit(X, y)
    np.testing.assert_allclose(
        scorer.validation_scores_, default.validation_scores_, rtol=1e-12
    )
    assert scorer.best_validation_score_ == pytest.approx(
        default.best_validation_score_, rel=1e-12
    )
    assert scorer.n_iter_ == default.n_iter_
    for a, b in zip(weights_of(scorer), weights_of(default), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        scorer.validation_loss_curve_, default.validation_loss_curve_
    )


def test_default_scores_an_own_validation_set_by_its_accuracy(digits_split):
    X, y, X_val, y_val = digits_split
    clf = ScratchMLPClassifier(hidden_size=16, max_iter=5, random_state=0)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.validation_scores_[-1] == pytest.approx(
        accuracy_score(y_val, clf.predict(X_val)), rel=1e-12
    )


# ----------------------------------------------------------------------- "loss"


@pytest.mark.parametrize("early_stopping", [False, True])
def test_loss_scores_are_minus_the_validation_losses(digits_split, early_stopping):
    X, y, X_val, y_val = digits_split
    clf = ScratchMLPClassifier(
        hidden_size=16, solver="adam", alpha=0.01, max_iter=30, scoring="loss",
        early_stopping=early_stopping, random_state=0,
    )  # fmt: skip
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.validation_scores_ == [-loss for loss in clf.validation_loss_curve_]
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_validation_score_ == -min(clf.validation_loss_curve_)


def test_loss_scores_a_held_out_split_too():
    X, y = imbalanced_problem()
    clf = ScratchMLPClassifier(
        hidden_size=8, max_iter=20, scoring="loss", early_stopping=True,
        random_state=0,
    )  # fmt: skip
    clf.fit(X, y)
    assert clf.validation_scores_ == [-loss for loss in clf.validation_loss_curve_]


def test_loss_scores_the_lbfgs_weights(digits_split):
    X, y, X_val, y_val = digits_split
    clf = ScratchMLPClassifier(
        hidden_size=8, solver="lbfgs", max_iter=20, scoring="loss", random_state=0
    )
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.validation_scores_ == [-clf.validation_loss_curve_[0]]
    assert -clf.validation_scores_[0] == pytest.approx(
        log_loss(y_val, clf.predict_proba(X_val)), rel=1e-10
    )


def overfitting_problem():
    """Few noisy training samples and a large network: the validation loss
    falls for some passes, then rises while the training loss keeps falling."""
    X, y = make_classification(
        n_samples=1100,
        n_features=20,
        n_informative=4,
        n_redundant=0,
        n_classes=3,
        flip_y=0.2,
        random_state=1,
    )
    return X[:100], y[:100], X[100:], y[100:]


def test_early_stopping_on_loss_stops_when_the_validation_loss_stops_falling():
    X, y, X_val, y_val = overfitting_problem()
    n_iter_no_change = 5
    clf = ScratchMLPClassifier(
        hidden_size=128, solver="adam", alpha=0.01, max_iter=500, tol=0.0,
        early_stopping=True, n_iter_no_change=n_iter_no_change, scoring="loss",
        random_state=0,
    )  # fmt: skip
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    losses = np.array(clf.validation_loss_curve_)
    assert clf.n_iter_ < clf.max_iter
    # The last pass to reach the lowest validation loss, then more than
    # n_iter_no_change passes without reaching it: the training stopped there.
    best = len(losses) - 1 - np.argmin(losses[::-1])
    assert clf.n_iter_ == best + 1 + n_iter_no_change + 1
    assert (losses[best + 1 :] > losses[best]).all()
    assert (losses[:best] >= losses[best]).all()
    # The training loss was still falling: the validation loss decided.
    assert clf.loss_curve_[-1] < clf.loss_curve_[best]
    # The weights kept are the best pass's: their validation loss is the lowest.
    assert log_loss(y_val, clf.predict_proba(X_val)) == pytest.approx(
        losses[best], rel=1e-10
    )


# ---------------------------------------------------- scorer names and callables


@pytest.mark.parametrize(
    "scoring, metric",
    [
        (
            "balanced_accuracy",
            lambda clf, X, y: balanced_accuracy_score(y, clf.predict(X)),
        ),
        ("neg_log_loss", lambda clf, X, y: -log_loss(y, clf.predict_proba(X))),
        (macro_f1, lambda clf, X, y: f1_score(y, clf.predict(X), average="macro")),
    ],
    ids=["balanced_accuracy", "neg_log_loss", "callable"],
)
def test_scorer_scores_each_pass_as_the_metric_on_its_weights(
    digits_split, scoring, metric
):
    # Without early stopping the fit keeps the last pass's weights; full-batch
    # steps make the first k passes of a fit those of a fit with max_iter=k.
    X, y, X_val, y_val = digits_split
    params = dict(hidden_size=12, max_iter=6, alpha=0.5, random_state=0)
    clf = ScratchMLPClassifier(**params, scoring=scoring)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert len(clf.validation_scores_) == 6
    assert clf.validation_scores_[-1] == pytest.approx(
        metric(clf, X_val, y_val), rel=1e-10
    )
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    for k in (1, 3):
        shorter = ScratchMLPClassifier(**dict(params, max_iter=k)).fit(X, y)
        assert clf.validation_scores_[k - 1] == pytest.approx(
            metric(shorter, X_val, y_val), rel=1e-10
        )
    # The validation loss is recorded as without a scorer.
    plain = ScratchMLPClassifier(**params).fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.validation_loss_curve_ == plain.validation_loss_curve_


def test_a_scorer_sees_the_weights_of_each_pass(digits_split):
    # A scorer computing minus the log-loss through predict_proba gives, pass by
    # pass, what scoring="loss" computes inside the loop.
    X, y, X_val, y_val = digits_split
    params = dict(hidden_size=12, solver="adam", alpha=0.01, max_iter=15)
    by_loss = ScratchMLPClassifier(**params, scoring="loss", random_state=0)
    by_scorer = ScratchMLPClassifier(**params, scoring="neg_log_loss", random_state=0)
    by_loss.fit(X, y, X_val=X_val, y_val=y_val)
    by_scorer.fit(X, y, X_val=X_val, y_val=y_val)
    np.testing.assert_allclose(
        by_scorer.validation_scores_, by_loss.validation_scores_, rtol=1e-10
    )
    assert len(set(by_scorer.validation_scores_)) == len(by_scorer.validation_scores_)


def test_a_scorer_scores_the_weights_it_is_given_and_puts_the_model_back(
    digits_split,
):
    # The loop hands the scoring function the weights of a pass, which need not
    # be the arrays the estimator holds: the scorer must predict with them.
    X, y, X_val, y_val = digits_split
    clf = ScratchMLPClassifier(hidden_size=8, max_iter=3, random_state=0).fit(X, y)
    other = ScratchMLPClassifier(hidden_size=8, max_iter=30, random_state=1).fit(X, y)
    held = weights_of(clf)
    validation = _training.ValidationSet(X_val, np.searchsorted(clf.classes_, y_val))
    validation.scoring = validation_scoring(
        clf, validation, check_scoring(clf, "balanced_accuracy")
    )
    score, _ = validation.score_and_loss(tuple(weights_of(other)), clf.activation)
    assert score == pytest.approx(
        balanced_accuracy_score(y_val, other.predict(X_val)), rel=1e-12
    )
    assert score != balanced_accuracy_score(y_val, clf.predict(X_val))
    assert all(a is b for a, b in zip(weights_of(clf), held, strict=True))


def test_early_stopping_keeps_the_weights_that_score_best(digits_split):
    X, y, X_val, y_val = digits_split
    clf = ScratchMLPClassifier(
        hidden_size=12, solver="adam", alpha=0.05, max_iter=200, early_stopping=True,
        n_iter_no_change=3, scoring="balanced_accuracy", random_state=0,
    )  # fmt: skip
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert balanced_accuracy_score(y_val, clf.predict(X_val)) == pytest.approx(
        clf.best_validation_score_, rel=1e-12
    )


def test_a_callable_gets_the_original_labels_and_the_split_weights():
    X, y = imbalanced_problem()
    y = np.array(["low", "mid", "high"])[y]
    calls = []

    def scorer(estimator, X, y, sample_weight=None):
        calls.append((X.shape[0], np.unique(y), sample_weight))
        return accuracy_score(y, estimator.predict(X), sample_weight=sample_weight)

    clf = ScratchMLPClassifier(
        hidden_size=8, max_iter=5, early_stopping=True, validation_fraction=0.3,
        class_weight="balanced", scoring=scorer, random_state=0,
    )  # fmt: skip
    clf.fit(X, y)
    n_val, labels, sample_weight = calls[-1]
    assert len(calls) == clf.n_iter_
    assert set(labels) == {"low", "mid", "high"}
    # The held-out samples carry their class weights: "balanced" weighs the
    # rare class more than the frequent one.
    assert sample_weight is not None and sample_weight.shape == (n_val,)
    assert len(np.unique(sample_weight)) == 3


def test_a_callable_without_sample_weight_is_warned_about_unequal_weights():
    X, y = imbalanced_problem()
    clf = ScratchMLPClassifier(
        hidden_size=8, max_iter=3, early_stopping=True, class_weight="balanced",
        scoring=macro_f1, random_state=0,
    )  # fmt: skip
    with pytest.warns(UserWarning, match="takes no sample_weight"):
        clf.fit(X, y)
    # Equal weights lose nothing: no warning.
    clf.set_params(class_weight=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)


def test_a_scorer_leaves_the_model_as_fitted_and_its_feature_names(digits_split):
    X, y, X_val, y_val = digits_split
    columns = [f"pixel{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)
    frame_val = pd.DataFrame(X_val, columns=columns)
    clf = ScratchMLPClassifier(
        hidden_size=8, max_iter=5, early_stopping=True, scoring="balanced_accuracy",
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        # Scoring the validation array must not warn that it lacks the names.
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(frame, y, X_val=frame_val, y_val=y_val)
    assert list(clf.feature_names_in_) == columns
    assert balanced_accuracy_score(y_val, clf.predict(frame_val)) == pytest.approx(
        clf.best_validation_score_, rel=1e-12
    )


def rare_class_problem():
    """Three classes, the third of 4 samples in 40: a 10 % stratified hold-out
    (4 samples) holds none of it."""
    rng = np.random.default_rng(0)
    X = rng.random((40, 5))
    y = np.array(["a"] * 18 + ["b"] * 18 + ["c"] * 4)
    X[:, 0] += (y == "b") + 2 * (y == "c")
    return X, y


@pytest.mark.parametrize(
    "scoring",
    ["neg_log_loss", "neg_brier_score", "d2_log_loss_score", "top_k_accuracy"],
)
def test_probability_scorers_score_a_validation_set_that_lacks_a_class(scoring):
    X, y = rare_class_problem()
    params = dict(hidden_size=8, solver="adam", alpha=0.01, max_iter=5, random_state=0)
    clf = ScratchMLPClassifier(
        **params, early_stopping=True, validation_fraction=0.1, scoring=scoring
    )
    clf.fit(X, y)
    assert len(clf.validation_scores_) == 5
    assert np.isfinite(clf.validation_scores_).all()
    # The scores are the metric's, over every class: on an own validation set
    # that lacks "c", the last pass's score is the metric told the classes.
    X_val, y_val = X[[0, 1, 2, 18, 19, 20]], y[[0, 1, 2, 18, 19, 20]]
    clf = ScratchMLPClassifier(**params, scoring=scoring)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    metric = check_scoring(clf, scoring)._score_func
    kwargs = {**check_scoring(clf, scoring)._kwargs, "labels": clf.classes_}
    response = clf.predict_proba(X_val)
    expected = metric(y_val, response, **kwargs)
    sign = -1 if scoring.startswith("neg_") else 1
    assert clf.validation_scores_[-1] == pytest.approx(sign * expected, rel=1e-12)


def test_a_validation_set_with_every_class_scores_as_before(digits_split):
    """Told the classes, a scorer scores a set that holds them all as before."""
    X, y, X_val, y_val = digits_split
    clf = ScratchMLPClassifier(hidden_size=8, max_iter=3, scoring="neg_log_loss")
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.validation_scores_[-1] == -log_loss(y_val, clf.predict_proba(X_val))


def test_a_validation_set_that_lacks_a_class_on_another_namespace():
    xp = pytest.importorskip("array_api_strict")
    X, y = rare_class_problem()
    y = np.searchsorted(np.unique(y), y)  # the array API takes numbers
    rows = [0, 1, 2, 18, 19, 20]
    params = dict(hidden_size=8, max_iter=3, scoring="neg_log_loss", random_state=0)
    on_numpy = ScratchMLPClassifier(**params).fit(X, y, X_val=X[rows], y_val=y[rows])
    with sklearn.config_context(array_api_dispatch=True):
        clf = ScratchMLPClassifier(**params).fit(
            xp.asarray(X),
            xp.asarray(y),
            X_val=xp.asarray(X[rows]),
            y_val=xp.asarray(y[rows]),
        )
    np.testing.assert_allclose(
        clf.validation_scores_, on_numpy.validation_scores_, rtol=1e-10
    )


@pytest.mark.parametrize("scoring", ["roc_auc_ovr", "roc_auc"])
def test_a_scorer_that_cannot_score_a_missing_class_says_what_to_do(scoring):
    X, y = rare_class_problem()
    rows = [0, 1, 2, 18, 19, 20]  # of "a" and "b"
    if scoring == "roc_auc":  # two classes, the validation set holds one
        X, y = X[y != "a"], y[y != "a"]
        rows = [0, 1, 2, 3, 4, 5]  # of "b"
    X_val, y_val = X[rows], y[rows]
    clf = ScratchMLPClassifier(hidden_size=8, max_iter=3, scoring=scoring)
    with pytest.raises(ValueError) as info:
        clf.fit(X, y, X_val=X_val, y_val=y_val)
    message = str(info.value)
    assert f"scoring='{scoring}' cannot score the validation set" in message
    assert "no sample of the class 'c'" in message
    assert "validation_fraction" in message and "'loss'" in message


# ------------------------------------------------------ logistic output units


def logistic_problem(kind):
    """Two classes (one logistic output) or multilabel targets (one per label)."""
    if kind == "binary":
        X, y = make_classification(n_samples=500, n_features=10, random_state=0)
        return X, y, "f1", lambda t, p: f1_score(t, p)
    X, y = make_multilabel_classification(
        n_samples=500, n_features=10, n_classes=3, random_state=0
    )
    return X / X.max(), y, "f1_samples", lambda t, p: f1_score(t, p, average="samples")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@pytest.mark.parametrize("kind", ["binary", "multilabel"])
def test_scoring_on_logistic_outputs(kind):
    X, y, scorer_name, metric = logistic_problem(kind)
    X, y, X_val, y_val = X[:350], y[:350], X[350:], y[350:]
    params = dict(hidden_size=8, solver="adam", alpha=0.01, max_iter=15, random_state=0)
    # The held-out split: the scorer gets the labels (or the indicator matrix).
    split = dict(params, early_stopping=True, validation_fraction=0.3)
    default = ScratchMLPClassifier(**split).fit(X, y)
    accuracy = ScratchMLPClassifier(**split, scoring="accuracy").fit(X, y)
    np.testing.assert_allclose(
        accuracy.validation_scores_, default.validation_scores_, rtol=1e-12
    )
    by_loss = ScratchMLPClassifier(**split, scoring="loss").fit(X, y)
    assert by_loss.validation_scores_ == [
        -loss for loss in by_loss.validation_loss_curve_
    ]
    # An own validation set, without early stopping: the last pass's weights.
    clf = ScratchMLPClassifier(**params, scoring=scorer_name)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.validation_scores_[-1] == pytest.approx(
        metric(y_val, clf.predict(X_val)), rel=1e-12
    )


# ---------------------------------------------------------------- invalid values


def test_a_scoring_of_another_type_is_refused(digits_split):
    X, y, _, _ = digits_split
    message = re.escape(
        "The 'scoring' parameter of ScratchMLPClassifier must be an instance of "
        "'str', a callable or None. Got 3 instead."
    )
    with pytest.raises(InvalidParameterError, match=message):
        ScratchMLPClassifier(scoring=3).fit(X, y)


@pytest.mark.parametrize("early_stopping", [True, False])
def test_an_unknown_scorer_name_is_refused_before_training(
    digits_split, early_stopping
):
    X, y, _, _ = digits_split
    clf = ScratchMLPClassifier(scoring="no-such-scorer", early_stopping=early_stopping)
    with pytest.raises(ValueError) as info:
        clf.fit(X, y)
    message = str(info.value)
    assert "scoring='no-such-scorer'" in message
    assert "get_scorer_names()" in message
    assert "'loss'" in message
    assert not hasattr(clf, "W1_")


def test_a_metric_function_is_refused_with_the_remedy(digits_split):
    X, y, _, _ = digits_split
    clf = ScratchMLPClassifier(scoring=accuracy_score, early_stopping=True)
    with pytest.raises(ValueError, match="make_scorer"):
        clf.fit(X, y)


def test_an_invalid_scorer_keeps_a_fitted_model(digits_split):
    X, y, X_val, y_val = digits_split
    clf = ScratchMLPClassifier(hidden_size=8, max_iter=3, random_state=0)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    held = [w.copy() for w in weights_of(clf)]
    scores = list(clf.validation_scores_)
    clf.set_params(scoring="no-such-scorer", warm_start=True)
    with pytest.raises(ValueError, match="scoring='no-such-scorer'"):
        clf.fit(X, y, X_val=X_val, y_val=y_val)
    for a, b in zip(weights_of(clf), held, strict=True):
        np.testing.assert_array_equal(a, b)
    assert clf.validation_scores_ == scores


# ------------------------------------------- warm start with another scoring


def test_a_warm_start_with_another_scoring_compares_its_scores_afresh(digits_split):
    """Accuracies (near 1) and minus losses (below 0) are on different scales:
    after the change, the best score is the best of the new scores, and early
    stopping judges progress against them only."""
    X, y, X_val, y_val = digits_split
    clf = ScratchMLPClassifier(
        hidden_size=16, solver="adam", alpha=0.01, batch_size=100, max_iter=3,
        random_state=0, warm_start=True, early_stopping=True, n_iter_no_change=2,
    )  # fmt: skip
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert clf.best_validation_score_ > 0.5  # an accuracy
    clf.set_params(scoring="loss", alpha=0.001, max_iter=6)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    new_scores = clf.validation_scores_[3:]
    assert len(clf.validation_scores_) == 3 + clf.n_iter_
    assert max(new_scores) < 0  # minus the validation loss
    assert clf.best_validation_score_ == max(new_scores)
    # The loss falls pass after pass at this small learning rate: no pass is
    # judged against the accuracies, so none stops the training early.
    assert new_scores == sorted(new_scores)
    assert clf.n_iter_ == 6


def test_a_warm_start_with_the_same_scoring_keeps_comparing(digits_split):
    X, y, X_val, y_val = digits_split
    clf = ScratchMLPClassifier(
        hidden_size=16, max_iter=3, random_state=0, warm_start=True, scoring="loss"
    )
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    first_best = clf.best_validation_score_
    clf.set_params(alpha=1e-6).fit(X, y, X_val=X_val, y_val=y_val)  # no progress
    assert clf.best_validation_score_ == max(clf.validation_scores_) >= first_best


def test_the_scoring_of_the_scores_is_saved_with_the_model(digits_split):
    X, y, X_val, y_val = digits_split
    clf = ScratchMLPClassifier(hidden_size=16, max_iter=2, random_state=0)
    clf.set_params(warm_start=True).fit(X, y, X_val=X_val, y_val=y_val)
    loaded = pickle.loads(pickle.dumps(clf))
    loaded.set_params(scoring="loss", max_iter=1).fit(X, y, X_val=X_val, y_val=y_val)
    assert loaded.best_validation_score_ == loaded.validation_scores_[-1] < 0


# ------------------------------------------------------------ scratchnet info


@pytest.mark.parametrize(
    "scoring, name",
    [
        (None, "validation accuracy"),
        ("loss", "validation score (minus the loss)"),
        ("balanced_accuracy", "validation score (balanced_accuracy)"),
    ],
)
def test_info_names_the_validation_score(digits_split, tmp_path, scoring, name):
    X, y, X_val, y_val = digits_split
    clf = ScratchMLPClassifier(hidden_size=8, max_iter=3, scoring=scoring)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    path = tmp_path / "model.skops"
    persistence.dump(clf, path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["info", str(path)]) == 0
    scores = clf.validation_scores_
    best = int(np.argmax(scores))
    assert (
        f"  {name}: first {scores[0]:.4f}, last {scores[-1]:.4f}, "
        f"best {scores[best]:.4f} (pass {best + 1})"
    ) in out.getvalue()
