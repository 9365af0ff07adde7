"""The note's math: equations, numerical stability and gradients."""

import numpy as np
import pytest

from sklearn_scratchnet import _network
from sklearn_scratchnet._targets import class_weights_per_sample

ACTIVATION_NAMES = sorted(_network.ACTIVATIONS)


def _problem(seed=0, m=13, n_features=6, hidden=5, n_classes=4, activation="relu"):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(m, n_features))
    y = np.arange(m) % n_classes
    params = _network.init_params(
        n_features, hidden, n_classes, activation, rng, np.float64
    )
    return X, y, params


def test_forward_and_backward_match_the_note_written_column_wise():
    """The sample-major code equals the note's equations in the note's layout."""
    X, y, params = _problem()
    W1, b1, W2, b2 = params
    m = X.shape[0]

    # The note, literally: one sample per column.
    A0 = X.T
    Z1 = W1 @ A0 + b1[:, None]
    A1 = np.maximum(Z1, 0)
    Z2 = W2 @ A1 + b2[:, None]
    A2 = np.exp(Z2) / np.exp(Z2).sum(axis=0)
    Y = np.eye(W2.shape[0])[:, y]
    dZ2 = A2 - Y
    dW2 = 1 / m * dZ2 @ A1.T
    db2 = 1 / m * dZ2.sum(axis=1)
    dZ1 = W2.T @ dZ2 * (Z1 > 0)
    dW1 = 1 / m * dZ1 @ A0.T
    db1 = 1 / m * dZ1.sum(axis=1)

    cache = _network.forward(X, params)
    for ours, note in zip(cache, (Z1, A1, Z2, A2), strict=True):
        np.testing.assert_allclose(ours, note, rtol=1e-12)
    grads = _network.backward(X, y, params, cache)
    for ours, note in zip(grads, (dW1, db1, dW2, db2), strict=True):
        np.testing.assert_allclose(ours, note, rtol=1e-10, atol=1e-15)


def _numerical_gradient(f, param, eps=1e-6):
    grad = np.zeros_like(param)
    for index in np.ndindex(param.shape):
        saved = param[index]
        param[index] = saved + eps
        plus = f()
        param[index] = saved - eps
        minus = f()
        param[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(numeric, analytic):
    return np.linalg.norm(numeric - analytic) / (
        np.linalg.norm(numeric) + np.linalg.norm(analytic)
    )


def assert_gradients_match(objective, params, analytic):
    """Each gradient of ``analytic`` against central differences of ``objective``."""
    for name, param, grad in zip(
        ("W1", "b1", "W2", "b2"), params, analytic, strict=True
    ):
        error = relative_error(_numerical_gradient(objective, param), grad)
        assert error < 1e-6, f"d{name}: relative error {error:.2e}"


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("weighting", ["none", "sample_weight", "class_weight"])
def test_gradients_match_central_differences(activation, l2, weighting):
    X, y, params = _problem(seed=1, activation=activation)
    rng = np.random.RandomState(2)
    sample_weight = None
    if weighting == "sample_weight":
        sample_weight = rng.uniform(0.1, 3.0, size=X.shape[0])
    elif weighting == "class_weight":
        sample_weight, _ = class_weights_per_sample(
            {0: 5.0, 2: 0.25}, np.arange(4), y, np.ones(X.shape[0])
        )

    def objective():
        Z2 = _network.forward(X, params, activation)[2]
        return _network.loss(Z2, y, params, sample_weight, l2)

    cache = _network.forward(X, params, activation)
    analytic = _network.backward(X, y, params, cache, activation, sample_weight, l2)
    assert_gradients_match(objective, params, analytic)


def test_relu_derivative_sees_the_kink():
    """A wrong g' (e.g. tanh's on ReLU units) must break the gradient check."""
    X, y, params = _problem(seed=1)
    cache = _network.forward(X, params, "relu")
    right = _network.backward(X, y, params, cache, "relu")[0]
    wrong = _network.backward(X, y, params, cache, "tanh")[0]
    assert not np.allclose(right, wrong)


@pytest.mark.parametrize("scale", [1e4, -1e4, 1e300])
def test_softmax_and_loss_are_finite_for_huge_logits(scale):
    Z2 = np.array([[1.0, 0.0, -1.0], [0.0, 0.5, 0.0]]).T * scale  # 2 samples
    A2 = _network.softmax(Z2)
    assert np.isfinite(A2).all()
    np.testing.assert_allclose(A2.sum(axis=0), 1.0)
    assert np.isfinite(_network.log_softmax(Z2)).all()
    y = np.array([2, 0])
    params = (np.zeros((1, 1)), None, np.zeros((1, 1)), None)
    value = _network.loss(Z2, y, params)
    assert np.isfinite(value) and value > 0


def test_loss_is_cross_entropy_of_softmax():
    rng = np.random.RandomState(0)
    Z2 = rng.normal(size=(3, 8))
    y = rng.randint(0, 3, size=8)
    expected = -np.mean(np.log(_network.softmax(Z2)[y, np.arange(8)]))
    params = (np.zeros((1, 1)), None, np.zeros((1, 1)), None)
    assert _network.loss(Z2, y, params) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_float32_stays_float32(activation):
    X, y, params = _problem(activation=activation)
    X = X.astype(np.float32)
    params = tuple(p.astype(np.float32) for p in params)
    cache = _network.forward(X, params, activation)
    grads = _network.backward(X, y, params, cache, activation, np.ones(13), 0.1)
    assert {a.dtype for a in (*cache, *grads)} == {np.dtype(np.float32)}


def test_logistic_does_not_overflow():
    with np.errstate(over="raise"):
        values = _network.logistic(np.array([-1e4, 0.0, 1e4]))
    np.testing.assert_array_equal(values, [0.0, 0.5, 1.0])


def test_init_params_shapes_and_scale():
    rng = np.random.RandomState(0)
    W1, b1, W2, b2 = _network.init_params(784, 10, 10, "relu", rng, np.float32)
    assert (W1.shape, b1.shape, W2.shape, b2.shape) == (
        (10, 784),
        (10,),
        (10, 10),
        (10,),
    )
    assert W1.dtype == np.float32
    bound = np.sqrt(6 / (784 + 10))
    assert np.abs(W1).max() <= bound and np.abs(W1).max() > 0.9 * bound


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("l2", [0.0, 0.7])
def test_blocked_loss_and_gradients_equal_the_whole_batch(weighted, l2):
    X, y, params = _problem(seed=3, m=23)
    sample_weight = np.random.RandomState(4).uniform(0, 2, 23) if weighted else None
    cache = _network.forward(X, params)
    whole_loss = _network.loss(cache[2], y, params, sample_weight, l2)
    whole = _network.backward(X, y, params, cache, "relu", sample_weight, l2)
    for block_rows in (5, 23, 100):
        value, grads = _network.loss_and_gradients(
            X, y, params, "relu", sample_weight, l2, block_rows=block_rows
        )
        assert value == pytest.approx(whole_loss, rel=1e-12)
        for blocked, reference in zip(grads, whole, strict=True):
            np.testing.assert_allclose(blocked, reference, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_loss_in_blocks_adds_the_same_l2_penalty_as_the_whole(dtype):
    """Two blank samples and a single hidden unit make every product exact, so
    the cross-entropy of two blocks adds up to the whole's exactly: the losses
    can differ only by how each adds the penalty."""
    params = _network.init_params(6, 1, 3, "relu", np.random.RandomState(0), dtype)
    X, y = np.zeros((2, 6), dtype), np.array([1, 1])
    whole = _network.loss_and_gradients(X, y, params, l2=0.3)[0]
    in_blocks = _network.loss_and_gradients(X, y, params, l2=0.3, block_rows=1)[0]
    assert in_blocks == whole


def _logistic_problem(kind, seed=5, m=13, activation="relu"):
    """Targets for logistic outputs: two classes (1 unit) or 3 labels (3 units)."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(m, 6))
    if kind == "binary":
        y, n_outputs = np.arange(m) % 2, 1
    else:
        y, n_outputs = (rng.uniform(size=(m, 3)) < 0.4).astype(float), 3
    params = _network.init_params(6, 5, n_outputs, activation, rng, np.float64)
    return X, y, params


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("weighted", [False, True])
def test_logistic_output_gradients_match_central_differences(
    kind, activation, weighted
):
    X, y, params = _logistic_problem(kind, activation=activation)
    sample_weight = (
        np.random.RandomState(6).uniform(0.1, 3.0, X.shape[0]) if weighted else None
    )
    out = "logistic"

    def objective():
        Z2 = _network.forward(X, params, activation, out)[2]
        return _network.loss(Z2, y, params, sample_weight, 0.2, output=out)

    cache = _network.forward(X, params, activation, out)
    analytic = _network.backward(
        X, y, params, cache, activation, sample_weight, 0.2, output=out
    )
    assert_gradients_match(objective, params, analytic)


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
def test_logistic_output_loss_is_binary_cross_entropy(kind):
    X, y, params = _logistic_problem(kind)
    Z1, A1, Z2, A2 = _network.forward(X, params, "relu", "logistic")
    np.testing.assert_allclose(A2, 1 / (1 + np.exp(-Z2)), rtol=1e-12)
    Y = y.reshape(len(y), -1).T
    expected = -np.mean((Y * np.log(A2) + (1 - Y) * np.log(1 - A2)).sum(axis=0))
    value = _network.loss(Z2, y, params, output="logistic")
    assert value == pytest.approx(expected, rel=1e-12)
    hits = _network.correct(Z2, y, "logistic")
    np.testing.assert_array_equal(hits, ((A2 > 0.5) == (Y == 1)).all(axis=0))


@pytest.mark.parametrize("scale", [1e4, -1e4, 1e300])
def test_binary_cross_entropy_is_finite_for_huge_logits(scale):
    Z2 = np.array([[1.0, -1.0, 0.5]]) * scale
    y = np.array([0, 1, 1])
    params = (np.zeros((1, 1)), None, np.zeros((1, 1)), None)
    value = _network.loss(Z2, y, params, output="logistic")
    assert np.isfinite(value) and value > 0


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
def test_blocked_logistic_loss_and_gradients_equal_the_whole_batch(kind):
    X, y, params = _logistic_problem(kind, m=23)
    cache = _network.forward(X, params, "tanh", "logistic")
    whole_loss = _network.loss(cache[2], y, params, l2=0.5, output="logistic")
    whole = _network.backward(X, y, params, cache, "tanh", l2=0.5, output="logistic")
    value, grads = _network.loss_and_gradients(
        X, y, params, "tanh", l2=0.5, block_rows=5, output="logistic"
    )
    assert value == pytest.approx(whole_loss, rel=1e-12)
    for blocked, reference in zip(grads, whole, strict=True):
        np.testing.assert_allclose(blocked, reference, rtol=1e-12, atol=1e-15)


def _note_loss_and_gradients(X, y, params, activation, sample_weight, l2, output, mask):
    """The loss and gradients by the note's functions, one after the other."""
    cache = _network.forward(X, params, activation, output, mask)
    value = _network.loss(cache[2], y, params, sample_weight, l2, output=output)
    grads = _network.backward(
        X, y, params, cache, activation, sample_weight, l2, output=output, mask=mask
    )
    return value, grads


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("kind", ["multiclass", "binary", "multilabel"])
@pytest.mark.parametrize(
    ("weighted", "l2", "dropout", "sparse"),
    [(False, 0.0, False, False), (True, 0.3, False, False),
     (False, 0.0, True, False), (True, 0.0, True, True)],
)  # fmt: skip
def test_the_faster_step_gives_the_notes_numbers_bit_for_bit(
    dtype, activation, kind, weighted, l2, dropout, sparse
):
    """One block of the training step computes the note's numbers in fewer passes
    (shared exponentials, dZ2 without a one-hot Y, products overwritten in place):
    the loss and every gradient must equal the note's functions' to the last bit."""
    from scipy import sparse as sp

    if kind == "multiclass":
        X, y, params = _problem(seed=7, m=17, activation=activation)
        output = "softmax"
    else:
        X, y, params = _logistic_problem(kind, seed=7, m=17, activation=activation)
        output = "logistic"
    X = X.astype(dtype)
    params = tuple(p.astype(dtype) for p in params)
    rng = np.random.default_rng(1)
    sample_weight = rng.uniform(0, 2, X.shape[0]) if weighted else None
    mask = None
    if dropout:
        shape = (params[0].shape[0], X.shape[0])
        mask = _network.dropout_mask(rng, shape, 0.4, dtype)
    if sparse:
        X = np.where(X > 0.3, X, 0).astype(dtype)
    X_in = sp.csr_matrix(X) if sparse else X
    expected = _note_loss_and_gradients(
        X_in, y, params, activation, sample_weight, l2, output, mask
    )
    value, grads = _network.loss_and_gradients(
        X_in, y, params, activation, sample_weight, l2, output=output, mask=mask
    )
    assert value == expected[0]
    for fast, note in zip(grads, expected[1], strict=True):
        assert fast.dtype == note.dtype and fast.shape == note.shape
        np.testing.assert_array_equal(fast, note)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("kind", ["multiclass", "binary", "multilabel"])
def test_prediction_gives_the_notes_forward_pass(activation, kind):
    """Prediction's logits, in blocks, and its probabilities are the note's
    ``Z2`` and ``A2`` (one row per sample); with two classes the rows are
    ``[1 - p, p]``; the predictions are the most probable class or each
    label's probability above 0.5."""
    if kind == "multiclass":
        X, y, params = _problem(seed=3, m=40, activation=activation)
        output = "softmax"
    else:
        X, y, params = _logistic_problem(kind, seed=3, m=40, activation=activation)
        output = "logistic"
    _, _, Z2, A2 = _network.forward(X, params, activation, output)
    logits = _network.logits(X, params, activation)
    np.testing.assert_allclose(logits, Z2, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(
        _network.prediction_logits(X, params, activation), logits
    )
    two_classes = kind == "binary"
    proba = _network.output_probabilities(logits, output, two_classes=two_classes)
    log_proba = _network.output_probabilities(
        logits, output, log=True, two_classes=two_classes
    )
    expected = np.vstack([1 - A2, A2]).T if two_classes else A2.T
    np.testing.assert_allclose(proba, expected, rtol=1e-12)
    np.testing.assert_allclose(log_proba, np.log(expected), rtol=1e-12)
    predicted = _network.predictions(logits, output)
    if output == "softmax":
        np.testing.assert_array_equal(predicted, A2.argmax(axis=0))
    else:
        np.testing.assert_array_equal(predicted, A2 > 0.5)


def test_prediction_logits_are_computed_in_blocks(monkeypatch):
    """Rows beyond one prediction block are computed block by block, each block
    the logits of its rows."""
    X, _, params = _problem(seed=4, m=25)
    blocks = []
    real = _network.logits

    def spy(X_block, *args, **kwargs):
        blocks.append(X_block.shape[0])
        return real(X_block, *args, **kwargs)

    monkeypatch.setattr(_network, "prediction_block_rows", lambda hidden_size: 10)
    monkeypatch.setattr(_network, "logits", spy)
    Z2 = _network.prediction_logits(X, params, "relu")
    assert blocks == [10, 10, 5]
    np.testing.assert_allclose(Z2, real(X, params, "relu"), rtol=1e-12)


def test_nan_logits_are_refused_and_huge_ones_bounded():
    X, _, params = _problem(seed=4, m=6)
    W1, b1, W2, b2 = (p.copy() for p in params)
    b2[:] = [np.inf, -np.inf, 0.0, 1.0]
    Z2 = _network.prediction_logits(X, (W1, b1, W2, b2), "relu")
    half = np.finfo(np.float64).max / 2
    np.testing.assert_array_equal(Z2[0], half)
    np.testing.assert_array_equal(Z2[1], -half)
    b2[0] = np.nan
    with pytest.raises(FloatingPointError, match="overflowed float64"):
        _network.prediction_logits(X, (W1, b1, W2, b2), "relu")
