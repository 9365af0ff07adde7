"""ScratchMLPClassifier: each parameter, method and fitted attribute of the contract."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_scratchnet import ScratchMLPClassifier, _network
from sklearn_scratchnet.exceptions import ValidationSplitWarning


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def small_problem(n_samples=120, n_classes=3, seed=0):
    return make_classification(
        n_samples=n_samples,
        n_features=8,
        n_informative=5,
        n_classes=n_classes,
        random_state=seed,
    )


def weights_of(clf):
    return [clf.W1_, clf.b1_, clf.W2_, clf.b2_]


def assert_same_weights(a, b):
    for wa, wb in zip(weights_of(a), weights_of(b), strict=True):
        np.testing.assert_array_equal(wa, wb)


# ----------------------------------------------------------------- defaults, shapes


def test_defaults_are_the_note():
    clf = ScratchMLPClassifier()
    assert (clf.hidden_size, clf.alpha, clf.max_iter) == (10, 0.1, 500)
    assert (clf.batch_size, clf.solver, clf.momentum) == (None, "sgd", 0.0)
    assert clf.activation == "relu"


def test_fitted_attributes_have_the_note_shapes(digits):
    X, y = digits
    clf = ScratchMLPClassifier(hidden_size=7, max_iter=5, random_state=0).fit(X, y)
    assert clf.W1_.shape == (7, 64) and clf.b1_.shape == (7,)
    assert clf.W2_.shape == (10, 7) and clf.b2_.shape == (10,)
    assert clf.n_features_in_ == 64 and clf.n_iter_ == 5
    assert clf.t_ == 5 * len(X)
    assert len(clf.loss_curve_) == 5 and clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.validation_loss_curve_ is None
    assert clf.best_validation_score_ is None
    np.testing.assert_array_equal(clf.classes_, np.arange(10))


def test_coefs_and_intercepts_are_read_only_views(digits):
    X, y = digits
    clf = ScratchMLPClassifier(max_iter=2, random_state=0).fit(X, y)
    coefs, intercepts = clf.coefs_, clf.intercepts_
    assert coefs[0].shape == (64, 10) and coefs[1].shape == (10, 10)
    np.testing.assert_array_equal(coefs[0], clf.W1_.T)
    np.testing.assert_array_equal(intercepts[1], clf.b2_)
    assert np.shares_memory(coefs[0], clf.W1_)
    with pytest.raises(ValueError, match="read-only"):
        coefs[0][0, 0] = 1.0
    clf.W1_[0, 0] = 42.0  # the fitted arrays themselves stay writeable
    assert clf.coefs_[0][0, 0] == 42.0


def test_coefs_before_fit_raise_not_fitted():
    with pytest.raises(NotFittedError):
        ScratchMLPClassifier().coefs_  # noqa: B018


def test_training_loss_falls_with_the_note_defaults(digits):
    X, y = digits
    clf = ScratchMLPClassifier(random_state=0).fit(X, y)
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]
    assert clf.score(X, y) > 0.9


# ------------------------------------------------------------------ dtypes, inputs


def test_float32_in_float32_weights_and_outputs(digits):
    X, y = digits
    clf = ScratchMLPClassifier(max_iter=20, random_state=0)
    clf.fit(X.astype(np.float32), y)
    assert {w.dtype for w in weights_of(clf)} == {np.dtype(np.float32)}
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert clf.predict_log_proba(X).dtype == np.float32


def test_integer_input_trains_in_float64():
    X, y = small_problem()
    clf = ScratchMLPClassifier(max_iter=5, random_state=0)
    clf.fit((X * 10).astype(np.int32), y)
    assert clf.W1_.dtype == np.float64


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array, sp.csc_matrix])
@pytest.mark.parametrize("batch_size", [None, 16])
def test_sparse_input_gives_the_dense_result(container, batch_size):
    X, y = small_problem()
    X[X < 0.3] = 0
    kwargs = dict(batch_size=batch_size, max_iter=30, random_state=0)
    dense = ScratchMLPClassifier(**kwargs).fit(X, y)
    sparse = ScratchMLPClassifier(**kwargs).fit(container(X), y)
    for wd, ws in zip(weights_of(dense), weights_of(sparse), strict=True):
        np.testing.assert_allclose(wd, ws, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        dense.predict_proba(X), sparse.predict_proba(container(X)), rtol=1e-10
    )


def test_dataframe_feature_names_are_recorded_and_checked():
    X, y = small_problem()
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(X.shape[1])])
    clf = ScratchMLPClassifier(max_iter=5, random_state=0).fit(frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, frame.columns)
    np.testing.assert_array_equal(
        clf.predict(frame),
        ScratchMLPClassifier(max_iter=5, random_state=0).fit(X, y).predict(X),
    )
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame[frame.columns[::-1]])


@pytest.mark.parametrize(
    "labels", [np.array(["cat", "dog"]), np.array([-1, 1]), np.array([True, False])]
)
def test_binary_labels_of_any_type_use_one_logistic_unit(labels):
    X, y = small_problem(n_classes=2)
    y = labels[y]
    clf = ScratchMLPClassifier(max_iter=200, random_state=0).fit(X, y)
    assert clf.W2_.shape == (1, 10)
    assert (clf.out_activation_, clf.n_outputs_) == ("logistic", 1)
    assert set(clf.predict(X)) <= set(labels)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    # The unit's output is the probability of the second class of classes_.
    hidden = np.maximum(X @ clf.W1_.T + clf.b1_, 0)
    logit = (hidden @ clf.W2_.T + clf.b2_)[:, 0]
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-logit)), rtol=1e-9)
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[(proba[:, 1] > 0.5).astype(int)]
    )
    np.testing.assert_allclose(
        clf.predict_log_proba(X), np.log(proba), rtol=1e-9, atol=1e-12
    )
    assert clf.score(X, y) > 0.8


def test_one_class_is_refused():
    X, _ = small_problem()
    with pytest.raises(ValueError, match="at least 2 classes"):
        ScratchMLPClassifier().fit(X, np.zeros(len(X)))


def test_wrong_feature_count_at_predict():
    X, y = small_problem()
    clf = ScratchMLPClassifier(max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="X has 7 features, but ScratchMLPClassifier"):
        clf.predict(X[:, :7])


def test_predict_log_proba_is_finite_for_huge_logits():
    X, y = small_problem()
    clf = ScratchMLPClassifier(max_iter=2, random_state=0).fit(X, y)
    clf.W2_ *= 1e6
    log_proba = clf.predict_log_proba(X)
    proba = clf.predict_proba(X)
    assert np.isfinite(log_proba).all() and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(np.argmax(log_proba, axis=1), np.argmax(proba, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predict_log_proba_is_the_log_of_predict_proba_for_huge_logits(dtype):
    """Probabilities too small for the dtype must not become 0 next to a finite
    logarithm: predict_log_proba stays log(predict_proba), as scikit-learn's
    estimator checks require."""
    X, y = small_problem()
    clf = ScratchMLPClassifier(max_iter=2, random_state=0).fit(X.astype(dtype), y)
    clf.W2_ *= 1e4
    proba = clf.predict_proba(X.astype(dtype))
    log_proba = clf.predict_log_proba(X.astype(dtype))
    assert proba.min() > 0 and np.isfinite(log_proba).all()
    np.testing.assert_allclose(log_proba, np.log(proba), rtol=1e-5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def _multilabel_model(dtype, logits):
    """A multilabel model whose every sample has the label logits ``logits``."""
    X, y = small_problem()
    Y = np.column_stack([y == k for k in range(len(logits))]).astype(int)
    clf = ScratchMLPClassifier(max_iter=2, random_state=0).fit(X.astype(dtype), Y)
    clf.W2_[:] = 0
    clf.b2_[:] = np.asarray(logits, dtype=dtype)
    return clf, X.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "logits",
    [[40.0, 50.0, 30.0], [-50.0, -40.0, -60.0], [17.0, 17.5, -3.0]],
    ids=["round to 1", "round to 0", "near 1 in float32"],
)  # fmt: skip
def test_multilabel_proba_and_log_proba_rank_labels_alike(dtype, logits):
    """Where labels' probabilities round to the same number (1, or nothing but
    the smallest normal one), predict_log_proba must not tell apart what
    predict_proba ties: the most probable label is the same for both."""
    clf, X = _multilabel_model(dtype, logits)
    proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    np.testing.assert_array_equal(proba.argmax(axis=1), log_proba.argmax(axis=1))
    tied = proba[:, :, None] == proba[:, None, :]
    assert (tied == (log_proba[:, :, None] == log_proba[:, None, :])).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multilabel_probabilities_keep_their_precision(dtype):
    """Unlikely labels keep their precise (log-)probabilities, and on random
    logits of every size the two methods rank every sample's labels alike."""
    clf, X = _multilabel_model(dtype, [-30.0, -80.0, 5.0])
    proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    z = clf.b2_.astype(np.float64)
    # The likely label's log-probability is as precise as its probability.
    expected = -np.logaddexp(0, -z)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(log_proba[0], expected, rtol=1e-6, atol=eps)
    np.testing.assert_allclose(proba[0, :2], np.exp(z[:2]), rtol=1e-5)
    # Random logits up to +-90: every sample its own.
    rng = np.random.default_rng(0)
    clf.W2_[:] = rng.normal(scale=40, size=clf.W2_.shape).astype(dtype)
    proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    np.testing.assert_array_equal(proba.argmax(axis=1), log_proba.argmax(axis=1))
    normal = proba > np.finfo(dtype).tiny
    np.testing.assert_allclose(log_proba[normal], np.log(proba[normal]), rtol=1e-6)


# ------------------------------------------------------------------ parameters


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("hidden_size", 0),
        ("alpha", 0.0),
        ("alpha", -0.1),
        ("max_iter", 0),
        ("batch_size", 0),
        ("solver", "newton"),
        ("momentum", 1.5),
        ("l2", -1.0),
        ("activation", "softplus"),
        ("class_weight", "uniform"),
        ("validation_fraction", 1.0),
        ("n_iter_no_change", 0),
        ("tol", -1e-3),
        ("shuffle", "yes"),
        ("random_state", "seed"),
        ("warm_start", 2),
    ],
)
def test_out_of_range_parameters_are_named(param, value):
    X, y = small_problem()
    clf = ScratchMLPClassifier(**{param: value})
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        clf.fit(X, y)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_every_activation_learns(digits, activation):
    X, y = digits
    clf = ScratchMLPClassifier(
        activation=activation, solver="adam", alpha=0.01, batch_size=64,
        max_iter=15, random_state=0,
    )  # fmt: skip
    assert clf.fit(X, y).score(X, y) > 0.93


def test_batch_size_sets_the_number_of_steps(digits):
    X, y = digits
    clf = ScratchMLPClassifier(solver="adam", batch_size=100, max_iter=1)
    clf.fit(X, y)
    assert clf._optimizer.t == int(np.ceil(len(X) / 100))
    clf = ScratchMLPClassifier(solver="adam", batch_size=10**6, max_iter=3).fit(X, y)
    assert clf._optimizer.t == 3  # larger than the data: one full batch per pass


def test_momentum_speeds_up_gradient_descent(digits):
    X, y = digits
    plain = ScratchMLPClassifier(max_iter=50, random_state=0).fit(X, y)
    heavy = ScratchMLPClassifier(max_iter=50, momentum=0.9, random_state=0).fit(X, y)
    assert heavy.loss_curve_[-1] < 0.7 * plain.loss_curve_[-1]


def test_l2_shrinks_the_weights(digits):
    X, y = digits
    free = ScratchMLPClassifier(max_iter=100, random_state=0).fit(X, y)
    tied = ScratchMLPClassifier(max_iter=100, l2=500.0, random_state=0).fit(X, y)
    assert np.linalg.norm(tied.W1_) < 0.8 * np.linalg.norm(free.W1_)
    assert np.linalg.norm(tied.W2_) < 0.8 * np.linalg.norm(free.W2_)


def test_shuffle_changes_only_mini_batch_training(digits):
    X, y = digits
    kwargs = dict(max_iter=3, random_state=0)
    full_a = ScratchMLPClassifier(shuffle=True, **kwargs).fit(X, y)
    full_b = ScratchMLPClassifier(shuffle=False, **kwargs).fit(X, y)
    assert_same_weights(full_a, full_b)  # full batch: order does not matter
    mini_a = ScratchMLPClassifier(shuffle=True, batch_size=50, **kwargs).fit(X, y)
    mini_b = ScratchMLPClassifier(shuffle=False, batch_size=50, **kwargs).fit(X, y)
    assert not np.array_equal(mini_a.W1_, mini_b.W1_)


def test_same_random_state_gives_bitwise_identical_weights(digits):
    X, y = digits
    kwargs = dict(solver="adam", batch_size=64, max_iter=5, early_stopping=True)
    first = ScratchMLPClassifier(random_state=3, **kwargs).fit(X, y)
    second = ScratchMLPClassifier(random_state=3, **kwargs).fit(X, y)
    assert_same_weights(first, second)
    assert first.loss_curve_ == second.loss_curve_
    other = ScratchMLPClassifier(random_state=4, **kwargs).fit(X, y)
    assert not np.array_equal(first.W1_, other.W1_)


# ------------------------------------------------------------------ weights


def test_class_weight_dict_equals_scaled_sample_weight():
    X, y = small_problem()
    by_class = ScratchMLPClassifier(class_weight={0: 3.0, 2: 0.5}, max_iter=20)
    by_sample = ScratchMLPClassifier(max_iter=20)
    by_class.set_params(random_state=0).fit(X, y)
    sample_weight = np.choose(y, [3.0, 1.0, 0.5])
    by_sample.set_params(random_state=0).fit(X, y, sample_weight=sample_weight)
    for wa, wb in zip(weights_of(by_class), weights_of(by_sample), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=1e-12)


def test_balanced_class_weight_favours_the_rare_class():
    X, y = make_classification(
        n_samples=400, n_features=6, weights=[0.9, 0.1], class_sep=0.5, random_state=0
    )
    plain = ScratchMLPClassifier(max_iter=300, random_state=0).fit(X, y)
    balanced = ScratchMLPClassifier(
        class_weight="balanced", max_iter=300, random_state=0
    ).fit(X, y)
    assert (balanced.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


def test_class_weight_with_unknown_label_is_refused():
    X, y = small_problem()
    with pytest.raises(ValueError, match=re.escape("labels [7]")):
        ScratchMLPClassifier(class_weight={7: 2.0}).fit(X, y)


def test_integer_sample_weight_equals_repetition():
    X, y = small_problem(n_samples=40)
    counts = np.random.RandomState(0).randint(1, 4, size=len(X))
    weighted = ScratchMLPClassifier(max_iter=50, l2=0.1, random_state=0)
    weighted.fit(X, y, sample_weight=counts)
    repeated = ScratchMLPClassifier(max_iter=50, l2=0.1, random_state=0)
    repeated.fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-9
    )


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_mini_batch_with_all_zero_weights_trains_like_removed_samples(solver):
    X, y = small_problem(n_samples=90)
    sample_weight = np.ones(len(X))
    sample_weight[:40] = 0  # whole mini-batches of weight zero without shuffling
    kwargs = dict(solver=solver, batch_size=20, max_iter=10, random_state=0)
    weighted = ScratchMLPClassifier(shuffle=False, **kwargs)
    weighted.fit(X, y, sample_weight=sample_weight)
    removed = ScratchMLPClassifier(shuffle=False, **kwargs).fit(X[40:], y[40:])
    assert np.isfinite(weighted.loss_curve_).all()
    assert_same_weights(weighted, removed)


def test_all_zero_weights_are_refused():
    X, y = small_problem()
    with pytest.raises(ValueError, match="at least one non-zero"):
        ScratchMLPClassifier().fit(X, y, sample_weight=np.zeros(len(X)))
    nothing = ScratchMLPClassifier(class_weight={0: 0, 1: 0, 2: 0})
    with pytest.raises(ValueError, match="weights .* of all samples are zero"):
        nothing.fit(X, y)


def test_negative_sample_weight_is_refused():
    X, y = small_problem()
    sample_weight = np.ones(len(X))
    sample_weight[3] = -1
    with pytest.raises(ValueError, match="Negative values in data"):
        ScratchMLPClassifier().fit(X, y, sample_weight=sample_weight)


# ------------------------------------------------------------------ stopping


def test_convergence_warning_when_max_iter_is_reached(digits):
    X, y = digits
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        ScratchMLPClassifier(max_iter=3).fit(X, y)


def test_tol_stops_training_without_warning(digits):
    X, y = digits
    clf = ScratchMLPClassifier(tol=10.0, n_iter_no_change=4, max_iter=500)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    # As in MLPClassifier: the first pass improves on an infinite best loss, then
    # training stops once more than n_iter_no_change passes failed to improve by tol.
    assert clf.n_iter_ == 1 + 4 + 1


def test_early_stopping_keeps_the_best_validation_weights(digits):
    X, y = digits
    clf = ScratchMLPClassifier(
        early_stopping=True, solver="adam", alpha=0.01, batch_size=32,
        n_iter_no_change=3, max_iter=200, random_state=0,
    )  # fmt: skip
    clf.fit(X, y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == clf.n_iter_
    assert len(clf.validation_loss_curve_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    best_epoch = int(np.argmax(clf.validation_scores_))
    assert best_epoch < clf.n_iter_ - 1  # the last passes did not improve
    # 10 % of 1797 digits were held out: the training passes saw 1617 samples each.
    assert clf.t_ == clf.n_iter_ * 1617


@pytest.mark.parametrize(
    "classes, fraction, problem",
    [
        ([12, 12, 12, 1], 0.1, r"the classes \[3\] have a single sample"),
        ([8, 8, 7, 7], 0.05, r"2 validation samples cannot hold each of the 4"),
    ],
)
def test_an_impossible_stratified_split_warns_and_trains_on_every_class(
    digits, classes, fraction, problem
):
    """Where train_test_split(stratify=y) would fail, the split is random but
    never holds out a class's last sample, and says so."""
    X, y = digits
    keep = np.concatenate(
        [np.flatnonzero(y == label)[:count] for label, count in enumerate(classes)]
    )
    clf = ScratchMLPClassifier(
        early_stopping=True, validation_fraction=fraction, max_iter=5,
        random_state=0,
    )  # fmt: skip
    with pytest.warns(ValidationSplitWarning, match=problem + r".*X_val, y_val"):
        clf.fit(X[keep], y[keep])
    n_val = int(np.ceil(fraction * len(keep)))
    assert clf.t_ == clf.n_iter_ * (len(keep) - n_val)
    with pytest.raises(ValueError, match="single sample"):  # nothing to hold out
        clf.fit(X[:4], [0, 1, 2, 3])


def test_own_validation_set_is_used_and_recorded(digits):
    X, y = digits
    X_train, y_train, X_val, y_val = X[:1500], y[:1500], X[1500:], y[1500:]
    clf = ScratchMLPClassifier(
        early_stopping=True, solver="adam", alpha=0.01, batch_size=50,
        max_iter=200, random_state=0,
    )  # fmt: skip
    clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert clf.t_ == clf.n_iter_ * 1500  # nothing split off the training data
    assert clf.score(X_val, y_val) == pytest.approx(clf.best_validation_score_)


def test_own_validation_set_without_early_stopping_is_monitored(digits):
    X, y = digits
    clf = ScratchMLPClassifier(max_iter=30, random_state=0)
    clf.fit(X[:1500], y[:1500], X_val=X[1500:], y_val=y[1500:])
    assert clf.n_iter_ == 30 and len(clf.validation_loss_curve_) == 30
    assert clf.validation_scores_[-1] == pytest.approx(clf.score(X[1500:], y[1500:]))


def test_validation_set_needs_both_halves(digits):
    X, y = digits
    with pytest.raises(ValueError, match="X_val and y_val must be given together"):
        ScratchMLPClassifier().fit(X, y, X_val=X[:10])


def test_validation_labels_must_be_known(digits):
    X, y = digits
    with pytest.raises(ValueError, match=re.escape("labels [99]")):
        ScratchMLPClassifier().fit(X, y, X_val=X[:2], y_val=[0, 99])


def test_verbose_prints_one_line_per_pass(digits, capsys):
    X, y = digits
    ScratchMLPClassifier(max_iter=4, verbose=True).fit(X, y, X_val=X, y_val=y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    assert re.fullmatch(
        r"Epoch 1, loss = \d+\.\d+, validation score = \d\.\d+, \d+\.\d+s", lines[0]
    )


def test_divergence_is_an_error_and_keeps_the_previous_model():
    X, y = small_problem()
    clf = ScratchMLPClassifier(max_iter=20, random_state=0, warm_start=True)
    clf.fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(alpha=1e30)
    with pytest.raises(FloatingPointError, match="Lower alpha"):
        clf.fit(X * 1e30, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert len(clf.loss_curve_) == 20


# ------------------------------------------------------------------ continuing


def test_warm_start_continues_training(digits):
    X, y = digits
    clf = ScratchMLPClassifier(max_iter=20, warm_start=True, random_state=0)
    clf.fit(X, y)
    first_curve = list(clf.loss_curve_)
    clf.fit(X, y)
    # As MLPClassifier: n_iter_ counts this fit's passes; the curve keeps growing.
    assert clf.n_iter_ == 20 and len(clf.loss_curve_) == 40
    assert clf.loss_curve_[:20] == first_curve
    assert clf.loss_curve_[-1] < first_curve[-1]
    # Full-batch gradient descent without momentum has no optimizer state, so two
    # warm fits of 20 passes are one fit of 40.
    once = ScratchMLPClassifier(max_iter=40, random_state=0).fit(X, y)
    assert_same_weights(clf, once)


def test_fit_without_warm_start_starts_over(digits):
    X, y = digits
    clf = ScratchMLPClassifier(max_iter=5, random_state=0)
    clf.fit(X, y)
    first = [w.copy() for w in weights_of(clf)]
    clf.fit(X, y)
    assert clf.n_iter_ == 5
    for before, after in zip(first, weights_of(clf), strict=True):
        np.testing.assert_array_equal(before, after)


def test_warm_start_with_early_stopping_never_ends_on_worse_weights(digits):
    """A continued fit whose passes never beat the weights it started from keeps
    those weights, as early stopping keeps the best pass's."""
    X, y = digits
    clf = ScratchMLPClassifier(
        hidden_size=32, solver="adam", alpha=0.01, batch_size=64, max_iter=30,
        early_stopping=True, warm_start=True, random_state=0,
    ).fit(X, y)  # fmt: skip
    before = [w.copy() for w in weights_of(clf)]
    best = clf.best_validation_score_
    clf.set_params(alpha=0.5, max_iter=3)  # a step size that ruins the weights
    clf.fit(X, y)
    assert max(clf.validation_scores_[-3:]) < best  # no pass beat the start
    for kept, started in zip(weights_of(clf), before, strict=True):
        np.testing.assert_array_equal(kept, started)


@pytest.mark.parametrize("method", ["warm_start fit", "partial_fit"])
def test_a_new_hidden_size_is_refused_when_continuing(digits, method):
    """Continuing cannot resize the fitted network: a clear error, model kept."""
    X, y = digits
    clf = ScratchMLPClassifier(max_iter=3, warm_start=True, random_state=0)
    clf.fit(X, y)
    before = [w.copy() for w in weights_of(clf)]
    clf.set_params(hidden_size=20)
    with pytest.raises(ValueError, match="hidden_size=20.*10 hidden units"):
        if method == "partial_fit":
            clf.partial_fit(X, y)
        else:
            clf.fit(X, y)
    for kept, fitted in zip(weights_of(clf), before, strict=True):
        np.testing.assert_array_equal(kept, fitted)
    clf.set_params(warm_start=False).fit(X, y)  # starting afresh resizes
    assert clf.W1_.shape == (20, X.shape[1])


def test_warm_start_refuses_data_lacking_some_classes(digits):
    """As MLPClassifier: a warm-started fit needs every class of the model."""
    X, y = digits
    clf = ScratchMLPClassifier(max_iter=2, warm_start=True, random_state=0)
    clf.fit(X, y)
    before = [w.copy() for w in weights_of(clf)]
    with pytest.raises(ValueError, match=r"same classes.*\[0, 1, 2, 3, 4\]"):
        clf.fit(X[y < 5], y[y < 5])
    for kept, fitted in zip(weights_of(clf), before, strict=True):
        np.testing.assert_array_equal(kept, fitted)
    clf.partial_fit(X[y < 5], y[y < 5])  # batches of some classes are fine here


def test_warm_start_refuses_new_classes(digits):
    X, y = digits
    clf = ScratchMLPClassifier(max_iter=2, warm_start=True).fit(X[y < 5], y[y < 5])
    with pytest.raises(ValueError, match="not in classes_"):
        clf.fit(X, y)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(solver="adam", batch_size=64),
        dict(momentum=0.9, batch_size=100),
        dict(class_weight={0: 2.0}, batch_size=200),
    ],
)
def test_partial_fit_passes_equal_fit_passes(digits, kwargs):
    """partial_fit keeps the weights, the optimizer state and the shuffling stream."""
    X, y = digits
    streamed = ScratchMLPClassifier(random_state=0, **kwargs)
    for _ in range(3):
        streamed.partial_fit(X, y, classes=np.arange(10))
    at_once = ScratchMLPClassifier(max_iter=3, random_state=0, **kwargs).fit(X, y)
    assert_same_weights(streamed, at_once)
    assert streamed.loss_curve_ == at_once.loss_curve_
    # As MLPClassifier: n_iter_ counts each call's passes, t_ all samples seen.
    assert streamed.n_iter_ == 1 and streamed.t_ == 3 * len(X)


def test_partial_fit_accepts_batches_lacking_classes(digits):
    X, y = digits
    clf = ScratchMLPClassifier(solver="adam", alpha=0.01, random_state=0)
    clf.partial_fit(X[y < 5], y[y < 5], classes=np.arange(10))
    assert clf.W2_.shape == (10, 10)
    order = np.random.RandomState(0).permutation(len(X))
    chunks = np.array_split(order, 120)  # 15 digits each: most lack some class
    for _ in range(5):
        for chunk in chunks:
            clf.partial_fit(X[chunk], y[chunk])
    assert any(len(np.unique(y[chunk])) < 10 for chunk in chunks)
    assert clf.loss_curve_[-1] < 0.2 * clf.loss_curve_[1]
    assert clf.score(X, y) > 0.9


def test_partial_fit_needs_classes_first():
    X, y = small_problem()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        ScratchMLPClassifier().partial_fit(X, y)


def test_partial_fit_refuses_labels_outside_classes():
    X, y = small_problem()
    clf = ScratchMLPClassifier().partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=re.escape("labels [5]")):
        clf.partial_fit(X[:3], [0, 1, 5])


def test_partial_fit_balanced_weights_follow_all_data_seen():
    X, y = small_problem()
    clf = ScratchMLPClassifier(class_weight="balanced", random_state=0)
    clf.partial_fit(X[:60], y[:60], classes=[0, 1, 2])
    clf.partial_fit(X[60:], y[60:])
    np.testing.assert_array_equal(clf._class_totals, np.bincount(y))


@pytest.mark.parametrize(
    "params, reason",
    [
        (dict(early_stopping=True), "does not support early_stopping=True"),
        (dict(solver="lbfgs"), "only available for the stochastic solvers"),
    ],
)
def test_partial_fit_is_not_there_where_it_cannot_apply(params, reason):
    """As MLPClassifier: no partial_fit for lbfgs; early stopping refused."""
    X, y = small_problem()
    clf = ScratchMLPClassifier(**params)
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match="no attribute 'partial_fit'") as error:
        clf.partial_fit(X, y, classes=[0, 1, 2])
    assert reason in str(error.value.__cause__)  # shown with the traceback
    assert hasattr(clf.set_params(early_stopping=False, solver="sgd"), "partial_fit")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("sparse", [False, True])
def test_predict_refuses_non_finite_input_in_any_block(digits, bad, sparse):
    X, y = digits
    clf = ScratchMLPClassifier(hidden_size=1024, max_iter=2, random_state=0)
    clf.fit(X, y)
    X_big = np.tile(X, (3, 1))
    assert len(X_big) > _network.prediction_block_rows(1024)  # several blocks
    X_big[-1, 30] = bad
    if sparse:
        X_big = sp.csr_matrix(X_big)
    for method in (clf.predict, clf.predict_proba, clf.predict_log_proba):
        with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
            method(X_big)


@pytest.mark.parametrize("hidden_size", [10, 1024])
def test_predictions_do_not_depend_on_the_prediction_blocks(digits, hidden_size):
    """Each sample's prediction is the same whether it comes in a block of many
    samples or alone, to the last few bits: BLAS may split a product's rows over
    its threads differently for different row counts, which moves the last bit
    of a sum (seen at the rows where OpenBLAS's two-thread split falls)."""
    X, y = digits
    clf = ScratchMLPClassifier(hidden_size=hidden_size, max_iter=2, random_state=0)
    clf.fit(X, y)
    X_big = np.tile(X, (3, 1))[:4500]
    whole = clf.predict_proba(X_big)
    pieces = [clf.predict_proba(X_big[i : i + 700]) for i in range(0, 4500, 700)]
    np.testing.assert_allclose(whole, np.vstack(pieces), rtol=1e-13, atol=0)
    assert np.array_equal(whole.argmax(axis=1), np.vstack(pieces).argmax(axis=1))


@pytest.mark.parametrize(
    "failing_fit",
    [
        lambda clf, X, y: clf.fit(X, np.zeros(len(y))),  # one class
        lambda clf, X, y: clf.fit(np.full_like(X[:, :5], np.nan), y),  # NaN
        lambda clf, X, y: clf.set_params(alpha=1e30).fit(X * 1e30, y),  # diverges
        lambda clf, X, y: clf.partial_fit(X, y + 7),  # unknown labels
    ],
)
def test_a_failed_fit_keeps_the_fitted_model(failing_fit):
    X, y = small_problem()
    clf = ScratchMLPClassifier(max_iter=20, random_state=0).fit(X, y)
    before = clf.predict_proba(X)
    state = {k: v for k, v in vars(clf).items() if k.endswith("_")}
    with pytest.raises((ValueError, FloatingPointError)):
        failing_fit(clf, X, y)
    clf.set_params(alpha=0.1)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert {
        k: v for k, v in vars(clf).items() if k.endswith("_")
    }.keys() == state.keys()
    assert clf.n_features_in_ == X.shape[1] and clf.loss_curve_ == state["loss_curve_"]
