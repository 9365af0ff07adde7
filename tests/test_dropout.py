"""Inverted dropout on the hidden layer: the mask, its gradients, the steps, the fit."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError
from test_network import assert_gradients_match, relative_error

from sklearn_scratchnet import ScratchMLPClassifier, _network, _steps
from sklearn_scratchnet._optimizers import Adam, GradientDescent

ACTIVATION_NAMES = sorted(_network.ACTIVATIONS)


def _problem(seed=0, m=13, n_features=6, hidden=7, n_classes=4, dtype=np.float64):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(m, n_features)).astype(dtype)
    y = np.arange(m) % n_classes
    params = _network.init_params(n_features, hidden, n_classes, "tanh", rng, dtype)
    # Larger biases than Glorot's put tanh and the logistic away from their
    # linear middle, where a g' taken from the wrong activation would show.
    params[1][:] = rng.uniform(-1.5, 1.5, size=hidden)
    return X, y, params


def _mask(shape, rate=0.4, seed=7, dtype=np.float64):
    mask = _network.dropout_mask(np.random.default_rng(seed), shape, rate, dtype)
    # A mask that drops nothing or everything would not test much.
    assert 0 < np.count_nonzero(mask) < mask.size
    return mask


# ------------------------------------------------------------------- the mask


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_the_mask_drops_about_rate_and_keeps_the_mean(dtype, rate):
    shape = (200, 500)
    mask = _network.dropout_mask(np.random.default_rng(0), shape, rate, dtype)
    assert mask.shape == shape and mask.dtype == dtype
    scale = dtype(1 / (1 - rate))
    assert set(np.unique(mask)) == {dtype(0), scale}
    n = mask.size
    dropped = np.mean(mask == 0)
    # Four standard deviations of a binomial proportion.
    assert abs(dropped - rate) < 4 * np.sqrt(rate * (1 - rate) / n)
    # E[M] = (1 - rate) / (1 - rate) = 1, within four standard deviations.
    spread = float(scale) * np.sqrt(rate * (1 - rate) / n)
    assert abs(float(mask.mean(dtype=np.float64)) - 1) < 4 * spread


def test_the_mask_follows_its_generator():
    def draw(seed):
        return _network.dropout_mask(np.random.default_rng(seed), (5, 9), 0.5, float)

    np.testing.assert_array_equal(draw(3), draw(3))
    assert not np.array_equal(draw(3), draw(4))


# ----------------------------------------------------- forward and backward


def test_forward_and_backward_with_a_mask_match_the_equations_column_wise():
    """``A1 = g(Z1) * M`` and ``dZ1 = W2^T . dZ2 * M * g'(Z1)``, literally."""
    X, y, params = _problem()
    W1, b1, W2, b2 = params
    m = X.shape[0]
    M = _mask((W1.shape[0], m))

    A0 = X.T
    Z1 = W1 @ A0 + b1[:, None]
    A1 = np.tanh(Z1) * M
    Z2 = W2 @ A1 + b2[:, None]
    A2 = np.exp(Z2) / np.exp(Z2).sum(axis=0)
    Y = np.eye(W2.shape[0])[:, y]
    dZ2 = A2 - Y
    dW2 = 1 / m * dZ2 @ A1.T
    db2 = 1 / m * dZ2.sum(axis=1)
    dZ1 = W2.T @ dZ2 * M * (1 - np.tanh(Z1) ** 2)
    dW1 = 1 / m * dZ1 @ A0.T
    db1 = 1 / m * dZ1.sum(axis=1)

    cache = _network.forward(X, params, "tanh", mask=M)
    for ours, equation in zip(cache, (Z1, A1, Z2, A2), strict=True):
        np.testing.assert_allclose(ours, equation, rtol=1e-12)
    grads = _network.backward(X, y, params, cache, "tanh", mask=M)
    for ours, equation in zip(grads, (dW1, db1, dW2, db2), strict=True):
        np.testing.assert_allclose(ours, equation, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize(("l2", "weighted"), [(0.0, False), (0.3, True)])
def test_gradients_with_a_fixed_mask_match_central_differences(
    activation, l2, weighted
):
    """With the mask held fixed the dropped-out network is a deterministic
    function of the weights: backward must be its gradient."""
    X, y, params = _problem(seed=1)
    mask = _mask((params[0].shape[0], X.shape[0]))
    sample_weight = None
    if weighted:
        sample_weight = np.random.RandomState(2).uniform(0.1, 3.0, X.shape[0])

    def objective():
        Z2 = _network.forward(X, params, activation, mask=mask)[2]
        return _network.loss(Z2, y, params, sample_weight, l2)

    cache = _network.forward(X, params, activation, mask=mask)
    analytic = _network.backward(
        X, y, params, cache, activation, sample_weight, l2, mask=mask
    )
    assert_gradients_match(objective, params, analytic)


@pytest.mark.parametrize("activation", ["tanh", "logistic"])
def test_g_prime_written_with_the_dropped_out_activation_fails_the_check(activation):
    """The derivatives of tanh and the logistic are written with g(Z1); the cache's
    A1 is g(Z1) * M. Taking g' from it gives another, wrong gradient: the check
    above would see the mistake."""
    X, y, params = _problem(seed=1)
    mask = _mask((params[0].shape[0], X.shape[0]))
    cache = _network.forward(X, params, activation, mask=mask)
    Z1, A1 = cache[:2]
    right = _network.backward(X, y, params, cache, activation, mask=mask)[0]
    upstream = (cache[3] - np.eye(4)[:, y]) / X.shape[0]
    wrong_dZ1 = (params[2].T @ upstream) * mask
    wrong_dZ1 *= _network.DERIVATIVES[activation](Z1, A1)
    assert relative_error(wrong_dZ1 @ X, right) > 1e-3


def test_no_mask_is_no_dropout():
    X, y, params = _problem()
    plain = _network.forward(X, params, "logistic")
    with_none = _network.forward(X, params, "logistic", mask=None)
    ones = np.ones((params[0].shape[0], X.shape[0]))
    with_ones = _network.forward(X, params, "logistic", mask=ones)
    for a, b, c in zip(plain, with_none, with_ones, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    grads = _network.backward(X, y, params, plain, "logistic")
    grads_ones = _network.backward(X, y, params, with_ones, "logistic", mask=ones)
    for a, b in zip(grads, grads_ones, strict=True):
        np.testing.assert_array_equal(a, b)


def test_identity_keeps_z1_undropped_in_the_cache():
    """The identity's g(Z1) is Z1 itself: the mask must not overwrite Z1."""
    X, y, params = _problem()
    mask = _mask((params[0].shape[0], X.shape[0]))
    Z1, A1, _, _ = _network.forward(X, params, "identity", mask=mask)
    np.testing.assert_allclose(Z1, _network.forward(X, params, "identity")[0])
    np.testing.assert_array_equal(A1, Z1 * mask)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("weighted", [False, True])
def test_blocked_loss_and_gradients_slice_the_mask(activation, weighted):
    X, y, params = _problem(seed=3, m=23)
    sample_weight = np.random.RandomState(4).uniform(0, 2, 23) if weighted else None
    mask = _mask((params[0].shape[0], 23))
    cache = _network.forward(X, params, activation, mask=mask)
    whole_loss = _network.loss(cache[2], y, params, sample_weight, 0.2)
    whole = _network.backward(
        X, y, params, cache, activation, sample_weight, 0.2, mask=mask
    )
    for block_rows in (5, 23):
        value, grads = _network.loss_and_gradients(
            X, y, params, activation, sample_weight, 0.2, block_rows, mask=mask
        )
        assert value == pytest.approx(whole_loss, rel=1e-12)
        for blocked, reference in zip(grads, whole, strict=True):
            np.testing.assert_allclose(blocked, reference, rtol=1e-12, atol=1e-15)
    # And the mask matters: without it the gradients are others.
    unmasked = _network.loss_and_gradients(X, y, params, activation, block_rows=5)
    assert not np.allclose(unmasked[1][0], whole[0])


def _logistic_problem(kind, seed=5, m=23):
    """Logistic outputs: two classes (1 unit) or 3 labels (3 units)."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(m, 6))
    if kind == "binary":
        y, n_outputs = np.arange(m) % 2, 1
    else:
        y, n_outputs = (rng.uniform(size=(m, 3)) < 0.4).astype(float), 3
    params = _network.init_params(6, 7, n_outputs, "tanh", rng, np.float64)
    params[1][:] = rng.uniform(-1.5, 1.5, size=7)
    return X, y, params


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_logistic_output_gradients_with_a_fixed_mask_match_central_differences(
    kind, activation
):
    X, y, params = _logistic_problem(kind, m=13)
    mask = _mask((7, 13))
    out = "logistic"

    def objective():
        Z2 = _network.forward(X, params, activation, out, mask)[2]
        return _network.loss(Z2, y, params, None, 0.2, output=out)

    cache = _network.forward(X, params, activation, out, mask)
    analytic = _network.backward(
        X, y, params, cache, activation, None, 0.2, output=out, mask=mask
    )
    assert_gradients_match(objective, params, analytic)


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
def test_blocked_logistic_output_slices_the_mask(kind):
    X, y, params = _logistic_problem(kind)
    mask = _mask((7, 23))
    out = "logistic"
    cache = _network.forward(X, params, "tanh", out, mask)
    whole_loss = _network.loss(cache[2], y, params, l2=0.5, output=out)
    whole = _network.backward(
        X, y, params, cache, "tanh", l2=0.5, output=out, mask=mask
    )
    value, grads = _network.loss_and_gradients(
        X, y, params, "tanh", l2=0.5, block_rows=5, output=out, mask=mask
    )
    assert value == pytest.approx(whole_loss, rel=1e-12)
    for blocked, reference in zip(grads, whole, strict=True):
        np.testing.assert_allclose(blocked, reference, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ the steps


def _copies(arrays):
    return tuple(array.copy() for array in arrays)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_step_subtracts_the_gradient_of_its_mask(activation, dtype):
    """The step draws the mask from the generator it is given, and takes the
    gradient of the network dropped out by it: a gradient-descent step at rate
    1 subtracts exactly what ``loss_and_gradients`` gives for that mask."""
    X, y, params = _problem(m=40, hidden=9, dtype=dtype)
    mask = _network.dropout_mask(np.random.default_rng(11), (9, 40), 0.3, dtype)
    expected_loss, expected = _network.loss_and_gradients(
        X, y, params, activation, None, 0.1, mask=mask
    )
    tolerance = 1e-5 if dtype == np.float32 else 1e-9
    trained = _copies(params)
    steps = _steps.GradientSteps(
        trained, GradientDescent(trained, 1.0), activation, 0.1, dropout=0.3,
        rng=np.random.default_rng(11),
    )  # fmt: skip
    loss = steps.step(X, y, None)
    assert loss == pytest.approx(expected_loss, rel=tolerance)
    for old, new, grad in zip(params, trained, expected, strict=True):
        assert new.dtype == dtype
        np.testing.assert_allclose(old - new, grad, rtol=tolerance, atol=1e-6)


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
def test_a_step_with_logistic_outputs_takes_the_gradient_of_its_mask(kind):
    X, y, params = _logistic_problem(kind, m=40)
    mask = _network.dropout_mask(np.random.default_rng(3), (7, 40), 0.3, float)
    expected_loss, expected = _network.loss_and_gradients(
        X, y, params, "logistic", output="logistic", mask=mask
    )
    trained = _copies(params)
    steps = _steps.GradientSteps(
        trained, GradientDescent(trained, 1.0), "logistic", 0.0, "logistic",
        dropout=0.3, rng=np.random.default_rng(3),
    )  # fmt: skip
    loss = steps.step(X, y, None)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    for old, new, grad in zip(params, trained, expected, strict=True):
        np.testing.assert_allclose(old - new, grad, rtol=1e-9, atol=1e-14)


def _train(seed=5, dropout=0.5, n_steps=6):
    X, y, params = _problem(m=64, hidden=40)
    rng = np.random.default_rng(seed)
    steps = _steps.GradientSteps(
        params, Adam(params, 0.01), "tanh", 0.01, dropout=dropout, rng=rng
    )
    losses = [steps.step(X, y, None) for _ in range(n_steps)]
    return params, losses


def test_steps_with_dropout_are_reproducible_and_follow_the_generator():
    params, losses = _train()
    again, again_losses = _train()
    assert again_losses == losses
    for ours, repeated in zip(params, again, strict=True):
        np.testing.assert_array_equal(ours, repeated)
    other_masks, _ = _train(seed=6)
    assert not np.allclose(other_masks[0], params[0])


def test_no_dropout_draws_nothing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a mask was drawn without dropout")

    monkeypatch.setattr(_network, "dropout_mask", refuse)
    X, y, _ = _problem(m=64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ScratchMLPClassifier(
            hidden_size=8, solver="adam", batch_size=16, max_iter=2, random_state=0
        ).fit(X, y)
    with pytest.raises(AssertionError, match="a mask was drawn"):
        ScratchMLPClassifier(dropout=0.1, max_iter=1).fit(X, y)


# -------------------------------------------------------------- the estimator


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:600] / 16, y[:600]


def _fit(X, y, X_val=None, y_val=None, **params):
    settings = dict(
        hidden_size=64, solver="adam", alpha=0.01, batch_size=50, max_iter=4,
        dropout=0.3, random_state=0,
    )  # fmt: skip
    settings.update(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ScratchMLPClassifier(**settings).fit(X, y, X_val=X_val, y_val=y_val)


def _state(clf):
    return (clf.W1_, clf.b1_, clf.W2_, clf.b2_, np.array(clf.loss_curve_))


def _assert_same_state(first, second):
    for a, b in zip(_state(first), _state(second), strict=True):
        np.testing.assert_array_equal(a, b)


def test_same_random_state_same_fit_bitwise(digits):
    X, y = digits
    first, second = _fit(X, y), _fit(X, y)
    _assert_same_state(first, second)
    other_seed = _fit(X, y, random_state=1)
    assert not np.allclose(other_seed.W2_, first.W2_)
    no_dropout = _fit(X, y, dropout=0.0)
    assert not np.allclose(no_dropout.W2_, first.W2_)


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
def test_logistic_output_fits_with_dropout_are_reproducible(digits, kind):
    X, y = digits
    if kind == "binary":
        y = y % 2
    else:
        y = np.column_stack([y % 2, y < 5, y == 0]).astype(int)
    first, second = _fit(X, y), _fit(X, y)
    assert first.out_activation_ == "logistic"
    _assert_same_state(first, second)
    assert not np.allclose(_fit(X, y, dropout=0.0).W2_, first.W2_)
    assert first.score(X, y) > 0.7  # it learns


def test_partial_fit_and_warm_start_with_dropout_are_reproducible(digits):
    X, y = digits

    def partial_fits():
        clf = ScratchMLPClassifier(
            hidden_size=32, solver="adam", alpha=0.01, batch_size=50, dropout=0.3,
            random_state=0,
        )  # fmt: skip
        for start in range(0, 600, 200):
            clf.partial_fit(
                X[start : start + 200], y[start : start + 200], classes=range(10)
            )
        return clf

    first, second = partial_fits(), partial_fits()
    _assert_same_state(first, second)
    assert first.score(X, y) > 0.5  # it learns

    def warm_fits():
        clf = _fit(X, y, warm_start=True, max_iter=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return clf.fit(X, y)

    first, second = warm_fits(), warm_fits()
    _assert_same_state(first, second)
    assert len(first.loss_curve_) == 4


def test_prediction_and_validation_use_the_full_network(digits):
    X, y = digits
    X_val, y_val = X[400:], y[400:]
    clf = _fit(X[:400], y[:400], X_val, y_val, dropout=0.5)
    params = (clf.W1_, clf.b1_, clf.W2_, clf.b2_)
    _, _, Z2, A2 = _network.forward(X_val, params, clf.activation)
    np.testing.assert_allclose(clf.predict_proba(X_val), A2.T, rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X_val), np.argmax(A2, axis=0))
    # The last pass's validation loss and score are the full network's.
    assert clf.validation_loss_curve_[-1] == pytest.approx(
        _network.loss(Z2, y_val, params), rel=1e-12
    )
    assert clf.validation_scores_[-1] == pytest.approx(clf.score(X_val, y_val))
    # predict is deterministic: no mask at prediction.
    np.testing.assert_array_equal(clf.predict_proba(X_val), clf.predict_proba(X_val))


def test_the_loss_curve_is_the_dropped_out_networks(digits):
    """Half the hidden units gone makes the training loss higher than the full
    network's on the same data."""
    X, y = digits
    clf = _fit(X, y, dropout=0.5, max_iter=10)
    params = (clf.W1_, clf.b1_, clf.W2_, clf.b2_)
    full_loss = _network.loss(_network.forward(X, params)[2], y, params)
    assert clf.loss_curve_[-1] > full_loss


def test_float32_fits_stay_float32(digits):
    X, y = digits
    clf = _fit(X.astype(np.float32), y)
    assert {p.dtype for p in _state(clf)[:4]} == {np.dtype(np.float32)}


def test_lbfgs_with_dropout_is_refused_with_the_remedy(digits):
    X, y = digits
    fitted = _fit(X, y, dropout=0.0)
    W1 = fitted.W1_.copy()
    fitted.set_params(solver="lbfgs", dropout=0.2)
    with pytest.raises(ValueError, match=r"dropout=0.2 needs a stochastic solver.*"
                       r"solver='adam' or solver='sgd'"):  # fmt: skip
        fitted.fit(X, y)
    np.testing.assert_array_equal(fitted.W1_, W1)  # the fitted model is kept
    fitted.set_params(dropout=0.0, max_iter=5)  # without dropout, lbfgs trains
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted.fit(X, y)
    assert fitted.n_iter_ == 5


@pytest.mark.parametrize("value", [1.0, 1.5, -0.1, np.nan, "half"])
def test_invalid_dropout_is_named(value, digits):
    X, y = digits
    with pytest.raises(
        InvalidParameterError, match=r"'dropout' parameter.*\[0.0, 1.0\)"
    ):
        ScratchMLPClassifier(dropout=value).fit(X, y)
