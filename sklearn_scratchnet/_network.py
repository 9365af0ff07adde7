"""The origin note's two-layer network: initialisation, forward, loss, backward.

This module is the one place that holds the note's equations. It works on plain
NumPy arrays (dense or SciPy sparse input) and imports nothing from scikit-learn.

Layout
------
The note stores one sample per *column*: ``A0 = X^T`` is (784 x m) and
``Z1 = W1 . A0 + b1`` is (h x m). The code keeps one sample per *row*, the way
``X`` arrives, so no transposed copy of the data is ever made:

==========================  ===================================  ===============
note (sample per column)    code (sample per row)                shape in code
==========================  ===================================  ===============
``A0 = X^T``                ``A0 = X``                           (m, n_features)
``Z1 = W1 . A0 + b1``       ``Z1 = A0 @ W1.T + b1``              (m, h)
``A1 = g(Z1)``              ``A1 = g(Z1)``                       (m, h)
``Z2 = W2 . A1 + b2``       ``Z2 = A1 @ W2.T + b2``              (m, n_classes)
``A2 = softmax(Z2)``        ``A2 = softmax(Z2)`` (row-wise)      (m, n_classes)
``dZ2 = A2 - Y``            ``dZ2 = A2 - Y``                     (m, n_classes)
``dW2 = 1/m dZ2 . A1^T``    ``dW2 = dZ2.T @ A1`` (1/m in dZ2)    (n_classes, h)
``db2 = 1/m sum dZ2``       ``db2 = dZ2.sum(axis=0)``            (n_classes,)
``dZ1 = W2^T . dZ2 * g'``   ``dZ1 = (dZ2 @ W2) * g'(Z1)``        (m, h)
``dW1 = 1/m dZ1 . A0^T``    ``dW1 = dZ1.T @ A0``                 (h, n_features)
``db1 = 1/m sum dZ1``       ``db1 = dZ1.sum(axis=0)``            (h,)
==========================  ===================================  ===============

Every activation in the code is the transpose of the note's; the parameters
``W1`` (h x n_features), ``b1`` (h,), ``W2`` (n_classes x h), ``b2`` (n_classes,)
have exactly the note's shapes.

Two generalisations of the note, both reducing to it by default:

* ``sample_weight``: the note's ``1/m`` is each sample's share of the mean loss.
  With weights ``w`` that share becomes ``w_i / sum(w)``; with no weights it is
  exactly ``1/m``.
* ``l2``: an L2 penalty ``l2 / 2 * (||W1||^2 + ||W2||^2) / sum(w)`` on the weights
  (not the biases), the same objective as scikit-learn's ``MLPClassifier(alpha=l2)``.
"""

import numpy as np


def relu(Z):
    """ReLU(Z) = max(Z, 0), the note's hidden activation."""
    return np.maximum(Z, 0)


def logistic(Z):
    """The logistic sigmoid 1 / (1 + exp(-Z)), computed without overflow."""
    # tanh form: exact and never overflows, unlike 1 / (1 + exp(-Z)) for Z << 0.
    return 0.5 * (np.tanh(0.5 * Z) + 1)


def relu_derivative(Z1, A1):
    """ReLU'(Z1): 1 where the unit was active, 0 elsewhere."""
    return (Z1 > 0).astype(Z1.dtype)


def tanh_derivative(Z1, A1):
    """tanh'(Z1) = 1 - tanh(Z1)^2, written with the activation A1 = tanh(Z1)."""
    return 1 - A1 * A1


def logistic_derivative(Z1, A1):
    """sigma'(Z1) = sigma(Z1) (1 - sigma(Z1)), written with A1 = sigma(Z1)."""
    return A1 * (1 - A1)


#: The hidden activations g and their derivatives g', by name.
ACTIVATIONS = {"relu": relu, "tanh": np.tanh, "logistic": logistic}
DERIVATIVES = {
    "relu": relu_derivative,
    "tanh": tanh_derivative,
    "logistic": logistic_derivative,
}


def softmax(Z2):
    """Row-wise softmax, stable for logits of any magnitude.

    Subtracting each row's maximum leaves the result unchanged and keeps every
    ``exp`` in (0, 1], so nothing overflows.
    """
    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    E /= E.sum(axis=1, keepdims=True)
    return E


def log_softmax(Z2):
    """Row-wise ``log(softmax(Z2))``, finite for logits of any magnitude."""
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def one_hot(y, n_classes, dtype):
    """The note's ``Y``: one row per sample with a 1 in its class's column."""
    Y = np.zeros((y.shape[0], n_classes), dtype=dtype)
    Y[np.arange(y.shape[0]), y] = 1
    return Y


def init_params(n_features, hidden_size, n_classes, activation, random_state, dtype):
    """Draw the initial ``W1, b1, W2, b2``.

    The note leaves the initialisation open. We use Glorot-uniform, as
    scikit-learn's MLPClassifier does: weights and biases ~ U(-r, r) with
    ``r = sqrt(6 / (fan_in + fan_out))`` (``sqrt(2 / ...)`` for the logistic
    activation), which keeps the scale of the signal roughly constant through both
    layers whatever the input size.

    Parameters
    ----------
    n_features, hidden_size, n_classes : int
        Layer sizes: 784, h and 10 in the note.
    activation : {"relu", "tanh", "logistic"}
        Hidden activation; only changes the scale of the draw.
    random_state : numpy.random.RandomState
        Source of randomness.
    dtype : numpy dtype
        float32 or float64.

    Returns
    -------
    W1, b1, W2, b2 : ndarray
        Shapes (h, n_features), (h,), (n_classes, h), (n_classes,).
    """
    factor = 2.0 if activation == "logistic" else 6.0

    def uniform(fan_in, fan_out, shape):
        bound = np.sqrt(factor / (fan_in + fan_out))
        return random_state.uniform(-bound, bound, size=shape).astype(dtype)

    W1 = uniform(n_features, hidden_size, (hidden_size, n_features))
    b1 = uniform(n_features, hidden_size, (hidden_size,))
    W2 = uniform(hidden_size, n_classes, (n_classes, hidden_size))
    b2 = uniform(hidden_size, n_classes, (n_classes,))
    return W1, b1, W2, b2


def forward(A0, params, activation="relu"):
    """Forward propagation, the note's four equations.

    Parameters
    ----------
    A0 : ndarray or sparse matrix of shape (m, n_features)
        The input X, one sample per row.
    params : tuple of ndarray
        ``(W1, b1, W2, b2)``.
    activation : {"relu", "tanh", "logistic"}, default="relu"
        The hidden activation g.

    Returns
    -------
    Z1, A1, Z2, A2 : ndarray
        Pre-activation and activation of the hidden layer (m, h), logits and
        softmax probabilities of the output layer (m, n_classes).
    """
    W1, b1, W2, b2 = params
    Z1 = A0 @ W1.T + b1  # Z1 = W1 . A0 + b1
    A1 = ACTIVATIONS[activation](Z1)  # A1 = g(Z1)
    Z2 = A1 @ W2.T + b2  # Z2 = W2 . A1 + b2
    A2 = softmax(Z2)  # A2 = softmax(Z2)
    return Z1, A1, Z2, A2


def logits(A0, params, activation="relu"):
    """The output layer's Z2 alone, for prediction (no softmax needed for argmax)."""
    W1, b1, W2, b2 = params
    return ACTIVATIONS[activation](A0 @ W1.T + b1) @ W2.T + b2


def _sample_shares(m, sample_weight, dtype):
    """Each sample's share of the mean: the note's 1/m, or w_i / sum(w)."""
    if sample_weight is None:
        return np.full(m, 1.0 / m, dtype=dtype), float(m)
    weight_sum = float(sample_weight.sum())
    return (sample_weight / weight_sum).astype(dtype, copy=False), weight_sum


def loss(Z2, y, params, sample_weight=None, l2=0.0):
    """Mean softmax cross-entropy of the logits Z2, plus the L2 penalty.

    Computed from the logits through ``log_softmax``, so it stays finite for
    logits of any magnitude (no ``log(0)``).

    Parameters
    ----------
    Z2 : ndarray of shape (m, n_classes)
        Output-layer logits from :func:`forward`.
    y : ndarray of shape (m,)
        Class indices in ``0 .. n_classes - 1``.
    params : tuple of ndarray
        ``(W1, b1, W2, b2)``, for the penalty.
    sample_weight : ndarray of shape (m,), default=None
        Non-negative weights with a positive sum; None means all ones.
    l2 : float, default=0.0
        L2 penalty strength.

    Returns
    -------
    loss : float
    """
    m = Z2.shape[0]
    shares, weight_sum = _sample_shares(m, sample_weight, Z2.dtype)
    log_likelihood = log_softmax(Z2)[np.arange(m), y]
    value = -float(shares @ log_likelihood)
    if l2:
        W1, _, W2, _ = params
        squared = float(np.vdot(W1, W1)) + float(np.vdot(W2, W2))
        value += 0.5 * l2 * squared / weight_sum
    return value


def backward(A0, y, params, cache, activation="relu", sample_weight=None, l2=0.0):
    """Backward propagation: the gradient of :func:`loss` for each parameter.

    Parameters
    ----------
    A0 : ndarray or sparse matrix of shape (m, n_features)
        The input X of the forward pass.
    y : ndarray of shape (m,)
        Class indices in ``0 .. n_classes - 1``.
    params : tuple of ndarray
        ``(W1, b1, W2, b2)``.
    cache : tuple of ndarray
        ``(Z1, A1, Z2, A2)`` as returned by :func:`forward`.
    activation : {"relu", "tanh", "logistic"}, default="relu"
        The hidden activation g used in the forward pass.
    sample_weight : ndarray of shape (m,), default=None
        Non-negative weights with a positive sum; None means all ones.
    l2 : float, default=0.0
        L2 penalty strength.

    Returns
    -------
    dW1, db1, dW2, db2 : ndarray
        Gradients shaped like ``W1, b1, W2, b2``.
    """
    W1, b1, W2, b2 = params
    Z1, A1, Z2, A2 = cache
    m, n_classes = A2.shape
    shares, weight_sum = _sample_shares(m, sample_weight, A2.dtype)

    # dZ2 = A2 - Y, with the note's 1/m (each sample's share) folded in once here,
    # so that every product below already carries it.
    dZ2 = (A2 - one_hot(y, n_classes, A2.dtype)) * shares[:, np.newaxis]
    dW2 = dZ2.T @ A1  # dW2 = 1/m dZ2 . A1^T
    db2 = dZ2.sum(axis=0)  # db2 = 1/m sum(dZ2)
    dZ1 = (dZ2 @ W2) * DERIVATIVES[activation](Z1, A1)  # dZ1 = W2^T . dZ2 * g'(Z1)
    dW1 = np.asarray(dZ1.T @ A0)  # dW1 = 1/m dZ1 . A0^T
    db1 = dZ1.sum(axis=0)  # db1 = 1/m sum(dZ1)

    if l2:
        dW1 += (l2 / weight_sum) * W1
        dW2 += (l2 / weight_sum) * W2
    return dW1, db1, dW2, db2
