"""The same model as MLPClassifier's one-hidden-layer network, option by option.

With the same ``random_state`` and every option renamed as the parameter table
says (``alpha`` -> ``learning_rate_init``, ``l2`` -> ``alpha``,
``hidden_size`` -> ``hidden_layer_sizes=(h,)``), both estimators start from the
same weights, take the same steps and must end on the same weights, intercepts
and loss curve: to 1e-7 relative in float64 for the first-order solvers.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from sklearn_scratchnet import ScratchMLPClassifier

SHARED = dict(random_state=0, shuffle=False, max_iter=6, tol=0.0, n_iter_no_change=50)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16, y[:600]


def _targets(y, kind):
    """Ten classes; two (one logistic output); or three labels per digit."""
    if kind == "multiclass":
        return y
    if kind == "binary":
        return np.where(y % 2 == 0, "even", "odd")
    return np.c_[y >= 5, y % 2 == 0, np.isin(y, [0, 6, 8, 9])].astype(int)


def _pair(**ours):
    """Our estimator and MLPClassifier with the same options, renamed."""
    theirs = dict(ours)
    theirs["hidden_layer_sizes"] = (theirs.pop("hidden_size", 16),)
    theirs["learning_rate_init"] = theirs.pop("alpha", 0.1)
    theirs["alpha"] = theirs.pop("l2", 0.0)
    ours.setdefault("hidden_size", 16)
    return (
        ScratchMLPClassifier(**{**SHARED, **ours}),
        MLPClassifier(**{**SHARED, **theirs}),
    )


def _fit_both(X, y, **options):
    ours, theirs = _pair(**options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs.fit(X, y)
    return ours, theirs


def _assert_same_model(ours, theirs, rtol):
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.out_activation_ == theirs.out_activation_
    assert ours.n_outputs_ == theirs.n_outputs_
    for mine, reference in zip(
        [*ours.coefs_, *ours.intercepts_],
        [*theirs.coefs_, *theirs.intercepts_],
        strict=True,
    ):
        assert mine.dtype == reference.dtype
        np.testing.assert_allclose(mine, reference, rtol=rtol, atol=rtol * 1e-3)


FIRST_ORDER = {
    "sgd": dict(solver="sgd", momentum=0.0),
    "sgd momentum": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False),
    "sgd nesterov": dict(solver="sgd", momentum=0.9, nesterovs_momentum=True),
    "sgd invscaling": dict(
        solver="sgd", momentum=0.5, learning_rate="invscaling", power_t=0.25
    ),
    "adam betas": dict(
        solver="adam", alpha=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-6
    ),
}


@pytest.mark.parametrize("solver", sorted(FIRST_ORDER))
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("targets", ["multiclass", "binary", "multilabel"])
def test_first_order_solvers_train_mlpclassifiers_model(
    digits, solver, activation, dtype, targets
):
    X, y = digits
    X, y = X.astype(dtype), _targets(y, targets)
    ours, theirs = _fit_both(
        X, y, activation=activation, batch_size=100, l2=1e-3, **FIRST_ORDER[solver],
    )  # fmt: skip
    rtol = 1e-7 if dtype == np.float64 else 1e-3
    _assert_same_model(ours, theirs, rtol)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=rtol)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=rtol)
    np.testing.assert_allclose(
        ours.predict_proba(X), theirs.predict_proba(X), rtol=rtol, atol=rtol * 1e-3
    )
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_the_adaptive_schedule_lowers_the_rate_as_mlpclassifier_does(digits):
    """A tolerance no pass meets: after each 2 passes without progress the
    step size is divided by 5, until it falls below 1e-6 and training stops."""
    X, y = digits
    ours, theirs = _fit_both(
        X, y, solver="sgd", momentum=0.9, learning_rate="adaptive", batch_size=200,
        tol=10.0, n_iter_no_change=2, max_iter=60,
    )  # fmt: skip
    _assert_same_model(ours, theirs, 1e-7)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)
    assert ours._optimizer.learning_rate == theirs._optimizer.learning_rate < 1e-5
    assert ours.n_iter_ < 60


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("targets", ["multiclass", "binary", "multilabel"])
def test_lbfgs_trains_mlpclassifiers_model(digits, dtype, targets):
    X, y = digits
    y = _targets(y, targets)
    # In float32, rounding differences grow faster from one line search to the
    # next: fewer iterations keep the trajectories comparable.
    max_iter = 40 if dtype == np.float64 else 15
    ours, theirs = _fit_both(
        X.astype(dtype), y, solver="lbfgs", l2=1e-3, max_iter=max_iter, tol=1e-4
    )
    # L-BFGS-B amplifies rounding differences from one line search to the
    # next: the trajectories agree closely, not to the last bits.
    rtol = 1e-6 if dtype == np.float64 else 1e-2
    assert ours.n_iter_ == theirs.n_iter_
    for mine, reference in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=rtol, atol=rtol)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=rtol)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("targets", ["multiclass", "binary", "multilabel"])
def test_mlpclassifiers_attributes_are_there(digits, targets):
    X, y = digits
    ours, theirs = _fit_both(
        X, _targets(y, targets), solver="adam", alpha=0.01, batch_size=100
    )
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    for name in ("n_layers_", "n_outputs_", "out_activation_", "t_"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-12)


@pytest.mark.parametrize(
    "solver", ["sgd", "sgd momentum", "sgd nesterov", "adam betas"]
)
@pytest.mark.parametrize("targets", ["multiclass", "binary"])
def test_shuffled_mini_batches_follow_mlpclassifiers_order(digits, solver, targets):
    """Each pass reshuffles the previous pass's order from the same stream.

    600 samples in batches of 128 leave an uneven last batch of 88; over five
    passes the orders of passes 2 to 5 differ unless they compose as
    MLPClassifier's do.
    """
    X, y = digits
    ours, theirs = _fit_both(
        X, _targets(y, targets), shuffle=True, batch_size=128, max_iter=5, l2=1e-3,
        **FIRST_ORDER[solver],
    )  # fmt: skip
    assert len(X) % 128 != 0
    _assert_same_model(ours, theirs, 1e-7)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)
    assert len(ours.loss_curve_) == 5


def test_partial_fit_first_call_shuffles_as_mlpclassifier(digits):
    """partial_fit's first call: MLPClassifier's fresh stream and order.

    Later calls differ on purpose (see the parameter table): MLPClassifier
    reseeds on each call, here each call continues the stream of the ones
    before, as the passes of one fit do.
    """
    X, y = digits
    ours, theirs = _pair(solver="adam", alpha=0.01, shuffle=True, batch_size=128)
    ours.partial_fit(X, y, classes=np.arange(10))
    theirs.partial_fit(X, y, classes=np.arange(10))
    _assert_same_model(ours, theirs, 1e-7)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-7)
