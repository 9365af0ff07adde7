"""The "lbfgs" solver: the network's loss and gradients minimised by SciPy's L-BFGS-B.

As MLPClassifier(solver="lbfgs") does, the parameters ``W1, b1, W2, b2`` are
flattened into one vector, and SciPy's quasi-Newton method minimises the note's
loss over all the training data at once, with the gradients that backward
propagation computes (``_network.loss_and_gradients``). There are no passes,
mini-batches or learning rate: an iteration is one quasi-Newton step, which may
evaluate the loss several times (its line search).

On arrays of another namespace than NumPy (PyTorch on a GPU, say), the loss and
gradients are computed in that namespace on the arrays' device; only the flat
parameter vector and its gradient travel to NumPy for SciPy, once per
evaluation.
"""

import numpy as np
import scipy.optimize

from sklearn_scratchnet import _network
from sklearn_scratchnet._interrupt import deferred_keyboard_interrupt
from sklearn_scratchnet._namespace import from_numpy, numpy_dtype, to_numpy
from sklearn_scratchnet._training import TrainingOutcome


def pack(arrays):
    """One float64 vector holding all the arrays, as L-BFGS-B works on."""
    return np.concatenate(
        [np.asarray(to_numpy(a), dtype=np.float64).ravel() for a in arrays]
    )


def unpack(vector, like):
    """The arrays packed in ``vector``, shaped and typed like those of ``like``.

    In the namespace and on the device of the arrays of ``like``.
    """
    arrays, start = [], 0
    for array in like:
        size = int(np.prod(array.shape))
        part = vector[start : start + size].reshape(tuple(array.shape))
        part = part.astype(numpy_dtype(array), copy=False)
        arrays.append(from_numpy(part, like=array))
        start += size
    return tuple(arrays)


def minimize(
    params, X, y, sample_weight, settings, history, *, l2, max_fun,
    output="softmax", validation=None,
):  # fmt: skip
    """Minimise the loss of the network ``params`` on ``(X, y)`` with L-BFGS-B.

    Each iteration's loss is recorded in ``history``, as the loop records a
    pass's; the validation set, if any, is scored once, on the final weights.

    Parameters
    ----------
    params : tuple of ndarray
        The starting ``(W1, b1, W2, b2)``; not modified.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Training data.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The targets, as ``_network.targets`` takes them.
    sample_weight : ndarray of shape (n_samples,)
        Positive weights.
    settings : _training.Settings
        ``max_passes`` (the most iterations), ``tol`` (stop when no gradient
        component exceeds it, SciPy's ``gtol``), ``activation`` and
        ``verbose`` (print the loss after each iteration).
    history : _training.History
        Earlier trainings' record; the iterations are appended.
    l2 : float
        L2 penalty strength.
    max_fun : int
        The most loss evaluations.
    output : {"softmax", "logistic"}, default="softmax"
        The output activation.
    validation : _training.ValidationSet, default=None
        Scored on the final weights.

    Returns
    -------
    outcome : TrainingOutcome
        ``stopped_by`` is "converged", "not converged" (a limit reached, see
        ``message``) or "interrupt" (Ctrl-C, after a whole iteration).
    """
    activation = settings.activation

    def loss_and_gradient(vector):
        current = unpack(vector, params)
        loss, grads = _network.loss_and_gradients(
            X, y, current, activation, sample_weight, l2, output=output
        )
        return loss, pack(grads)

    result, interrupted = _run_scipy(
        loss_and_gradient, pack(params), settings, max_fun, history
    )
    final = unpack(result.x, params)
    if validation is not None:
        history.record_validation(*validation.score_and_loss(final, activation))
    n_iter = min(int(result.nit), settings.max_passes)
    stopped_by = "converged" if result.status == 0 else "not converged"
    return TrainingOutcome(
        params=final,
        n_passes=n_iter,
        samples_seen=0,
        stopped_by="interrupt" if interrupted else stopped_by,
        interrupted_at=f"after iteration {n_iter} of lbfgs",
        message=str(result.message),
        loss=float(result.fun),
    )


def _run_scipy(loss_and_gradient, start, settings, max_fun, history):
    """SciPy's L-BFGS-B from ``start``; each iteration's loss goes to ``history``.

    Ctrl-C stops it after a whole iteration.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        SciPy's result.
    interrupted : bool
        Whether Ctrl-C stopped it.
    """
    n_before = len(history.loss_curve)
    with deferred_keyboard_interrupt() as interrupt:

        def after_iteration(intermediate_result):
            history.record(float(intermediate_result.fun))
            if settings.verbose:
                n_iter = len(history.loss_curve) - n_before
                print(f"Iteration {n_iter}, loss = {history.loss_curve[-1]:.8f}")
            if interrupt.requested:
                raise StopIteration  # SciPy stops with the current parameters

        result = scipy.optimize.minimize(
            loss_and_gradient,
            start,
            method="L-BFGS-B",
            jac=True,
            callback=after_iteration,
            options={
                "maxfun": max_fun, "maxiter": settings.max_passes, "gtol": settings.tol
            },
        )  # fmt: skip
    return result, interrupt.requested
