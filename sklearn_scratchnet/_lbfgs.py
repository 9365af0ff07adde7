"""The "lbfgs" solver: the network's loss and gradients minimised by SciPy's L-BFGS-B.

As MLPClassifier(solver="lbfgs") does, the parameters ``W1, b1, W2, b2`` are
flattened into one vector, and SciPy's quasi-Newton method minimises the note's
loss over all the training data at once, with the gradients that backward
propagation computes (``_network.loss_and_gradients``). There are no passes,
mini-batches or learning rate: an iteration is one quasi-Newton step, which may
evaluate the loss several times (its line search).
"""

from dataclasses import dataclass

import numpy as np
import scipy.optimize

from sklearn_scratchnet import _network
from sklearn_scratchnet._interrupt import deferred_keyboard_interrupt


@dataclass
class LbfgsOutcome:
    """How an L-BFGS-B minimisation ended.

    Attributes
    ----------
    params : tuple of ndarray
        The final ``(W1, b1, W2, b2)``, in the dtype of the starting ones.
    loss : float
        The loss of the final parameters.
    n_iter : int
        Iterations made.
    losses : list of float
        The loss after each iteration.
    converged : bool
        Whether SciPy reports convergence (rather than a limit reached).
    message : str
        SciPy's account of why it stopped.
    interrupted : bool
        Whether Ctrl-C stopped it, after a whole iteration.
    """

    params: tuple
    loss: float
    n_iter: int
    losses: list
    converged: bool
    message: str
    interrupted: bool = False


def pack(arrays):
    """One float64 vector holding all the arrays, as L-BFGS-B works on."""
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])


def unpack(vector, like):
    """The arrays packed in ``vector``, shaped and typed like those of ``like``."""
    arrays, start = [], 0
    for array in like:
        part = vector[start : start + array.size].reshape(array.shape)
        arrays.append(part.astype(array.dtype, copy=False))
        start += array.size
    return tuple(arrays)


def minimize(
    params, X, y, sample_weight, *, activation, l2, max_iter, max_fun, tol,
    verbose=False, output="softmax",
):  # fmt: skip
    """Minimise the loss of the network ``params`` on ``(X, y)`` with L-BFGS-B.

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
    activation : str
        The hidden activation.
    l2 : float
        L2 penalty strength.
    max_iter : int
        The most iterations.
    max_fun : int
        The most loss evaluations.
    tol : float
        Stop when no gradient component exceeds it (SciPy's ``gtol``).
    verbose : bool, default=False
        Print the loss after each iteration.
    output : {"softmax", "logistic"}, default="softmax"
        The output activation.

    Returns
    -------
    outcome : LbfgsOutcome
    """

    def loss_and_gradient(vector):
        current = unpack(vector, params)
        loss, grads = _network.loss_and_gradients(
            X, y, current, activation, sample_weight, l2, output=output
        )
        return loss, pack(grads)

    losses = []
    with deferred_keyboard_interrupt() as interrupt:

        def after_iteration(intermediate_result):
            losses.append(float(intermediate_result.fun))
            if verbose:
                print(f"Iteration {len(losses)}, loss = {losses[-1]:.8f}")
            if interrupt.requested:
                raise StopIteration  # SciPy stops with the current parameters

        result = scipy.optimize.minimize(
            loss_and_gradient,
            pack(params),
            method="L-BFGS-B",
            jac=True,
            callback=after_iteration,
            options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        )
    return LbfgsOutcome(
        params=unpack(result.x, params),
        loss=float(result.fun),
        n_iter=min(int(result.nit), max_iter),
        losses=losses,
        converged=result.status == 0,
        message=str(result.message),
        interrupted=interrupt.requested,
    )
