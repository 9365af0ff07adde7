"""One gradient step: its interface, the plain step, and the choice of step for a fit.

A *step* object owns the parameters ``(W1, b1, W2, b2)`` and the optimizer of one
fit. The training loop only ever calls::

    with steps.running():          # around each pass over the data
        loss = steps.step(X_batch, y_batch, w_batch)

``step`` runs the note's forward pass, loss, backward pass and update on one batch
and returns the batch's loss before the update. Two classes keep that interface:
:class:`GradientSteps`, below, and ``_unit_split.UnitSplitSteps``, which splits the
hidden units over threads. :func:`steps_for` chooses one for a fit, once.
"""

from contextlib import nullcontext

from sklearn_scratchnet import _network, _unit_split


class GradientSteps:
    """The note's step on one batch: forward, loss, backward, update.

    BLAS spreads each matrix product over its threads.

    Parameters
    ----------
    params : tuple of ndarray
        ``(W1, b1, W2, b2)``, updated in place by :meth:`step`.
    optimizer : GradientDescent or Adam
        The update rule.
    activation : {"relu", "tanh", "logistic", "identity"}
        The hidden activation g.
    l2 : float
        L2 penalty strength.
    output : {"softmax", "logistic"}, default="softmax"
        The output activation.
    """

    def __init__(self, params, optimizer, activation, l2, output="softmax"):
        self.params = params
        self.optimizer = optimizer
        self.activation = activation
        self.l2 = l2
        self.output = output

    def running(self):
        """Nothing to set up around a pass."""
        return nullcontext()

    def step(self, X, y, sample_weight):
        """One gradient step on the batch ``X``; returns its loss before the step."""
        batch_loss, grads = _network.loss_and_gradients(
            X, y, self.params, self.activation, sample_weight, self.l2,
            output=self.output,
        )  # fmt: skip
        self.optimizer.update(self.params, grads)
        return batch_loss


def steps_for(X, batch_rows, params, optimizer, activation, l2, output="softmax"):
    """The step to train with on ``X``: split over threads where that pays.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The training data.
    batch_rows : int
        Rows per mini-batch.
    params : tuple of ndarray
        ``(W1, b1, W2, b2)``, updated in place by the steps.
    optimizer : GradientDescent or Adam
        The update rule.
    activation : {"relu", "tanh", "logistic", "identity"}
        The hidden activation g.
    l2 : float
        L2 penalty strength.
    output : {"softmax", "logistic"}, default="softmax"
        The output activation.

    Returns
    -------
    steps : GradientSteps or UnitSplitSteps
    """
    n_threads = _unit_split.threads_for(X, params[0].shape[0], batch_rows)
    if n_threads > 1:
        return _unit_split.UnitSplitSteps(
            params, optimizer, n_threads, activation, l2, output
        )
    return GradientSteps(params, optimizer, activation, l2, output)
