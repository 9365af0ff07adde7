"""Bad input gets the error a scikit-learn user expects, and never breaks a model.

Every case checks the exception type (ValueError, TypeError, NotFittedError,
InvalidParameterError, or FloatingPointError for training that diverges) and a
regex on the message that names the problem. Every failing ``fit`` or
``partial_fit`` on an already fitted estimator must leave its model bit-identical:
the same fitted attributes and the same ``predict_proba`` on fixed data.

How many bad-input cases this file tries: ``TABLE_CASES`` (computed below from
the tables, one entry per table row) plus the hypothesis examples, at most the
sum of ``HYPOTHESIS_EXAMPLES`` (run ``pytest --hypothesis-show-statistics`` to see
how many each property actually generated).
"""

import copy
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from sklearn_scratchnet import ScratchMLPClassifier, _network
from sklearn_scratchnet.exceptions import UnscaledInputWarning

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # NaN, inf and overflowing inputs make NumPy warn on the way to the errors
    # under test; the errors, not these warnings, are what the tests check.
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
]

N_SAMPLES, N_FEATURES, N_CLASSES = 30, 4, 3
X0 = np.random.RandomState(0).uniform(-1, 1, size=(N_SAMPLES, N_FEATURES))
Y0 = np.arange(N_SAMPLES) % N_CLASSES
FIXED_X = np.random.RandomState(1).uniform(-2, 2, size=(7, N_FEATURES))
COLUMNS = ["a", "b", "c", "d"]

NOT_FINITE = "Input X contains (NaN|infinity)"
WRONG_FEATURES = "X has 3 features, but ScratchMLPClassifier is expecting 4 features"


def hypothesis_settings(max_examples):
    """Reproducible examples: derandomized, no example database on disk."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


def fitted(X=X0, y=Y0, **params):
    params = {"max_iter": 5, "random_state": 0, **params}
    return ScratchMLPClassifier(**params).fit(X, y)


def partially_fitted(**params):
    clf = ScratchMLPClassifier(random_state=0, **params)
    return clf.partial_fit(X0, Y0, classes=np.arange(N_CLASSES))


def with_value(X, positions, value):
    X = np.array(X, dtype=float)
    for row, col in positions:
        X[row, col] = value
    return X


def snapshot(clf, X_fixed=FIXED_X):
    """Deep copies of every fitted attribute, and predict_proba on fixed data."""
    state = {k: copy.deepcopy(v) for k, v in vars(clf).items() if k.endswith("_")}
    assert {"W1_", "b1_", "W2_", "b2_", "classes_", "n_iter_", "loss_curve_"} <= set(
        state
    )
    return state, clf.predict_proba(X_fixed), X_fixed


def assert_identical(a, b, name):
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), name
        assert (a.dtype, a.shape) == (b.dtype, b.shape), name
        if a.dtype == object:
            assert a.tolist() == b.tolist(), name
        else:
            assert a.tobytes() == b.tobytes(), name
    else:
        assert type(a) is type(b) and a == b, name


def assert_intact(clf, snap):
    state, proba, X_fixed = snap
    now = {k: v for k, v in vars(clf).items() if k.endswith("_")}
    assert now.keys() == state.keys()
    for name, value in state.items():
        assert_identical(now[name], value, name)
    assert clf.predict_proba(X_fixed).tobytes() == proba.tobytes()


def assert_not_fitted(clf):
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    assert not [k for k in vars(clf) if k.endswith("_")]


# --------------------------------------------------------------- fit: X, y, weights

csr_with = sp.csr_matrix  # stores NaN and inf like any other value

FIT_CASES = [
    # (id, X, y, fit kwargs, estimator params, exception, message regex)
    ("X NaN", with_value(X0, [(3, 1)], np.nan), Y0, {}, {}, ValueError,
     "Input X contains NaN"),
    ("X +inf", with_value(X0, [(0, 0)], np.inf), Y0, {}, {}, ValueError,
     "Input X contains infinity"),
    ("X -inf", with_value(X0, [(29, 3)], -np.inf), Y0, {}, {}, ValueError,
     "Input X contains infinity"),
    ("X float32 NaN", with_value(X0, [(5, 2)], np.nan).astype(np.float32), Y0, {},
     {}, ValueError, "Input X contains NaN"),
    ("sparse X NaN", csr_with(with_value(X0, [(2, 2)], np.nan)), Y0, {}, {},
     ValueError, "Input X contains NaN"),
    ("sparse X inf", csr_with(with_value(X0, [(2, 2)], np.inf)), Y0, {}, {},
     ValueError, "Input X contains infinity"),
    ("object X with None", np.array([[1.0, None]] * 30, dtype=object), Y0, {}, {},
     ValueError, "Input X contains NaN"),
    ("DataFrame with NA", pd.DataFrame({"a": pd.array([1, None] * 15, dtype="Int64"),
     "b": X0[:, 1]}), Y0, {}, {}, ValueError, "Input X contains NaN"),
    ("X 0 rows", X0[:0], Y0[:0], {}, {}, ValueError,
     r"Found array with 0 sample\(s\) \(shape=\(0, 4\)\)"),
    ("X 0 columns", X0[:, :0], Y0, {}, {}, ValueError,
     r"Found array with 0 feature\(s\) \(shape=\(30, 0\)\)"),
    ("X 1 row", X0[:1], Y0[:1], {}, {}, ValueError,
     r"needs samples of at least 2 classes.*only one class: (np\.int64\()?0\b"),
    ("y single class", X0, np.full(N_SAMPLES, "cat"), {}, {}, ValueError,
     r"at least 2 classes.*only one class: (np\.str_\()?'cat'"),
    ("X 1-D", X0[:, 0], Y0, {}, {}, ValueError, "Expected 2D array, got 1D array"),
    ("X 3-D", X0[:, :, None], Y0, {}, {}, ValueError, "Found array with dim 3"),
    ("X scalar", 3.0, Y0, {}, {}, ValueError, "Expected 2D array, got scalar"),
    ("X None", None, Y0, {}, {}, ValueError, "Expected 2D array, got scalar"),
    ("X ragged lists", [[1.0, 2.0], [3.0]] * 15, Y0, {}, {}, ValueError,
     "inhomogeneous shape"),
    ("X strings", [["a", "b"]] * 30, Y0, {}, {}, ValueError,
     "could not convert string to float: 'a'"),
    ("X object non-numbers", np.array([[1.0, "x"]] * 30, dtype=object), Y0, {}, {},
     ValueError, "could not convert string to float: 'x'"),
    ("DataFrame string column", pd.DataFrame({"a": X0[:, 0], "b": ["x"] * 30}), Y0,
     {}, {}, ValueError, "could not convert string to float: 'x'"),
    ("DataFrame categorical", pd.DataFrame({"a": pd.Categorical(["u", "v"] * 15)}),
     Y0, {}, {}, ValueError, "could not convert string to float: 'u'"),
    ("X complex", X0 + 1j, Y0, {}, {}, ValueError, "Complex data not supported"),
    ("y NaN", X0, np.where(np.arange(30) == 4, np.nan, Y0), {}, {}, ValueError,
     "Input y contains NaN"),
    ("y inf", X0, np.where(np.arange(30) == 4, np.inf, Y0), {}, {}, ValueError,
     "Input y contains infinity"),
    ("y 2 columns", X0, np.c_[Y0, Y0], {}, {}, ValueError,
     r"multilabel targets \(a 2-D 0/1 indicator matrix\), but y is "
     r"'multiclass-multioutput'"),
    ("y shorter", X0, Y0[:-1], {}, {}, ValueError,
     r"inconsistent numbers of samples: \[30, 29\]"),
    ("y longer", X0, np.r_[Y0, 0], {}, {}, ValueError,
     r"inconsistent numbers of samples: \[30, 31\]"),
    ("y None", X0, None, {}, {}, ValueError, "requires y to be passed"),
    ("y continuous", X0, np.linspace(0, 1, 30), {}, {}, ValueError,
     "Unknown label type: continuous"),
    ("y of dicts", X0, [{}] * 30, {}, {}, ValueError, "Unknown label type"),
    ("y mixed str and int", X0, np.array(["a", 1] * 15, dtype=object), {}, {},
     TypeError, "'<' not supported between instances of '(int|str)' and"),
    ("sample_weight negative", X0, Y0, {"sample_weight": np.r_[-1.0, np.ones(29)]},
     {}, ValueError, "Negative values in data passed to `sample_weight`"),
    ("sample_weight shorter", X0, Y0, {"sample_weight": np.ones(29)}, {},
     ValueError, re.escape("sample_weight.shape == (29,), expected (30,)")),
    ("sample_weight all zero", X0, Y0, {"sample_weight": np.zeros(30)}, {},
     ValueError, "Sample weights must contain at least one non-zero number"),
    ("sample_weight scalar zero", X0, Y0, {"sample_weight": 0.0}, {}, ValueError,
     "Sample weights must contain at least one non-zero number"),
    ("sample_weight NaN", X0, Y0, {"sample_weight": np.r_[np.nan, np.ones(29)]},
     {}, ValueError, "Input sample_weight contains NaN"),
    ("sample_weight inf", X0, Y0, {"sample_weight": np.r_[np.inf, np.ones(29)]},
     {}, ValueError, "Input sample_weight contains infinity"),
    ("sample_weight 2-D", X0, Y0, {"sample_weight": np.ones((30, 1))}, {},
     ValueError, "Sample weights must be 1D array or scalar"),
    ("sample_weight strings", X0, Y0, {"sample_weight": ["a"] * 30}, {}, ValueError,
     "could not convert string to float: 'a'"),
    ("class_weight unknown label", X0, Y0, {}, {"class_weight": {7: 2.0}},
     ValueError, re.escape("class_weight has weights for labels [7] that are not")),
    ("class_weight string label", X0, Y0, {}, {"class_weight": {"a": 2.0}},
     ValueError, re.escape("labels ['a'] that are not classes of the data")),
    ("class_weight all zero", X0, Y0, {}, {"class_weight": {0: 0, 1: 0, 2: 0}},
     ValueError, r"weights \(times the class weights\) of all samples are zero"),
    ("class weights zero the weighted samples", X0, Y0,
     {"sample_weight": (Y0 == 0).astype(float)}, {"class_weight": {0: 0.0}},
     ValueError, "of all samples are zero"),
    ("X_val without y_val", X0, Y0, {"X_val": X0}, {}, ValueError,
     "X_val and y_val must be given together; got only X_val"),
    ("y_val without X_val", X0, Y0, {"y_val": Y0}, {}, ValueError,
     "X_val and y_val must be given together; got only y_val"),
    ("X_val 3 features", X0, Y0, {"X_val": X0[:, :3], "y_val": Y0}, {}, ValueError,
     WRONG_FEATURES),
    ("X_val NaN", X0, Y0, {"X_val": with_value(X0, [(1, 1)], np.nan), "y_val": Y0},
     {}, ValueError, "contains NaN"),
    ("X_val 0 rows", X0, Y0, {"X_val": X0[:0], "y_val": Y0[:0]}, {}, ValueError,
     r"0 sample\(s\)"),
    ("X_val complex", X0, Y0, {"X_val": X0 + 1j, "y_val": Y0}, {}, ValueError,
     "Complex data not supported"),
    ("y_val shorter", X0, Y0, {"X_val": X0, "y_val": Y0[:-1]}, {}, ValueError,
     re.escape("y_val must have shape (n_val,), one label per row of X_val; got "
               "shape (29,)")),
    ("y_val column", X0, Y0, {"X_val": X0, "y_val": Y0[:, None]}, {}, ValueError,
     re.escape("y_val must have shape (n_val,), one label per row of X_val; got "
               "shape (30, 1)")),
    ("y_val unknown label", X0, Y0, {"X_val": X0[:2], "y_val": [0, 99]}, {},
     ValueError, re.escape("labels [99] that are not in classes_ [0, 1, 2]")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("X", "y", "fit_kwargs", "params", "error", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in FIT_CASES],
)
def test_bad_fit_input_is_refused_and_keeps_a_fitted_model(
    X, y, fit_kwargs, params, error, message
):
    fresh = ScratchMLPClassifier(max_iter=3, random_state=0, **params)
    with pytest.raises(error, match=message):
        fresh.fit(X, y, **fit_kwargs)
    assert_not_fitted(fresh)  # nothing half-fitted is left behind

    clf = fitted()
    snap = snapshot(clf)
    clf.set_params(**params)
    with pytest.raises(error, match=message):
        clf.fit(X, y, **fit_kwargs)
    assert_intact(clf, snap)


def test_column_vector_y_warns_and_trains_like_1d_y():
    with pytest.warns(DataConversionWarning, match="column-vector y was passed"):
        column = fitted(y=Y0[:, None])
    flat = fitted()
    assert_intact(column, snapshot(flat))


def test_warm_start_with_bad_input_keeps_the_model():
    cases = [
        (dict(X=with_value(X0, [(0, 0)], np.nan)), ValueError, NOT_FINITE),
        (dict(X=X0[:, :3]), ValueError, WRONG_FEATURES),
        (dict(y=Y0 + 1), ValueError, re.escape("labels [3] that are not in classes_")),
        (dict(sample_weight=-np.ones(N_SAMPLES)), ValueError, "Negative values"),
        (dict(X_val=X0[:, :3], y_val=Y0), ValueError, WRONG_FEATURES),
    ]
    for kwargs, error, message in cases:
        clf = fitted(warm_start=True)
        snap = snapshot(clf)
        kwargs = {"X": X0, "y": Y0, **kwargs}
        with pytest.raises(error, match=message):
            clf.fit(**kwargs)
        assert_intact(clf, snap)


# ---------------------------------------------------------- huge but finite values

HUGE_CASES = [
    # (id, dtype, value): beyond the dtype's safe range for the network's products
    ("1e300 float64", np.float64, 1e300),
    ("-1e300 float64", np.float64, -1e300),
    ("1.7e308 float64", np.float64, 1.7e308),
    ("3e38 float32", np.float32, 3e38),
    ("-3e38 float32", np.float32, -3e38),
    ("1e30 float32", np.float32, 1e30),
]


def fit_unscaled(clf, X, y=Y0):
    """Fit on X beyond the unscaled threshold: it must warn, then either diverge
    with a FloatingPointError naming the learning rate or give a usable model."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            clf.fit(X, y)
        except FloatingPointError as error:
            assert re.search(r"Training diverged in pass \d+.*Lower alpha", str(error))
            diverged = True
        else:
            diverged = False
    unscaled = [w for w in caught if issubclass(w.category, UnscaledInputWarning)]
    assert len(unscaled) == 1
    assert re.search(r"X has values up to \S+ in magnitude", str(unscaled[0].message))
    return diverged


def assert_usable(clf):
    """A fitted model: finite weights, finite probabilities whose rows sum to 1."""
    assert all(np.isfinite(w).all() for w in (clf.W1_, clf.b1_, clf.W2_, clf.b2_))
    proba = clf.predict_proba(FIXED_X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    ("dtype", "value"), [pytest.param(*case[1:], id=case[0]) for case in HUGE_CASES]
)
def test_huge_finite_values_warn_and_never_give_a_broken_model(dtype, value):
    X = with_value(X0, [(4, 1)], value).astype(dtype)
    fresh = ScratchMLPClassifier(max_iter=5, random_state=0)
    if fit_unscaled(fresh, X):
        assert_not_fitted(fresh)
    else:
        assert_usable(fresh)

    clf = fitted(X=X0.astype(dtype), warm_start=True)
    snap = snapshot(clf)
    if fit_unscaled(clf, X):
        assert_intact(clf, snap)
    else:
        assert_usable(clf)


def test_moderately_large_values_warn_and_train():
    clf = ScratchMLPClassifier(solver="adam", alpha=0.01, max_iter=5, random_state=0)
    assert not fit_unscaled(clf, X0 * 500)
    assert_usable(clf)


def test_divergence_on_huge_values_happens_for_the_documented_cases():
    # The table above would pass if nothing ever diverged; make sure it does here.
    clf = ScratchMLPClassifier(max_iter=5, random_state=0)
    assert fit_unscaled(clf, np.c_[np.full(N_SAMPLES, 1e300), X0[:, 1:]])
    assert_not_fitted(clf)


# ------------------------------------------------------------------- predict etc.

PREDICT_METHODS = ["predict", "predict_proba", "predict_log_proba", "score"]


def n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def call(clf, method, X):
    if method == "score":
        return clf.score(X, np.arange(n_rows(X)) % N_CLASSES)
    return getattr(clf, method)(X)


PREDICT_CASES = [
    ("3 features", X0[:, :3], ValueError, WRONG_FEATURES),
    ("5 features", np.c_[X0, X0[:, 0]], ValueError,
     "X has 5 features, but ScratchMLPClassifier is expecting 4 features"),
    ("sparse 3 features", sp.csr_matrix(X0[:, :3]), ValueError, WRONG_FEATURES),
    ("NaN", with_value(X0, [(7, 2)], np.nan), ValueError, "Input X contains NaN"),
    ("+inf", with_value(X0, [(7, 2)], np.inf), ValueError,
     "Input X contains infinity"),
    ("-inf", with_value(X0, [(0, 3)], -np.inf), ValueError,
     "Input X contains infinity"),
    ("0 rows", X0[:0], ValueError, r"0 sample\(s\)"),
    ("0 columns", X0[:, :0], ValueError, r"0 feature\(s\)"),
    ("1-D", X0[0], ValueError, "Expected 2D array, got 1D array"),
    ("strings", [["a", "b", "c", "d"]] * 2, ValueError,
     "could not convert string to float"),
    ("ragged", [[1.0, 2.0, 3.0, 4.0], [1.0]], ValueError, "inhomogeneous shape"),
    ("complex", X0 + 1j, ValueError, "Complex data not supported"),
]  # fmt: skip


@pytest.mark.parametrize("method", PREDICT_METHODS)
@pytest.mark.parametrize(
    ("X", "error", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in PREDICT_CASES],
)
def test_bad_prediction_input_is_refused(method, X, error, message):
    clf = fitted()
    snap = snapshot(clf)
    with pytest.raises(error, match=message):
        call(clf, method, X)
    assert_intact(clf, snap)


@pytest.mark.parametrize("method", [*PREDICT_METHODS, "coefs_", "intercepts_"])
def test_before_fit_every_method_raises_not_fitted(method):
    clf = ScratchMLPClassifier()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        if method.endswith("_"):
            getattr(clf, method)
        else:
            call(clf, method, X0)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_prediction_finds_non_finite_values_the_activation_would_hide(
    activation, value
):
    """Prediction checks X through its product with W1, before the activation:
    +inf (or -inf) against a feature whose weights are all negative (positive)
    gives relu(-inf) = 0 for every unit, and tanh and the logistic turn infinities
    into finite values; NaN against all-zero weights stays NaN. Each must still be
    refused, in every block of the input."""
    clf = fitted(activation=activation, hidden_size=1024)
    column = np.abs(clf.W1_[:, 2])
    clf.W1_[:, 2] = 0.0 if np.isnan(value) else -np.sign(value) * column
    big = np.tile(X0, (3000 // N_SAMPLES + 1, 1))
    assert len(big) > _network.prediction_block_rows(1024)  # several blocks
    for row in (0, len(big) - 1):
        X = with_value(big, [(row, 2)], value)
        for method in PREDICT_METHODS:
            with pytest.raises(ValueError, match=NOT_FINITE):
                call(clf, method, X)


def test_prediction_of_finite_values_whose_products_overflow_is_not_refused():
    """A finite X whose product with W1 overflows is not refused for being
    infinite (X is not): the model predicts, as it did before."""
    clf = fitted(X=X0.astype(np.float32))
    X = with_value(X0, [(0, 0), (0, 1)], 3e38).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        proba = clf.predict_proba(X)
    assert proba.shape == (N_SAMPLES, N_CLASSES)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_float32_model_refuses_values_beyond_float32():
    clf = fitted(X=X0.astype(np.float32))
    with pytest.raises(ValueError, match=r"infinity or a value too large.*float32"):
        clf.predict_proba(with_value(X0, [(0, 0)], 1e300))


# ------------------------------------------------------------- DataFrame features

FRAME = pd.DataFrame(X0, columns=COLUMNS)
FRAME_CASES = [
    ("reordered", FRAME[COLUMNS[::-1]],
     "feature names should match.*must be in the same order"),
    ("renamed", FRAME.rename(columns={"a": "z"}),
     "feature names should match.*unseen at fit time:\n- z\n.*now missing:\n- a"),
    ("extra column", FRAME.assign(e=1.0), "feature names should match.*unseen.*- e"),
    ("missing column", FRAME[COLUMNS[:3]], "feature names should match.*missing.*- d"),
]  # fmt: skip


def frame_model(**params):
    clf = fitted(X=FRAME, **params)
    return clf, snapshot(clf, FRAME.iloc[:7])


@pytest.mark.parametrize(
    ("X", "message"), [pytest.param(*case[1:], id=case[0]) for case in FRAME_CASES]
)
@pytest.mark.parametrize("method", [*PREDICT_METHODS, "warm_start fit", "partial_fit"])
def test_dataframe_with_other_feature_names_is_refused(X, message, method):
    clf, snap = frame_model(warm_start=True)
    with pytest.raises(ValueError, match=re.compile(message, re.DOTALL)):
        if method == "warm_start fit":
            clf.fit(X, Y0)
        elif method == "partial_fit":
            clf.partial_fit(X, Y0)
        else:
            call(clf, method, X)
    assert_intact(clf, snap)


def test_feature_names_mismatch_between_frame_and_array_only_warns():
    # scikit-learn's convention: a warning, and the columns are used by position.
    clf, _ = frame_model()
    expected = clf.predict_proba(FRAME)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        np.testing.assert_array_equal(clf.predict_proba(X0), expected)
    array_model = fitted()
    with pytest.warns(UserWarning, match="X has feature names, but"):
        np.testing.assert_array_equal(
            array_model.predict_proba(FRAME), array_model.predict_proba(X0)
        )


# ------------------------------------------------------------------- partial_fit

PARTIAL_FIT_CASES = [
    # (id, X, y, kwargs, error, message) on a model that saw classes [0, 1, 2]
    ("label outside classes", X0, Y0 + 5, {}, ValueError,
     re.escape("y contains labels [5, 6, 7] that are not in classes_ [0, 1, 2]")),
    ("different classes", X0, Y0, {"classes": [0, 1, 2, 3]}, ValueError,
     re.escape("`classes=[0, 1, 2, 3]` is not the same as on last call")),
    ("fewer classes", X0, Y0 % 2, {"classes": [0, 1]}, ValueError,
     "is not the same as on last call to partial_fit"),
    ("3 features", X0[:, :3], Y0, {}, ValueError, WRONG_FEATURES),
    ("8 features", np.c_[X0, X0], Y0, {}, ValueError,
     "X has 8 features, but ScratchMLPClassifier is expecting 4"),
    ("X NaN", with_value(X0, [(9, 0)], np.nan), Y0, {}, ValueError,
     "Input X contains NaN"),
    ("X inf", with_value(X0, [(9, 0)], -np.inf), Y0, {}, ValueError,
     "Input X contains infinity"),
    ("X 0 rows", X0[:0], Y0[:0], {}, ValueError, r"0 sample\(s\)"),
    ("y NaN", X0, np.where(np.arange(30) == 1, np.nan, Y0), {}, ValueError,
     "Input y contains NaN"),
    ("y 2 columns", X0, np.c_[Y0, Y0], {}, ValueError, "'multiclass-multioutput'"),
    ("y multilabel", X0, np.eye(3, dtype=int)[Y0], {}, ValueError,
     "fitted on class labels, but y is a multilabel indicator matrix of 3 labels"),
    ("y shorter", X0, Y0[:-1], {}, ValueError, "inconsistent numbers of samples"),
    ("sample_weight negative", X0, Y0, {"sample_weight": -np.ones(30)}, ValueError,
     "Negative values in data passed to `sample_weight`"),
    ("sample_weight all zero", X0, Y0, {"sample_weight": np.zeros(30)}, ValueError,
     "at least one non-zero"),
    ("diverging", np.c_[np.full(30, 1e300), X0[:, 1:]], Y0, {}, FloatingPointError,
     "Training diverged.*Lower alpha"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "error", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in PARTIAL_FIT_CASES],
)
def test_bad_partial_fit_input_keeps_the_model_and_its_training_state(
    X, y, kwargs, error, message
):
    params = dict(solver="adam", batch_size=8, alpha=0.01)
    clf = partially_fitted(**params)
    twin = copy.deepcopy(clf)
    snap = snapshot(clf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (RuntimeWarning, UnscaledInputWarning))
        with pytest.raises(error, match=message):
            clf.partial_fit(X, y, **kwargs)
    assert_intact(clf, snap)
    # The optimizer state (Adam moments) and the shuffling stream survived too:
    # the next pass is the one the model would have made without the failure
    # (for "diverging", the failed pass had already drawn its shuffling order).
    clf.partial_fit(X0, Y0)
    twin.partial_fit(X0, Y0)
    assert_intact(clf, snapshot(twin))


FIRST_PARTIAL_FIT_CASES = [
    ("no classes", {}, Y0, ValueError,
     "classes must be passed on the first call to partial_fit"),
    ("y outside classes", {"classes": [0, 1]}, Y0, ValueError,
     re.escape("y contains labels [2] that are not in classes_ [0, 1]")),
    ("classes with NaN", {"classes": [0.0, 1.0, 2.0, np.nan]}, Y0, ValueError,
     "Input contains NaN"),
    ("X NaN", {"classes": [0, 1, 2], "X": with_value(X0, [(0, 1)], np.nan)}, Y0,
     ValueError, "Input X contains NaN"),
    # fit refuses data of one class: a one-class softmax always answers 1.
    ("a single class", {"classes": [0]}, np.zeros(30, dtype=int), ValueError,
     "at least 2 classes"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "y", "error", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in FIRST_PARTIAL_FIT_CASES],
)
def test_bad_first_partial_fit_leaves_the_estimator_unfitted(kwargs, y, error, message):
    clf = ScratchMLPClassifier(random_state=0)
    kwargs = {"X": X0, **kwargs}
    with pytest.raises(error, match=message):
        clf.partial_fit(y=y, **kwargs)
    assert_not_fitted(clf)


# -------------------------------------------------------------------- parameters

INVALID_PARAMETERS = {
    "hidden_size": [0, -1, 1.5, "10", None],
    "alpha": [0, -0.1, "x", np.inf, np.nan],
    "max_iter": [0, -1, 2.5, None],
    "batch_size": [0, -5, 1.5, "auto"],
    "solver": ["LBFGS", "SGD", None],
    "momentum": [1.5, -0.1, np.nan, "x"],
    "l2": [-1, np.nan, np.inf, "x"],
    "activation": ["softmax", "linear", None],
    "class_weight": ["auto", [1, 2], 1.0],
    "early_stopping": ["yes", 1, None],
    "validation_fraction": [0, 1, -0.1, np.nan],
    "n_iter_no_change": [0, -1, 1.5],
    "tol": [-1, np.nan, "x"],
    "shuffle": ["no", None, 0],
    "random_state": ["seed", 1.5, -1],
    "warm_start": [2, "yes", None],
    "verbose": ["loud", -1, 1.5],
    "learning_rate": ["optimal", None, 0.1],
    "power_t": [-1, "x", np.nan],
    "nesterovs_momentum": ["yes", None, 2],
    "beta_1": [1.0, -0.1, np.nan],
    "beta_2": [1.0, -0.1, np.nan],
    "epsilon": [0, -1e-8, "x"],
    "max_fun": [0, 1.5, None],
    "scoring": [3, 1.5, ["accuracy"]],
    "dropout": [1.0, -0.1, np.nan, "x"],
}
PARAMETER_CASES = [
    pytest.param(name, value, id=f"{name}={value!r}")
    for name, values in INVALID_PARAMETERS.items()
    for value in values
]


def test_the_parameter_table_covers_every_constraint():
    assert (
        INVALID_PARAMETERS.keys() == ScratchMLPClassifier._parameter_constraints.keys()
    )
    assert INVALID_PARAMETERS.keys() == ScratchMLPClassifier().get_params().keys()


@pytest.mark.parametrize(("name", "value"), PARAMETER_CASES)
def test_invalid_parameter_is_named_and_keeps_a_fitted_model(name, value):
    message = f"The '{name}' parameter of ScratchMLPClassifier must be"
    with pytest.raises(InvalidParameterError, match=message):
        ScratchMLPClassifier(**{name: value}).fit(X0, Y0)

    with pytest.raises(InvalidParameterError, match=message):
        ScratchMLPClassifier(**{name: value}).partial_fit(X0, Y0, classes=[0, 1, 2])

    for clf in (fitted(), fitted(warm_start=True), partially_fitted()):
        snap = snapshot(clf)
        valid = clf.get_params()[name]
        clf.set_params(**{name: value})
        with pytest.raises(InvalidParameterError, match=message):
            clf.fit(X0, Y0)
        clf.set_params(**{name: valid})  # activation is used by predict_proba too
        assert_intact(clf, snap)


def test_partial_fit_on_a_fitted_model_validates_parameters():
    # scikit-learn's _fit_context validates parameters in partial_fit only until
    # the estimator is fitted; a parameter made invalid by set_params afterwards
    # must still be refused by name, not train or fail somewhere inside.
    offenders = []
    for case in PARAMETER_CASES:
        name, value = case.values
        clf = partially_fitted()
        snap = snapshot(clf)
        valid = clf.get_params()[name]
        clf.set_params(**{name: value})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                clf.partial_fit(X0, Y0)
            except InvalidParameterError as error:
                if f"'{name}' parameter" not in str(error):
                    offenders.append(f"{case.id}: {error}")
            except Exception as error:
                offenders.append(f"{case.id}: {type(error).__name__}: {error}")
            else:
                offenders.append(f"{case.id}: trained (n_iter_={clf.n_iter_})")
                continue
        clf.set_params(**{name: valid})
        assert_intact(clf, snap)
    assert not offenders, "\n".join(offenders)


def test_boolean_hidden_size_is_refused_or_means_one_unit():
    # scikit-learn's Interval(Integral) lets True through parameter validation;
    # then it must either be refused by name or act as the integer 1.
    clf = ScratchMLPClassifier(hidden_size=True, max_iter=3, random_state=0)
    try:
        clf.fit(X0, Y0)
    except InvalidParameterError as error:
        assert "'hidden_size'" in str(error)
    else:
        assert clf.W1_.shape == (1, N_FEATURES)
        assert_usable(clf)


@pytest.mark.parametrize("weight", [-1.0, np.nan, np.inf], ids=["-1", "nan", "inf"])
def test_class_weight_values_must_be_finite_and_non_negative(weight):
    # As negative or non-finite sample weights are refused, a class weight that
    # makes them must be refused too, by name, before any training.
    clf = fitted()
    snap = snapshot(clf)
    clf.set_params(class_weight={0: weight})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match="class_weight"):
            clf.fit(X0, Y0)
    assert_intact(clf, snap)


def test_validation_set_errors_name_the_validation_set():
    # X is fine here: a message about "X" or "y" sends the user to the wrong array.
    cases = [
        ({"X_val": with_value(X0, [(1, 1)], np.nan), "y_val": Y0}, "X_val"),
        ({"X_val": X0[:, :3], "y_val": Y0}, "X_val"),
        ({"X_val": X0[:2], "y_val": [0, 99]}, "y_val"),
    ]
    unnamed = []
    for kwargs, name in cases:
        clf = ScratchMLPClassifier(max_iter=3)
        with pytest.raises(ValueError) as error:
            clf.fit(X0, Y0, **kwargs)
        if name not in str(error.value):
            unnamed.append(f"{name} not named in: {str(error.value)[:80]!r}")
    assert not unnamed, "\n".join(unnamed)


@pytest.mark.parametrize("scale", [1e300, 1e307])
def test_uniform_sample_weights_of_any_scale_train_like_no_weights(scale):
    # Each sample's share of the loss is its weight over the total: multiplying all
    # weights by a constant changes nothing, even when their sum would overflow.
    weighted = ScratchMLPClassifier(max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            weighted.fit(X0, Y0, sample_weight=np.full(N_SAMPLES, scale))
        except ValueError as error:  # refusing by name would be fine too
            assert "sample_weight" in str(error)
            return
    plain = fitted()
    for a, b in zip((weighted.W1_, weighted.W2_), (plain.W1_, plain.W2_), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)


# -------------------------------------------------------------------- hypothesis

HYPOTHESIS_EXAMPLES = {
    "well_scaled_data_gives_a_sound_model": 60,
    "any_non_finite_value_is_refused_and_the_model_kept": 150,
    "any_huge_value_warns_and_never_breaks_the_model": 40,
    "huge_values_at_predict_give_probabilities_or_a_clear_error": 40,
}

DTYPES = [np.float64, np.float32, np.float16, np.int8, np.int64, np.bool_]
CONTAINERS = ["array", "list", "frame", "csr"]


def contain(X, container):
    if container == "list":
        return X.tolist()
    if container == "frame":
        return pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    if container == "csr":
        return sp.csr_matrix(X)
    return X


@st.composite
def classification_data(draw):
    n_classes = draw(st.integers(2, 4))
    n_samples = draw(st.integers(max(2, n_classes), 30))
    n_features = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.RandomState(seed)
    dtype = draw(st.sampled_from(DTYPES))
    if np.issubdtype(dtype, np.floating):
        X = rng.uniform(-3, 3, size=(n_samples, n_features)).astype(dtype)
    else:
        X = rng.randint(-3, 4, size=(n_samples, n_features)).astype(dtype)
    labels = draw(
        st.sampled_from(
            [np.arange(n_classes), np.array(["cat", "dog", "emu", "fox"][:n_classes])]
        )
    )
    y = labels[rng.permutation(np.arange(n_samples) % n_classes)]
    return X, y, labels


@hypothesis_settings(HYPOTHESIS_EXAMPLES["well_scaled_data_gives_a_sound_model"])
@given(
    data=classification_data(),
    container=st.sampled_from(CONTAINERS),
    solver=st.sampled_from(["sgd", "adam"]),
    activation=st.sampled_from(["relu", "tanh", "logistic"]),
    batch_size=st.sampled_from([None, 1, 7]),
    max_iter=st.integers(1, 4),
)
def test_well_scaled_data_gives_a_sound_model(
    data, container, solver, activation, batch_size, max_iter
):
    X, y, labels = data
    clf = ScratchMLPClassifier(
        solver=solver, activation=activation, batch_size=batch_size,
        max_iter=max_iter, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnscaledInputWarning)
        clf.fit(contain(X, container), y)
    expected = np.float32 if X.dtype == np.float32 else np.float64
    assert {w.dtype for w in (clf.W1_, clf.b1_, clf.W2_, clf.b2_)} == {
        np.dtype(expected)
    }
    assert_identical(clf.classes_, np.sort(labels), "classes_")
    proba = clf.predict_proba(contain(X, container))
    log_proba = clf.predict_log_proba(contain(X, container))
    assert proba.dtype == expected and proba.shape == (len(X), len(labels))
    assert np.isfinite(proba).all() and np.isfinite(log_proba).all()
    assert (proba >= 0).all() and (proba <= 1).all()
    tolerance = 1e-5 if expected == np.float32 else 1e-12
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=tolerance)
    predictions = clf.predict(contain(X, container))
    assert set(predictions) <= set(clf.classes_)
    np.testing.assert_array_equal(predictions, clf.classes_[proba.argmax(axis=1)])
    assert 0.0 <= clf.score(contain(X, container), y) <= 1.0


def bad_positions(n_rows, n_cols):
    cell = st.tuples(st.integers(0, n_rows - 1), st.integers(0, n_cols - 1))
    return st.lists(cell, min_size=1, max_size=4)


@st.composite
def non_finite_case(draw):
    method = draw(
        st.sampled_from(
            ["fresh fit", "fit", "warm_start fit", "partial_fit", *PREDICT_METHODS]
        )
    )
    n_rows = draw(st.integers(1, 12))
    n_cols = draw(st.integers(1, 6)) if method == "fresh fit" else N_FEATURES
    X = np.random.RandomState(draw(st.integers(0, 1000))).uniform(
        -1, 1, size=(n_rows, n_cols)
    )
    for row, col in draw(bad_positions(n_rows, n_cols)):
        X[row, col] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    container = draw(st.sampled_from(CONTAINERS))
    return method, contain(X.astype(dtype), container), dtype


@hypothesis_settings(
    HYPOTHESIS_EXAMPLES["any_non_finite_value_is_refused_and_the_model_kept"]
)
@given(case=non_finite_case())
def test_any_non_finite_value_is_refused_and_the_model_kept(case):
    method, X, dtype = case
    y = np.arange(n_rows(X)) % N_CLASSES
    if method == "fresh fit":
        clf = ScratchMLPClassifier(max_iter=2)
        with pytest.raises(ValueError, match=NOT_FINITE):
            clf.fit(X, y)
        assert_not_fitted(clf)
        return
    clf = fitted(X=X0.astype(dtype), warm_start=method == "warm_start fit")
    snap = snapshot(clf)
    with (
        warnings.catch_warnings(),  # a DataFrame for a model fitted on an array
        pytest.raises(ValueError, match=NOT_FINITE),
    ):
        warnings.filterwarnings("ignore", "X has feature names", UserWarning)
        if method in PREDICT_METHODS:
            call(clf, method, X)
        elif method == "partial_fit":
            clf.partial_fit(X, y)
        else:
            clf.fit(X, y)
    assert_intact(clf, snap)


@st.composite
def huge_case(draw):
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    largest = float(np.finfo(dtype).max)
    n_rows = draw(st.integers(3, 12))
    X = np.random.RandomState(draw(st.integers(0, 1000))).uniform(
        -1, 1, size=(n_rows, N_FEATURES)
    )
    for row, col in draw(bad_positions(n_rows, N_FEATURES)):
        magnitude = draw(st.floats(101.0, largest, allow_infinity=False))
        X[row, col] = draw(st.sampled_from([1.0, -1.0])) * magnitude
    return X.astype(dtype), draw(st.booleans())


@hypothesis_settings(
    HYPOTHESIS_EXAMPLES["any_huge_value_warns_and_never_breaks_the_model"]
)
@given(case=huge_case())
def test_any_huge_value_warns_and_never_breaks_the_model(case):
    X, warm = case
    y = np.arange(len(X)) % N_CLASSES
    if not warm:
        clf = ScratchMLPClassifier(max_iter=3, random_state=0)
        if fit_unscaled(clf, X, y):
            assert_not_fitted(clf)
        else:
            assert_usable(clf)
        return
    clf = fitted(X=X0.astype(X.dtype), warm_start=True)
    snap = snapshot(clf)
    if fit_unscaled(clf, X, y):
        assert_intact(clf, snap)
    else:
        assert_usable(clf)


@hypothesis_settings(
    HYPOTHESIS_EXAMPLES["huge_values_at_predict_give_probabilities_or_a_clear_error"]
)
@given(case=huge_case())
def test_huge_values_at_predict_give_probabilities_or_a_clear_error(case):
    X, _ = case
    clf = fitted(X=X0.astype(X.dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            proba = clf.predict_proba(X)
        except FloatingPointError as error:
            assert "output is NaN" in str(error) and "Scale X" in str(error)
            return
        log_proba = clf.predict_log_proba(X)
    assert proba.dtype == X.dtype
    assert np.isfinite(proba).all() and not np.isnan(log_proba).any()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


# ------------------------------------------------------------------------- counts

TABLE_CASES = {
    "fit": len(FIT_CASES),
    "warm_start fit": 5,
    "huge values": len(HUGE_CASES) + 2,
    "predict": len(PREDICT_CASES) * len(PREDICT_METHODS),
    "not fitted": len(PREDICT_METHODS) + 2,
    "feature names": len(FRAME_CASES) * (len(PREDICT_METHODS) + 2) + 2,
    "partial_fit": len(PARTIAL_FIT_CASES) + len(FIRST_PARTIAL_FIT_CASES),
    "parameters": len(PARAMETER_CASES) + 1,
    "class_weight values": 3,
    "validation set names": 3,
    "sample_weight scale": 2,
    "column-vector y": 1,
}
