"""The origin note's two-layer network: initialisation, forward, loss, backward.

This module holds the note's equations, in the note's order: the activations and
the softmax, the initial weights, forward propagation, the loss, backward
propagation and the output probabilities a prediction gives. The update
``W -= alpha dW`` that closes the note is
:meth:`sklearn_scratchnet._optimizers.GradientDescent.update_part`. After the
note's functions, a separate section computes the same numbers faster, in parts
that training steps and prediction share. The module works on
plain NumPy arrays (dense or SciPy sparse input) and imports nothing from
scikit-learn.

Array namespaces
----------------
Every function takes its namespace ``xp`` from its arrays
(:func:`sklearn_scratchnet._namespace.namespace`): NumPy itself for NumPy
arrays and SciPy sparse matrices, the array API namespace of any other array
(PyTorch on CPU or GPU, CuPy, array-api-strict), so that the same equations
compute on the arrays' device. NumPy-only refinements (``out=`` arguments,
boolean masks that multiply without a copy) stay on the NumPy path, where
they give the same numbers as always.

Layout
------
The code keeps the note's layout: one sample per *column*. ``X`` arrives with one
sample per row (m x n_features) and is only ever read transposed, never copied;
every activation has the note's shape:

==========================  =====================================  ==============
note                        code                                   shape
==========================  =====================================  ==============
``A0 = X^T``                ``X``, read transposed                 (n_features, m)
``Z1 = W1 . A0 + b1``       ``Z1 = (X @ W1.T).T + b1[:, None]``    (h, m)
``A1 = g(Z1)``              ``A1 = g(Z1)``                         (h, m)
``Z2 = W2 . A1 + b2``       ``Z2 = W2 @ A1 + b2[:, None]``         (n_classes, m)
``A2 = softmax(Z2)``        ``A2 = softmax(Z2)`` (column-wise)     (n_classes, m)
``dZ2 = A2 - Y``            ``dZ2 = (A2 - Y) * share``             (n_classes, m)
``dW2 = 1/m dZ2 . A1^T``    ``dW2 = dZ2 @ A1.T``                   (n_classes, h)
``db2 = 1/m sum dZ2``       ``db2 = xp.sum(dZ2, axis=1)``          (n_classes,)
``dZ1 = W2^T . dZ2 * g'``   ``dZ1 = (dZ2.T @ W2).T * g'(Z1)``      (h, m)
``dW1 = 1/m dZ1 . A0^T``    ``dW1 = dZ1 @ X``                      (h, n_features)
``db1 = 1/m sum dZ1``       ``db1 = xp.sum(dZ1, axis=1)``          (h,)
==========================  =====================================  ==============

``Z1`` is computed as ``(X W1^T)^T``: the same numbers as ``W1 . A0``, but BLAS
multiplies faster with the long sample axis first. ``W2^T . dZ2`` is computed as
``(dZ2^T W2)^T`` for the same layout as ``Z1``, which makes their elementwise
product fast. The note's layout also makes
the softmax fast: its sums and maxima run over the few classes of each column,
which NumPy vectorises across all samples at once.

Three generalisations of the note, each reducing to it by default:

* ``output="logistic"``: for two classes and for multilabel targets, the output
  layer is one logistic unit per label, ``A2 = sigma(Z2)``, with the binary
  cross-entropy, as scikit-learn's MLPClassifier has it. That pairing keeps the
  note's ``dZ2 = A2 - Y``, so backward propagation is unchanged; ``Y`` holds
  each label's 0 or 1 (:func:`targets`).

* ``sample_weight``: the note's ``1/m`` is each sample's share of the mean loss.
  With weights ``w`` that share becomes ``w_i / sum(w)``; with no weights it is
  exactly ``1/m`` (:func:`sample_shares`).
* ``l2``: an L2 penalty ``l2 / 2 * (||W1||^2 + ||W2||^2) / sum(w)`` on the weights
  (not the biases), the same objective as scikit-learn's ``MLPClassifier(alpha=l2)``
  (:func:`l2_penalty` and :func:`add_l2_gradient`).

One addition beyond the note, absent by default: inverted dropout on the hidden
layer during training. A mask ``M`` of shape (h, m) (:func:`dropout_mask`) holds 0
for a dropped unit of a sample and ``1 / (1 - rate)`` for a kept one, so that
``E[M] = 1``. The forward pass becomes ``A1 = g(Z1) * M`` (the cache's ``A1`` is the
dropped-out activation, which ``dW2 = 1/m dZ2 . A1^T`` uses) and the backward pass
``dZ1 = W2^T . dZ2 * M * g'(Z1)``, with ``g'(Z1)`` taken from the activation before
dropout. Without a mask (``mask=None``) nothing changes, not a bit.
"""

import math

import numpy as np

from sklearn_scratchnet._namespace import arange, namespace, zeros


def relu(Z, out=None):
    """ReLU(Z) = max(Z, 0) for Z of shape (h, m), into ``out`` if given."""
    # Against a column of zeros rather than the scalar 0: NumPy's maximum of two
    # arrays is vectorised, of an array and a scalar is not (twice as slow).
    zero = zeros((Z.shape[0], 1), like=Z)
    if out is None:
        return namespace(Z).maximum(Z, zero)
    return np.maximum(Z, zero, out=out)


def tanh(Z, out=None):
    """tanh(Z), into ``out`` if given."""
    if out is None:
        return namespace(Z).tanh(Z)
    return np.tanh(Z, out=out)


def logistic(Z, out=None):
    """The logistic sigmoid 1 / (1 + exp(-Z)), computed without overflow."""
    # tanh form: exact and never overflows, unlike 1 / (1 + exp(-Z)) for Z << 0.
    xp = namespace(Z)
    if xp is not np:
        return (xp.tanh(Z * 0.5) + 1) * 0.5
    out = np.multiply(Z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1
    out *= 0.5
    return out


def identity(Z, out=None):
    """The identity g(Z) = Z: a linear hidden layer (``out`` is None or Z)."""
    return Z


def identity_derivative(Z1, A1):
    """identity'(Z1) = 1."""
    return 1.0


def relu_derivative(Z1, A1):
    """ReLU'(Z1): 1 where the unit was active, 0 elsewhere.

    As booleans, which multiply as 1 and 0 without a floating-point copy
    (NumPy); as 0 and 1 of Z1's dtype in other namespaces, where booleans and
    floats do not mix.
    """
    xp = namespace(Z1)
    if xp is np:
        return Z1 > 0
    return xp.astype(Z1 > 0, Z1.dtype)


def tanh_derivative(Z1, A1):
    """tanh'(Z1) = 1 - tanh(Z1)^2, written with the activation A1 = tanh(Z1)."""
    return 1 - A1 * A1


def logistic_derivative(Z1, A1):
    """sigma'(Z1) = sigma(Z1) (1 - sigma(Z1)), written with A1 = sigma(Z1)."""
    return A1 * (1 - A1)


def dropout_mask(rng, shape, rate, dtype):
    """Draw an inverted-dropout mask ``M``: 0 with probability ``rate``, else
    ``1 / (1 - rate)``.

    Each entry is drawn independently, so ``E[M] = 1``: the dropped-out
    activations ``g(Z1) * M`` have the expected value of ``g(Z1)``, and the full
    network (no mask) is the right one for prediction.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    shape : tuple of int
        ``(h, m)``: one row per hidden unit, one column per sample, as ``A1``.
    rate : float
        The probability of dropping a unit, in [0, 1).
    dtype : numpy dtype
        float32 or float64.

    Returns
    -------
    M : ndarray of shape ``shape``
    """
    dtype = np.dtype(dtype)
    kept = rng.random(shape, dtype=dtype) >= rate
    return kept * dtype.type(1.0 / (1.0 - rate))


#: The hidden activations g, by name: ``g(Z, out=None)``, and their derivatives g'.
ACTIVATIONS = {
    "relu": relu,
    "tanh": tanh,
    "logistic": logistic,
    "identity": identity,
}
DERIVATIVES = {
    "identity": identity_derivative,
    "relu": relu_derivative,
    "tanh": tanh_derivative,
    "logistic": logistic_derivative,
}


def softmax(Z2):
    """Column-wise softmax (one column per sample), stable for any logits.

    Subtracting each column's maximum leaves the result unchanged and keeps every
    ``exp`` in (0, 1], so nothing overflows.
    """
    xp = namespace(Z2)
    E = xp.exp(Z2 - xp.max(Z2, axis=0))
    E /= xp.sum(E, axis=0)
    return E


def log_softmax(Z2):
    """Column-wise ``log(softmax(Z2))``, finite for logits of any magnitude."""
    xp = namespace(Z2)
    shifted = Z2 - xp.max(Z2, axis=0)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=0))


def softplus(Z):
    """``log(1 + exp(Z))``, finite for Z of any magnitude."""
    xp = namespace(Z)
    if xp is np:
        return np.logaddexp(0, Z)
    return xp.logaddexp(xp.zeros_like(Z), Z)


#: The output activations, by name: the note's softmax over the classes, or one
#: logistic unit per label (two classes, or multilabel targets).
OUTPUTS = {"softmax": softmax, "logistic": logistic}


def one_hot(y, n_classes, dtype):
    """The note's ``Y``: one column per sample with a 1 in its class's row."""
    xp = namespace(y)
    if xp is not np:  # no assignment through integer arrays in the array API
        return xp.astype(arange(n_classes, like=y)[:, None] == y[None, :], dtype)
    Y = np.zeros((n_classes, y.shape[0]), dtype=dtype)
    Y[y, np.arange(y.shape[0])] = 1
    return Y


def targets(y, n_outputs, output, dtype):
    """The note's ``Y`` (n_outputs, m): what each output unit should give.

    Parameters
    ----------
    y : ndarray of shape (m,) or (m, n_outputs)
        Class indices for the softmax output and for a single logistic output
        (two classes: index 0 or 1); a 0/1 indicator matrix for several
        logistic outputs (multilabel).
    n_outputs : int
        Output units.
    output : {"softmax", "logistic"}
        The output activation.
    dtype : numpy dtype
        The dtype of ``Y``.

    Returns
    -------
    Y : ndarray of shape (n_outputs, m)
    """
    if output == "softmax":
        return one_hot(y, n_outputs, dtype)
    xp = namespace(y)
    if xp is not np:
        return xp.astype(xp.reshape(y, (y.shape[0], n_outputs)).T, dtype)
    return y.reshape(y.shape[0], n_outputs).T.astype(dtype, copy=False)


def log_likelihood(Z2, y, output):
    """Each sample's log-likelihood of its targets under logits Z2: shape (m,).

    Softmax: ``log softmax(Z2)`` at the sample's class. Logistic: the sum over
    the outputs of ``Y log sigma(Z2) + (1 - Y) log(1 - sigma(Z2))``, written
    as ``Y Z2 - log(1 + exp(Z2))``, which is finite for logits of any size.
    """
    xp = namespace(Z2)
    m = Z2.shape[1]
    if output == "softmax":
        return log_softmax(Z2)[y, arange(m, like=Z2)]
    Y = targets(y, Z2.shape[0], output, Z2.dtype)
    return xp.sum(Y * Z2 - softplus(Z2), axis=0)


def correct(Z2, y, output):
    """Whether the prediction from logits Z2 is each sample's target: shape (m,).

    Softmax: the most probable class. Logistic: every output's probability on
    the target's side of 0.5 (a multilabel sample is right when all its labels
    are, as scikit-learn's ``accuracy_score`` counts it).
    """
    predicted = predictions(Z2, output)
    if output == "softmax":
        return predicted == y
    Y = targets(y, Z2.shape[0], output, Z2.dtype)
    return namespace(Z2).all(predicted == (Y == 1), axis=0)


def init_params(n_features, hidden_size, n_classes, activation, random_state, dtype):
    """Draw the initial ``W1, b1, W2, b2``.

    Here we depart from the note, which draws every weight and bias from
    U(-0.5, 0.5). We use Glorot-uniform, as scikit-learn's MLPClassifier
    does: weights and biases ~ U(-r, r) with
    ``r = sqrt(6 / (fan_in + fan_out))`` (``sqrt(2 / ...)`` for the logistic
    activation), which keeps the scale of the signal roughly constant through both
    layers whatever the input size. The draws are made in MLPClassifier's order
    and orientation, so the same ``random_state`` starts from exactly
    MLPClassifier's initial weights.

    Parameters
    ----------
    n_features, hidden_size, n_classes : int
        Layer sizes: 784, h and 10 in the note (``n_classes`` is the number of
        output units: 1 for a logistic output of two classes).
    activation : {"relu", "tanh", "logistic", "identity"}
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

    def layer(fan_in, fan_out):
        bound = np.sqrt(factor / (fan_in + fan_out))
        W = random_state.uniform(-bound, bound, size=(fan_in, fan_out))
        b = random_state.uniform(-bound, bound, size=fan_out)
        return np.ascontiguousarray(W.T, dtype=dtype), b.astype(dtype)

    W1, b1 = layer(n_features, hidden_size)
    W2, b2 = layer(hidden_size, n_classes)
    return W1, b1, W2, b2


def hidden_input(X, W1, b1):
    """``Z1 = W1 . A0 + b1`` with ``A0 = X^T``, computed as ``(X W1^T)^T + b1``.

    Works for dense and SciPy sparse X; the result is a new dense (h, m) array.
    """
    Z1_transposed = X @ W1.T  # a new array: add the bias in place
    if namespace(X) is np:
        Z1_transposed = np.asarray(Z1_transposed)  # dense, for sparse X
    Z1_transposed += b1
    return Z1_transposed.T


def forward(X, params, activation="relu", output="softmax", mask=None):
    """Forward propagation, the note's four equations.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (m, n_features)
        The input, one sample per row; the note's ``A0`` is its transpose.
    params : tuple of ndarray
        ``(W1, b1, W2, b2)``.
    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        The hidden activation g.
    output : {"softmax", "logistic"}, default="softmax"
        The output activation.
    mask : ndarray of shape (h, m), default=None
        A dropout mask from :func:`dropout_mask`: ``A1 = g(Z1) * M``. None
        means no dropout.

    Returns
    -------
    Z1, A1, Z2, A2 : ndarray
        Pre-activation and activation of the hidden layer (h, m), logits and
        probabilities of the output layer (n_outputs, m): one column per
        sample, as in the note. With a mask, ``A1`` is the dropped-out
        activation ``g(Z1) * M``.
    """
    W1, b1, W2, b2 = params
    Z1 = hidden_input(X, W1, b1)  # Z1 = W1 . A0 + b1
    A1 = ACTIVATIONS[activation](Z1)  # A1 = g(Z1)
    if mask is not None:
        A1 = A1 * mask  # A1 = g(Z1) * M: a new array (identity's g(Z1) is Z1)
    Z2 = W2 @ A1 + b2[:, None]  # Z2 = W2 . A1 + b2
    A2 = OUTPUTS[output](Z2)  # A2 = softmax(Z2)
    return Z1, A1, Z2, A2


def sample_shares(m, sample_weight, dtype, weight_sum=None, like=None):
    """Each sample's share of the mean: the note's 1/m, or w_i / sum(w).

    Parameters
    ----------
    m : int
        Number of samples.
    sample_weight : ndarray of shape (m,) or None
        Non-negative weights with a positive sum; None means all ones.
    dtype : numpy dtype
        The dtype of the shares.
    weight_sum : float, default=None
        The total weight of the whole batch when these m samples are one block
        of it; by default the total of these samples.
    like : array, default=None
        Without ``sample_weight``, an array whose namespace and device the
        shares take (NumPy by default).

    Returns
    -------
    shares : ndarray of shape (m,)
    weight_sum : float
    """
    xp = namespace(like if sample_weight is None else sample_weight)
    if weight_sum is None:
        weight_sum = m if sample_weight is None else xp.sum(sample_weight)
    weight_sum = float(weight_sum)
    if sample_weight is None:
        if xp is np:
            return np.full(m, 1.0 / weight_sum, dtype=dtype), weight_sum
        return zeros((m,), like=like) + 1.0 / weight_sum, weight_sum
    if xp is not np:
        return xp.astype(sample_weight / weight_sum, dtype), weight_sum
    return (sample_weight / weight_sum).astype(dtype, copy=False), weight_sum


def l2_penalty(params, l2, weight_sum):
    """The loss's L2 term ``l2 / 2 * (||W1||^2 + ||W2||^2) / sum(w)``, a float."""
    W1, _, W2, _ = params
    xp = namespace(W1)
    if xp is np:
        squared = float(np.vdot(W1, W1)) + float(np.vdot(W2, W2))
    else:
        squared = float(xp.sum(W1 * W1)) + float(xp.sum(W2 * W2))
    return 0.5 * l2 * squared / weight_sum


def add_l2_gradient(dW, W, l2, weight_sum):
    """Add the L2 term's gradient ``l2 / sum(w) * W`` to ``dW``, in place."""
    dW += (l2 / weight_sum) * W


def loss(Z2, y, params, sample_weight=None, l2=0.0, weight_sum=None, output="softmax"):
    """Mean cross-entropy of the logits Z2, plus the L2 penalty.

    Computed from the logits (:func:`log_likelihood`), so it stays finite for
    logits of any magnitude (no ``log(0)``).

    Parameters
    ----------
    Z2 : ndarray of shape (n_outputs, m)
        Output-layer logits from :func:`forward`, one column per sample.
    y : ndarray of shape (m,) or (m, n_outputs)
        The targets, as :func:`targets` takes them.
    params : tuple of ndarray
        ``(W1, b1, W2, b2)``, for the penalty.
    sample_weight : ndarray of shape (m,), default=None
        Non-negative weights with a positive sum; None means all ones.
    l2 : float, default=0.0
        L2 penalty strength.
    weight_sum : float, default=None
        Total weight of the whole batch when Z2 is one block of it; by default
        the total of these samples.
    output : {"softmax", "logistic"}, default="softmax"
        The output activation: softmax or binary cross-entropy.

    Returns
    -------
    loss : float
    """
    m = Z2.shape[1]
    shares, weight_sum = sample_shares(m, sample_weight, Z2.dtype, weight_sum, Z2)
    value = -float(shares @ log_likelihood(Z2, y, output))
    if l2:
        value += l2_penalty(params, l2, weight_sum)
    return value


def backward(
    X, y, params, cache, activation="relu", sample_weight=None, l2=0.0,
    weight_sum=None, output="softmax", mask=None,
):  # fmt: skip
    """Backward propagation: the gradient of :func:`loss` for each parameter.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (m, n_features)
        The input of the forward pass; the note's ``A0`` is its transpose.
    y : ndarray of shape (m,) or (m, n_outputs)
        The targets, as :func:`targets` takes them.
    params : tuple of ndarray
        ``(W1, b1, W2, b2)``.
    cache : tuple of ndarray
        ``(Z1, A1, Z2, A2)`` as returned by :func:`forward`.
    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        The hidden activation g used in the forward pass.
    sample_weight : ndarray of shape (m,), default=None
        Non-negative weights with a positive sum; None means all ones.
    l2 : float, default=0.0
        L2 penalty strength.
    weight_sum : float, default=None
        Total weight of the whole batch when X is one block of it; by default
        the total of these samples.
    output : {"softmax", "logistic"}, default="softmax"
        The output activation of the forward pass.
    mask : ndarray of shape (h, m), default=None
        The dropout mask of the forward pass; None means no dropout.

    Returns
    -------
    dW1, db1, dW2, db2 : ndarray
        Gradients shaped like ``W1, b1, W2, b2``.
    """
    W1, b1, W2, b2 = params
    Z1, A1, Z2, A2 = cache
    xp, m = namespace(A2), A2.shape[1]
    Y = targets(y, A2.shape[0], output, A2.dtype)
    # The note's 1/m, each sample's share, is folded into dZ2 once, so that every
    # product with dZ2 below already carries it.
    share, weight_sum = sample_shares(m, sample_weight, A2.dtype, weight_sum, A2)
    # g'(Z1), which tanh and logistic write with g(Z1): with dropout the cache's
    # A1 is g(Z1) * M, so g(Z1) is computed again, as it was before the mask.
    G1 = A1 if mask is None else ACTIVATIONS[activation](Z1)  # g(Z1), before M
    g_prime = DERIVATIVES[activation](Z1, G1)

    dZ2 = (A2 - Y) * share  # dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T  # dW2 = 1/m dZ2 . A1^T  (A1 = g(Z1) * M with dropout)
    db2 = xp.sum(dZ2, axis=1)  # db2 = 1/m sum(dZ2)
    dZ1 = dropped((dZ2.T @ W2).T, mask) * g_prime  # dZ1 = W2^T.dZ2 [* M] * g'(Z1)
    dW1 = dZ1 @ X  # dW1 = 1/m dZ1 . A0^T, and A0^T = X
    db1 = xp.sum(dZ1, axis=1)  # db1 = 1/m sum(dZ1)
    if xp is np:
        dW1 = np.asarray(dW1)  # dense, for sparse X

    if l2:
        add_l2_gradient(dW1, W1, l2, weight_sum)
        add_l2_gradient(dW2, W2, l2, weight_sum)
    return dW1, db1, dW2, db2


def dropped(values, mask):
    """``values * M``, in place; ``values`` themselves when there is no mask."""
    if mask is None:
        return values
    values *= mask
    return values


def predictions(Z2, output):
    """What the network predicts from its logits Z2.

    Softmax: each sample's most probable class, its row index, shape (m,).
    Logistic: whether each output's probability is above 0.5, booleans of
    shape (n_outputs, m).
    """
    if output == "softmax":
        return namespace(Z2).argmax(Z2, axis=0)
    return logistic(Z2) > 0.5


def output_probabilities(Z2, output="softmax", log=False, two_classes=False):
    """The output probabilities ``A2``, one row per sample, or their logarithm.

    From finite logits Z2 (:func:`prediction_logits`) and the output
    activation; log-probabilities (``log=True``) are computed from the logits,
    finite where a probability is too small for the dtype. ``two_classes``: one
    logistic unit for two classes, whose probability p is the second class's;
    the rows are ``[1 - p, p] = [sigma(-z), sigma(z)]``.

    No probability is below the dtype's smallest positive normal number (no
    log-probability below its logarithm, -708 in float64), so that the
    logarithm of every probability is finite and is the log-probability. With
    several logistic units (multilabel targets), see :func:`label_probabilities`:
    a label's probability is also below 1, and the probabilities and their
    logarithms rank a sample's labels alike. Returns an array of shape
    (m, n_classes).
    """
    xp = namespace(Z2)
    finfo = xp.finfo(Z2.dtype)
    if output == "softmax":
        P = log_softmax(Z2) if log else softmax(Z2)
    elif two_classes:
        Z2 = xp.stack([-Z2[0, :], Z2[0, :]])
        P = -softplus(-Z2) if log else logistic(Z2)  # log sigma(z) = -softplus(-z)
    else:
        P = label_probabilities(Z2, log)
    if log:
        return xp.clip(P.T, min=math.log(finfo.smallest_normal))
    return xp.clip(P.T, min=finfo.smallest_normal)


def label_probabilities(Z2, log=False):
    """Each label's probability ``sigma(Z2)``, below 1, or its logarithm.

    Both come from one number on each side of 1/2, so that they rank a
    sample's labels alike. Above 1/2, ``p = sigma(z)`` (where it rounds to 1,
    the largest float below 1 stands for it) and ``log p`` is the logarithm of
    that p: as precise as p, without the digits that p lost. Below 1/2,
    ``log p = -log(1 + exp(-z))``, exact for any z, and ``p = exp(log p)``,
    exact down to the smallest normal number.
    """
    xp = namespace(Z2)
    above = Z2 >= 0
    log_below = -softplus(-Z2)
    # sigma(z) >= 1/2 where z >= 0: the floor only keeps log() off the others.
    p_above = xp.clip(logistic(Z2), min=0.5, max=1 - xp.finfo(Z2.dtype).eps / 2)
    if log:
        return xp.where(above, xp.log(p_above), log_below)
    return xp.where(above, p_above, xp.exp(log_below))


# ---------------------------------------------------------------------------
# The same numbers, faster
# ---------------------------------------------------------------------------
# The note's step on a block of NumPy rows, and prediction, which shares its
# hidden layer forward. The step computes the note's numbers bit for bit with
# fewer passes over memory: g(Z1) overwrites Z1, the softmax and the loss share
# their exponentials, dZ2 needs no one-hot Y, and dZ1 overwrites W2^T . dZ2.

#: Rows of X per block in :func:`loss_and_gradients` (a few MB of MNIST pixels).
BLOCK_ROWS = 2048

#: Hidden activations per block of prediction (:func:`prediction_block_rows`).
PREDICTION_BLOCK_VALUES = 1 << 20


def prediction_block_rows(hidden_size):
    """Rows of X per block of :func:`prediction_logits` for ``hidden_size`` units.

    Prediction reads each row of X once, whatever the blocks; a block's Z1 of
    about ``PREDICTION_BLOCK_VALUES`` values stays in the cache for the
    activation and the second product, and small networks take large blocks,
    which BLAS multiplies faster (each value of Z1 is the same dot product of
    a row of X and a row of W1 whatever the block).
    """
    return max(BLOCK_ROWS, PREDICTION_BLOCK_VALUES // max(hidden_size, 1))


def hidden_forward(X, W1, b1, activation, mask=None, if_not_finite=None):
    """The hidden layer forward: ``G1 = g(Z1)`` and ``A1 = g(Z1) [* M]``, (h, m).

    ``g(Z1)`` overwrites Z1 on NumPy arrays: the backward pass needs g(Z1)
    only (:func:`block_loss_and_gradients`). A1 is G1 itself without a
    dropout mask M.

    ``if_not_finite``, when given, is called with X if Z1 holds a value that is
    not finite, before the activation could hide it (``relu(-inf) = 0``), to
    raise an error if X is the cause: a NaN or infinite value of X makes its
    sample's whole row of ``X W1^T`` NaN or infinite, so checking Z1 (h values
    per sample) finds every one without reading X a second time.
    """
    Z1 = hidden_input(X, W1, b1)  # Z1 = W1 . A0 + b1
    xp = namespace(Z1)
    if if_not_finite is not None and not bool(xp.isfinite(xp.sum(Z1))):
        if_not_finite(X)
    G1 = ACTIVATIONS[activation](Z1, out=Z1 if xp is np else None)  # g(Z1)
    A1 = G1 if mask is None else G1 * mask  # A1 = g(Z1) [* M]
    return G1, A1


def loss_and_gradients(
    X, y, params, activation="relu", sample_weight=None, l2=0.0,
    block_rows=BLOCK_ROWS, output="softmax", mask=None,
):  # fmt: skip
    """One training step's loss and gradients, computed over row blocks of X.

    The loss and every gradient are sums over samples (the note's ``1/m sum``),
    so they can be accumulated block by block. Going through X in blocks that
    stay in the cache lets the forward pass and ``dW1 = 1/m dZ1 . A0^T`` read each
    block from memory once, instead of streaming all of X twice per step. A
    mini-batch no larger than ``block_rows`` is a single block.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (m, n_features)
        The batch, one sample per row.
    y : ndarray of shape (m,) or (m, n_outputs)
        The targets, as :func:`targets` takes them.
    params : tuple of ndarray
        ``(W1, b1, W2, b2)``.
    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        The hidden activation g.
    sample_weight : ndarray of shape (m,), default=None
        Non-negative weights with a positive sum; None means all ones.
    l2 : float, default=0.0
        L2 penalty strength.
    block_rows : int, default=BLOCK_ROWS
        Rows per block.
    output : {"softmax", "logistic"}, default="softmax"
        The output activation.
    mask : ndarray of shape (h, m), default=None
        A dropout mask (:func:`dropout_mask`) for the whole batch; each block
        takes its columns. None means no dropout.

    Returns
    -------
    loss : float
        As :func:`loss` on the whole batch (of the dropped-out network, with a
        mask).
    grads : tuple of ndarray
        ``(dW1, db1, dW2, db2)`` as :func:`backward` on the whole batch.
    """
    m = X.shape[0]
    xp = namespace(params[0])
    weight_sum = m if sample_weight is None else float(xp.sum(sample_weight))
    if m <= block_rows:
        value, grads = block_loss_and_gradients(
            X, y, params, activation, sample_weight, weight_sum, output, mask
        )
    else:
        value, grads = 0.0, tuple(xp.zeros_like(p) for p in params)
        for start in range(0, m, block_rows):
            block = slice(start, min(start + block_rows, m))
            rows = block if xp is np else (block, ...)  # the array API: every axis
            block_value, block_grads = block_loss_and_gradients(
                X[rows], y[rows], params, activation,
                None if sample_weight is None else sample_weight[rows], weight_sum,
                output, None if mask is None else mask[:, block],
            )  # fmt: skip
            value += block_value
            for total, part in zip(grads, block_grads, strict=True):
                total += part
    if l2:
        value += l2_penalty(params, l2, weight_sum)
        add_l2_gradient(grads[0], params[0], l2, weight_sum)
        add_l2_gradient(grads[2], params[2], l2, weight_sum)
    return float(value), grads


def block_loss_and_gradients(
    X, y, params, activation, sample_weight, weight_sum, output, mask=None
):  # fmt: skip
    """The loss and gradients of one block of rows, without the L2 terms.

    On NumPy arrays, :func:`forward`, :func:`loss` and :func:`backward`, bit
    for bit, with fewer passes over memory; in other namespaces, those
    functions one after the other.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (m, n_features)
        The block, one sample per row.
    y : ndarray of shape (m,) or (m, n_outputs)
        The targets, as :func:`targets` takes them.
    params : tuple of ndarray
        ``(W1, b1, W2, b2)``.
    activation : {"relu", "tanh", "logistic", "identity"}
        The hidden activation g.
    sample_weight : ndarray of shape (m,) or None
        The block's sample weights; None means all ones.
    weight_sum : float
        The total weight of the whole batch.
    output : {"softmax", "logistic"}
        The output activation.
    mask : ndarray of shape (h, m), default=None
        The block's dropout mask; None means no dropout.

    Returns
    -------
    loss : float
        The block's share of the cross-entropy.
    grads : tuple of ndarray
        ``(dW1, db1, dW2, db2)``, the block's share, without the L2 terms.
    """
    if namespace(params[0]) is not np:
        cache = forward(X, params, activation, output, mask)
        value = loss(cache[2], y, params, sample_weight, 0.0, weight_sum, output)
        grads = backward(
            X, y, params, cache, activation, sample_weight, 0.0, weight_sum, output,
            mask,
        )  # fmt: skip
        return value, grads
    W1, b1, W2, b2 = params
    share, _ = sample_shares(X.shape[0], sample_weight, W1.dtype, weight_sum)
    G1, A1 = hidden_forward(X, W1, b1, activation, mask)
    Z2 = W2 @ A1  # Z2 = W2 . A1 + b2
    Z2 += b2[:, None]
    value, dZ2 = output_error(Z2, y, output, share)  # dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T  # dW2 = 1/m dZ2 . A1^T
    db2 = np.sum(dZ2, axis=1)  # db2 = 1/m sum(dZ2)
    dZ1 = dropped((dZ2.T @ W2).T, mask)  # dZ1 = W2^T . dZ2 [* M] * g'(Z1)
    # g'(Z1) from g(Z1) alone: ReLU's g(Z1) is positive exactly where Z1 is,
    # and the tanh and logistic derivatives are written with g(Z1) already.
    dZ1 *= DERIVATIVES[activation](G1, G1)
    dW1 = np.asarray(dZ1 @ X)  # dW1 = 1/m dZ1 . A0^T, and A0^T = X (dense)
    db1 = np.sum(dZ1, axis=1)  # db1 = 1/m sum(dZ1)
    return value, (dW1, db1, dW2, db2)


def output_error(Z2, y, output, share):
    """The loss of logits Z2 and the output error ``dZ2 = (A2 - Y) * share``.

    The same numbers as :func:`loss` (without L2) and :func:`backward`'s dZ2,
    on NumPy arrays. For the softmax, the loss's ``log softmax(Z2)`` is only
    needed at each sample's class: ``shifted - log(sum(exp(shifted)))`` there,
    with the softmax's own shifted logits and sum of exponentials.

    Parameters
    ----------
    Z2 : ndarray of shape (n_outputs, m)
        The logits, overwritten for the softmax output.
    y : ndarray of shape (m,) or (m, n_outputs)
        The targets, as :func:`targets` takes them.
    output : {"softmax", "logistic"}
        The output activation.
    share : ndarray of shape (m,)
        Each sample's share of the mean.

    Returns
    -------
    loss : float
        ``-sum(share * log-likelihood)``.
    dZ2 : ndarray of shape (n_outputs, m)
    """
    if output != "softmax":
        value = -float(share @ log_likelihood(Z2, y, output))
        Y = targets(y, Z2.shape[0], output, Z2.dtype)
        return value, (logistic(Z2) - Y) * share
    samples = np.arange(Z2.shape[1])
    shifted = np.subtract(Z2, Z2.max(axis=0), out=Z2)
    E = np.exp(shifted)
    E_sum = E.sum(axis=0)
    value = -float(share @ (shifted[y, samples] - np.log(E_sum)))
    E /= E_sum  # A2 = softmax(Z2)
    E[y, samples] -= 1  # A2 - Y, Y one-hot
    E *= share
    return value, E


def logits(X, params, activation="relu", if_not_finite=None):
    """The logits Z2 (n_outputs, m) alone: the forward pass without a cache.

    ``if_not_finite`` is :func:`hidden_forward`'s.
    """
    W1, b1, W2, b2 = params
    _, A1 = hidden_forward(X, W1, b1, activation, if_not_finite=if_not_finite)
    Z2 = (A1.T @ W2.T).T  # Z2 = W2 . A1 + b2, the long sample axis first as in Z1
    Z2 += b2[:, None]
    return Z2


def prediction_logits(X, params, activation, if_not_finite=None):
    """The logits that prediction turns into probabilities: in blocks, finite.

    :func:`logits` on NumPy arrays block by block (:func:`prediction_block_rows`),
    so that a block's hidden layer stays in the cache; other namespaces compute
    all of X at once, on its device. ``if_not_finite`` is :func:`hidden_forward`'s.

    Logits are clipped into +-half the dtype's range. A logit of +inf (an
    overflowed product) only says that its class wins; a large finite value
    says the same. Half the range keeps every difference of two logits, and so
    the softmax and its logarithm, finite. A NaN logit raises
    ``FloatingPointError``.
    """
    xp = namespace(params[0])
    if xp is not np:
        Z2 = logits(X, params, activation, if_not_finite)
    else:
        rows = prediction_block_rows(params[0].shape[0])
        Z2 = np.empty((params[2].shape[0], X.shape[0]), dtype=params[0].dtype)
        for start in range(0, X.shape[0], rows):
            block = slice(start, start + rows)
            Z2[:, block] = logits(X[block], params, activation, if_not_finite)
    if bool(xp.any(xp.isnan(Z2))):
        raise FloatingPointError(
            "The network's output is NaN for some samples: its products "
            f"overflowed {Z2.dtype} for this input. Scale X the way the training "
            "data was scaled (for MNIST, X / 255)."
        )
    limit = float(xp.finfo(Z2.dtype).max) / 2
    return xp.clip(Z2, min=-limit, max=limit)
