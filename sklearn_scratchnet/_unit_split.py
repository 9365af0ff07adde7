"""Mini-batch steps with the hidden units split over threads.

A gradient step on a mini-batch is a handful of matrix products and a dozen
element-wise passes over the weights (the optimizer's update). Left to BLAS, the
products use every core but the element-wise passes run on one, and BLAS's
threads wait for each other inside every product.

Each hidden unit's share of a step depends only on its own weights (its row of
W1, its entry of b1 and its column of W2): its row of ``Z1 = W1 . A0 + b1`` and
``A1``, its term of ``Z2 = W2 . A1``, its row of ``dZ1``, ``dW1`` and ``db1``, its
column of ``dW2``, and the update of its weights. :class:`UnitSplitSteps`
therefore gives each thread a range of hidden units and lets it do all of that
work for them, with BLAS on one thread. The threads meet twice per step: once
every range has its share of Z2, and once every range is updated. In between,
the calling thread adds up Z2 and computes the output activation, the loss and
``dZ2`` (ten rows). :class:`UnitSplitSteps` has the same step interface as the plain
step, ``_steps.GradientSteps``; ``_steps.steps_for`` chooses between them once
per fit.

With dropout, the calling thread draws the step's mask before the threads start,
and each range takes its rows of it: the masks, like the plain step's, do not
depend on the number of threads.

The split depends only on the number of hidden units and of threads, so a fit
with a given ``random_state`` is reproducible. Across different numbers of
threads the results differ in the last bits, as BLAS's own do: Z2 is summed
range by range, and how many rows a product has decides which of BLAS's kernels
computes it.
"""

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager

import numpy as np
from scipy import sparse
from threadpoolctl import ThreadpoolController

from sklearn_scratchnet import _network

#: The fewest hidden units per thread: with fewer, the products are too small for
#: the split to pay for the threads' meetings. On two cores, with batches of 256
#: MNIST digits, a fit split this way takes 15 % longer than one left to BLAS at
#: h=256; at h=512 it takes about 5 % less on a quiet machine, and up to a third
#: less while the machine is busy.
MIN_UNITS_PER_THREAD = 256

#: The calling thread's extra share of the units, as a fraction of them. The other
#: threads sleep between steps and start each part of a step a wake-up later
#: (tens of microseconds on a quiet machine, about 200 on the project's 2-core
#: virtual machine, more in its slow spells: see ``tools/step_parts.py``); with
#: a slightly smaller share they finish with the calling thread, rather than
#: keep it waiting for another wake-up.
EXTRA_SHARE_OF_CALLING_THREAD = 1 / 64

_blas = None
_executor = None
_executor_workers = 0
_executor_lock = threading.Lock()
_blas_limit_lock = threading.Lock()
_blas_limit = None
_blas_limit_users = 0
# BLAS's thread counts as the first split fit found them, while split fits hold
# BLAS to one thread; None otherwise.
_blas_threads_outside_limit = None


def available_threads():
    """The number of threads NumPy's BLAS may use here and now.

    This follows ``threadpoolctl.threadpool_limits`` and the ``*_NUM_THREADS``
    environment variables, so joblib and Dask workers, whose BLAS is limited to
    their share of the cores, do not split their steps over more threads. The
    one-thread limit that split fits set while they run is not counted: a fit
    chooses its steps from the process's threads, whatever else runs.

    Returns
    -------
    n_threads : int
        At least 1.
    """
    with _blas_limit_lock:
        counts = _blas_threads_outside_limit or [
            library.num_threads for library in _blas_controller().lib_controllers
        ]
    return max(1, min([*counts, os.cpu_count() or 1]))


def _blas_controller():
    """NumPy's BLAS libraries, looked up once (a lookup takes milliseconds)."""
    global _blas
    if _blas is None:
        _blas = ThreadpoolController().select(user_api="blas")
    return _blas


def threads_for(X, hidden_size, batch_rows):
    """How many threads should share the steps of a fit on ``X``.

    Parameters
    ----------
    X : ndarray or sparse matrix
        The training data.
    hidden_size : int
        The number of hidden units h.
    batch_rows : int
        Rows per mini-batch.

    Returns
    -------
    n_threads : int
        1 where the steps are better left to BLAS: sparse input, batches of
        more than ``_network.BLOCK_ROWS`` rows (computed in blocks), too few
        hidden units per thread, or a single thread available.
    """
    if sparse.issparse(X) or batch_rows > _network.BLOCK_ROWS:
        return 1
    return max(1, min(available_threads(), hidden_size // MIN_UNITS_PER_THREAD))


@contextmanager
def _one_blas_thread():
    """Limit BLAS to one thread, from the first fit that asks to the last.

    BLAS's thread count is one setting for the whole process. Fits running in
    several Python threads at once share the limit, and the last one to finish
    restores the count found by the first, which nested ``threadpool_limits``
    would not do when the fits end in another order than they began.
    """
    global _blas_limit, _blas_limit_users, _blas_threads_outside_limit
    with _blas_limit_lock:
        if _blas_limit_users == 0:
            controllers = _blas_controller().lib_controllers
            _blas_threads_outside_limit = [c.num_threads for c in controllers]
            _blas_limit = _blas_controller().limit(limits=1)
        _blas_limit_users += 1
    try:
        yield
    finally:
        with _blas_limit_lock:
            _blas_limit_users -= 1
            if _blas_limit_users == 0:
                _blas_limit.restore_original_limits()
                _blas_limit = _blas_threads_outside_limit = None


def _shared_executor(n_workers):
    """A pool of at least ``n_workers`` threads, shared by the whole process.

    A larger pool replaces a smaller one for the fits that begin afterwards. The
    smaller one is not shut down: fits running in other threads still submit to
    it, and its threads end once the last of those fits lets it go.
    """
    global _executor, _executor_workers
    with _executor_lock:
        if _executor is None or _executor_workers < n_workers:
            _executor = ThreadPoolExecutor(
                max_workers=n_workers, thread_name_prefix="scratchnet-step"
            )
            _executor_workers = n_workers
        return _executor


def _forget_threads_in_child():
    # A forked child inherits the pool object but not its threads, and none of
    # the parent's fits.
    global _executor, _executor_lock, _blas_limit, _blas_limit_lock, _blas_limit_users
    global _blas_threads_outside_limit
    _executor = None
    _executor_lock = threading.Lock()
    _blas_limit, _blas_limit_lock, _blas_limit_users = None, threading.Lock(), 0
    _blas_threads_outside_limit = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_threads_in_child)


def _row_ranges(hidden_size, n_threads):
    """The units of each thread: the calling thread's first, the rest even."""
    if n_threads == 1:
        return [slice(0, hidden_size)]
    first = hidden_size // n_threads
    first += int(hidden_size * EXTRA_SHARE_OF_CALLING_THREAD)
    rest = hidden_size - first
    bounds = [0] + [first + rest * k // (n_threads - 1) for k in range(n_threads)]
    return [slice(start, stop) for start, stop in itertools.pairwise(bounds)]


def hidden_layer_rows(X, W1, b1, activation, A1, rows):
    """The hidden layer of the forward pass for the units ``rows`` only.

    ``Z1 = W1 . A0 + b1`` and ``A1 = g(Z1)`` in the note's own layout, written
    into ``A1[rows]``. A unit's row depends only on its own weights, so threads
    can compute different rows at once.

    Parameters
    ----------
    X : ndarray of shape (m, n_features)
        The dense batch; the note's ``A0`` is its transpose.
    W1, b1 : ndarray
        The hidden layer's weights (h, n_features) and biases (h,).
    activation : {"relu", "tanh", "logistic", "identity"}
        The hidden activation g.
    A1 : ndarray of shape (h, m), C-contiguous
        Receives ``g(Z1)`` in its rows ``rows``.
    rows : slice
        The hidden units to compute.
    """
    Z1 = A1[rows]
    np.matmul(W1[rows], X.T, out=Z1)  # Z1 = W1 . A0
    Z1 += b1[rows, np.newaxis]  # + b1
    _network.ACTIVATIONS[activation](Z1, out=Z1)  # A1 = g(Z1), over Z1


def hidden_gradients_rows(X, dZ2, W2, A1, activation, dW1, db1, rows, mask=None):
    """The hidden layer of the backward pass for the units ``rows`` only.

    ``dZ1 = W2^T . dZ2 * g'(Z1)`` (with dropout ``W2^T . dZ2 * M * g'(Z1)``),
    ``dW1 = 1/m dZ1 . A0^T`` and ``db1 = 1/m sum(dZ1)``, written into
    ``dW1[rows]`` and ``db1[rows]``.

    Parameters
    ----------
    X : ndarray of shape (m, n_features)
        The dense batch of the forward pass.
    dZ2 : ndarray of shape (n_outputs, m)
        The output error ``A2 - Y``, each sample's share folded in.
    W2 : ndarray of shape (n_classes, h)
        The output layer's weights, as in the forward pass.
    A1 : ndarray of shape (h, m)
        The hidden activations ``g(Z1)`` from :func:`hidden_layer_rows`, before
        any dropout.
    activation : {"relu", "tanh", "logistic", "identity"}
        The hidden activation g.
    dW1, db1 : ndarray
        Receive the gradients in their rows ``rows``.
    rows : slice
        The hidden units to compute.
    mask : ndarray of shape (h, m), default=None
        The step's dropout mask, of which the rows ``rows`` are used; None
        means no dropout.
    """
    A1 = A1[rows]
    dZ1 = W2[:, rows].T @ dZ2  # W2^T . dZ2
    if mask is not None:
        dZ1 *= mask[rows]  # * M
    # g'(Z1) from A1 alone: A1 = max(Z1, 0) is positive exactly where Z1 is,
    # and the tanh and logistic derivatives are written with A1 already.
    dZ1 *= _network.DERIVATIVES[activation](A1, A1)
    np.matmul(dZ1, X, out=dW1[rows])  # dW1 = 1/m dZ1 . A0^T, and A0^T = X
    dZ1.sum(axis=1, out=db1[rows])  # db1 = 1/m sum(dZ1)


class UnitSplitSteps:
    """Gradient steps of one fit, the hidden units split over threads.

    Parameters
    ----------
    params : tuple of ndarray
        ``(W1, b1, W2, b2)``, updated in place by :meth:`step`.
    optimizer : GradientDescent or Adam
        Updates the parameters, row range by row range.
    n_threads : int
        Threads to use, the calling thread included.
    activation : {"relu", "tanh", "logistic", "identity"}
        The hidden activation g.
    l2 : float
        L2 penalty strength.
    output : {"softmax", "logistic"}, default="softmax"
        The output activation.
    dropout : float, default=0.0
        The rate of inverted dropout on the hidden layer; 0 draws nothing.
    rng : numpy.random.Generator, default=None
        Draws the dropout masks, one per step in the calling thread; required
        when ``dropout > 0``.
    """

    def __init__(
        self, params, optimizer, n_threads, activation, l2, output="softmax",
        dropout=0.0, rng=None,
    ):  # fmt: skip
        self.params = params
        self.optimizer = optimizer
        self.activation = activation
        self.l2 = l2
        self.output = output
        self.dropout = dropout
        self.rng = rng
        self.hidden_size = params[0].shape[0]
        self.n_threads = max(1, min(n_threads, self.hidden_size))
        self.row_ranges = _row_ranges(self.hidden_size, self.n_threads)
        self._A1 = self._A1_dropped = self._dW1 = None  # allocated when needed
        if self.n_threads > 1:
            self._executor = _shared_executor(self.n_threads - 1)

    @contextmanager
    def running(self):
        """Run the products inside on one BLAS thread: the units are the split."""
        if self.n_threads == 1:
            yield
            return
        with _one_blas_thread():
            yield

    def step(self, X, y, sample_weight):
        """One gradient step on the batch ``X``: forward, backward and update.

        Parameters
        ----------
        X : ndarray of shape (m, n_features)
            The dense batch, at most ``_network.BLOCK_ROWS`` rows.
        y : ndarray of shape (m,) or (m, n_outputs)
            The targets, as ``_network.targets`` takes them.
        sample_weight : ndarray of shape (m,) or None
            Non-negative weights with a positive sum.

        Returns
        -------
        loss : float
            The batch's loss before the step, as :func:`_network.loss` (of the
            dropped-out network, with dropout).
        """
        W1, b1, W2, b2 = self.params
        m = X.shape[0]
        mask = None
        if self.dropout:  # drawn here, in the calling thread, whatever the split
            shape = (self.hidden_size, m)
            mask = _network.dropout_mask(self.rng, shape, self.dropout, W1.dtype)
        A1, A1_dropped, Z2_parts = self._buffers(m, mask is not None)
        share, weight_sum = _network.sample_shares(m, sample_weight, W1.dtype)

        self._in_parallel(self._forward_rows, X, A1, A1_dropped, mask, Z2_parts)
        Z2 = Z2_parts.sum(axis=0)  # Z2 = W2 . A1 + b2, summed over the ranges
        Z2 += b2[:, np.newaxis]
        # A2 = softmax(Z2), the loss, and dZ2 = A2 - Y with each sample's share
        batch_loss, dZ2 = _network.output_error(Z2, y, self.output, share)
        if self.l2:
            batch_loss += _network.l2_penalty(self.params, self.l2, weight_sum)

        self.optimizer.start_step()
        self._in_parallel(self._backward_rows, X, dZ2, A1, A1_dropped, mask, weight_sum)
        self.optimizer.update_part(3, b2, dZ2.sum(axis=1))  # db2 = 1/m sum(dZ2)
        return batch_loss

    def _forward_rows(self, X, A1, A1_dropped, mask, Z2_parts, part, rows):
        """The forward pass of the hidden units ``rows``, the range number ``part``.

        Writes their rows of ``g(Z1)`` into A1, with dropout their rows of
        ``g(Z1) * M`` into A1_dropped (otherwise A1 itself), and their share of
        ``W2 . A1`` into ``Z2_parts[part]``.
        """
        W1, b1, W2, _ = self.params
        hidden_layer_rows(X, W1, b1, self.activation, A1, rows)
        if mask is not None:
            np.multiply(A1[rows], mask[rows], out=A1_dropped[rows])  # A1 = g(Z1) * M
        np.matmul(W2[:, rows], A1_dropped[rows], out=Z2_parts[part])

    def _backward_rows(self, X, dZ2, A1, A1_dropped, mask, weight_sum, part, rows):
        """The backward pass and update of the hidden units ``rows``.

        These units' columns of W2 are read and updated here only, so the ranges
        need no lock between them.
        """
        W1, b1, W2, _ = self.params
        dW1, db1, dW2 = self._dW1, self._db1, self._dW2_transposed.T
        columns = (slice(None), rows)
        # dW2 = 1/m dZ2 . A1^T, computed transposed: these units' columns of dW2
        # are rows of its transpose, which BLAS writes in place.
        np.matmul(A1_dropped[rows], dZ2.T, out=self._dW2_transposed[rows])
        hidden_gradients_rows(X, dZ2, W2, A1, self.activation, dW1, db1, rows, mask)
        if self.l2:
            _network.add_l2_gradient(dW1[rows], W1[rows], self.l2, weight_sum)
            _network.add_l2_gradient(dW2[columns], W2[columns], self.l2, weight_sum)
        self.optimizer.update_part(0, W1, dW1, rows)
        self.optimizer.update_part(1, b1, db1, rows)
        self.optimizer.update_part(2, W2, dW2, columns)

    def _buffers(self, m, dropout):
        """The arrays reused from step to step; return those of m samples.

        Returns
        -------
        A1 : ndarray of shape (h, m)
            ``g(Z1)``.
        A1_dropped : ndarray of shape (h, m)
            ``g(Z1) * M`` with ``dropout``; otherwise A1 itself.
        Z2_parts : ndarray of shape (n_threads, n_classes, m)
            Each range's share of ``W2 . A1``.
        """
        W1, b1, W2, _ = self.params
        if self._dW1 is None:
            self._dW1, self._db1 = np.empty_like(W1), np.empty_like(b1)
            self._dW2_transposed = np.empty_like(W2.T, order="C")
        if self._A1 is None or self._A1.shape[1] != m:
            self._A1 = np.empty((self.hidden_size, m), dtype=W1.dtype)
            self._A1_dropped = None
            shape = (self.n_threads, W2.shape[0], m)
            self._Z2_parts = np.empty(shape, dtype=W1.dtype)
        if not dropout:
            return self._A1, self._A1, self._Z2_parts
        if self._A1_dropped is None:
            self._A1_dropped = np.empty_like(self._A1)
        return self._A1, self._A1_dropped, self._Z2_parts

    def _in_parallel(self, function, *args):
        """``function(*args, part, rows)`` for every range, each on its own thread."""
        ranges = self.row_ranges
        if self.n_threads == 1:
            function(*args, 0, ranges[0])
            return
        others = [
            self._executor.submit(function, *args, part, rows)
            for part, rows in enumerate(ranges[1:], start=1)
        ]
        try:
            function(*args, 0, ranges[0])
        finally:
            wait(others)  # never go on while another thread still writes
        for other in others:
            other.result()
