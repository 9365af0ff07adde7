"""One gradient step: its interface, and the step a fit trains with.

A *step* object owns the parameters ``(W1, b1, W2, b2)`` and the optimizer of one
fit. The training loop only ever calls::

    loss = steps.step(X_batch, y_batch, w_batch)

``step`` runs the note's forward pass, loss, backward pass and update on one batch
and returns the batch's loss before the update (:class:`GradientSteps`). It
computes in the namespace of its arrays: NumPy, or any array API namespace
(PyTorch on CPU or GPU, CuPy, array-api-strict) on the arrays' device.

With dropout, each step draws its mask (:func:`_network.dropout_mask`) from the
fit's generator, in the calling thread, before any other work: the masks, and so
the fit, depend on the random state only. With no dropout nothing is drawn.
"""

from sklearn_scratchnet import _network
from sklearn_scratchnet._namespace import from_numpy, numpy_dtype


class GradientSteps:
    """The note's step on one batch: forward, loss, backward, update.

    BLAS (or the arrays' own library, on their device) spreads each matrix
    product over its threads.

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
    dropout : float, default=0.0
        The rate of inverted dropout on the hidden layer; 0 draws nothing.
    rng : numpy.random.Generator, default=None
        Draws the dropout masks, one per step; required when ``dropout > 0``.
    """

    def __init__(
        self, params, optimizer, activation, l2, output="softmax", dropout=0.0,
        rng=None,
    ):  # fmt: skip
        self.params = params
        self.optimizer = optimizer
        self.activation = activation
        self.l2 = l2
        self.output = output
        self.dropout = dropout
        self.rng = rng

    def step(self, X, y, sample_weight):
        """One gradient step on the batch ``X``; returns its loss before the step.

        With dropout, the loss is the dropped-out network's, on this step's mask.
        """
        mask = None
        if self.dropout:
            W1 = self.params[0]
            shape = (W1.shape[0], X.shape[0])
            # Drawn by NumPy, on every namespace: the same masks, moved.
            mask = _network.dropout_mask(self.rng, shape, self.dropout, numpy_dtype(W1))
            mask = from_numpy(mask, like=W1)
        batch_loss, grads = _network.loss_and_gradients(
            X, y, self.params, self.activation, sample_weight, self.l2,
            output=self.output, mask=mask,
        )  # fmt: skip
        self.optimizer.update(self.params, grads)
        return batch_loss
