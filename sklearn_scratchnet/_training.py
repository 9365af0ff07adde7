"""The training loop: passes over the data in mini-batches, until a rule says stop.

The loop knows no estimator. It is handed the training data, a step object (see
``_steps``: one gradient step per mini-batch), the :class:`History` of earlier
passes, a stopping rule and, optionally, a validation set, and it returns a
:class:`TrainingOutcome`. It is layered as::

    train             passes, Ctrl-C, divergence, the outcome
      run_pass        one pass: shuffling, mini-batches
        steps.step    forward, loss, backward and update of one batch
      record_pass     validation score, progress, best weights, history
      reason_to_stop  callbacks, Ctrl-C, the stopping rule

A pass is one sweep over the training data (an "epoch"). The loop updates the
parameters and the history in place; the estimator keeps a copy of its model to
put back should the training fail.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from sklearn_scratchnet import _network
from sklearn_scratchnet._interrupt import deferred_keyboard_interrupt
from sklearn_scratchnet._namespace import copy, from_numpy, is_numpy, namespace

# A mean cross-entropy this large, and this many times the best pass's, only
# comes from a learning rate that is too large (a fresh network starts near
# log(n_classes) ~ 2.3).
DIVERGED_LOSS = 1000.0
DIVERGED_FACTOR = 1000.0


@dataclass
class History:
    """What the passes of a model recorded, across fits; the loop appends to it.

    Attributes
    ----------
    loss_curve : list of float
        Training loss of each pass.
    best_loss : float
        Lowest training loss so far.
    validation_scores, validation_losses : list of float or None
        Validation score (see :class:`ValidationSet`) and loss after each
        pass; None without a validation set.
    best_validation_score : float or None
        Highest validation score so far; None without a validation set.
    """

    loss_curve: list = field(default_factory=list)
    best_loss: float = np.inf
    validation_scores: list | None = None
    validation_losses: list | None = None
    best_validation_score: float | None = None

    @classmethod
    def of_model(cls, attributes, with_validation):
        """The history that a model's fitted attributes record, to extend.

        Parameters
        ----------
        attributes : mapping
            The model's attributes (``vars(estimator)``), named as
            MLPClassifier's: ``loss_curve_``, ``best_loss_`` (None: not
            known), ``validation_scores_``, ``validation_loss_curve_`` and
            ``best_validation_score_``.
        with_validation : bool
            Whether the passes to come score a validation set: a model
            trained without one gets empty validation records.
        """
        best_loss = attributes["best_loss_"]
        history = cls(
            loss_curve=attributes["loss_curve_"],
            best_loss=np.inf if best_loss is None else best_loss,
            validation_scores=attributes["validation_scores_"],
            validation_losses=attributes["validation_loss_curve_"],
            best_validation_score=attributes["best_validation_score_"],
        )
        if with_validation and history.validation_scores is None:
            history.validation_scores, history.validation_losses = [], []
            history.best_validation_score = -np.inf
        return history

    def attributes(self, best_loss_known=True):
        """The fitted attributes that record the history (see :meth:`of_model`).

        ``loss_`` is the last pass's loss; ``best_loss_`` is None unless
        ``best_loss_known``.
        """
        return {
            "loss_curve_": self.loss_curve,
            "loss_": self.loss_curve[-1] if self.loss_curve else None,
            "best_loss_": self.best_loss if best_loss_known else None,
            "validation_scores_": self.validation_scores,
            "validation_loss_curve_": self.validation_losses,
            "best_validation_score_": self.best_validation_score,
        }

    def record(self, loss, validation_score=None, validation_loss=None):
        """Append a pass's training loss and, with a validation set, its scores."""
        self.loss_curve.append(loss)
        self.best_loss = min(self.best_loss, loss)
        if validation_score is not None:
            self.record_validation(validation_score, validation_loss)

    def record_validation(self, score, loss):
        """Append a validation score and loss."""
        self.validation_scores.append(score)
        self.validation_losses.append(loss)
        self.best_validation_score = max(self.best_validation_score, score)


@dataclass
class ValidationSet:
    """Held-out samples scored after each pass: X, targets y, weights.

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The validation samples.
    y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Their targets as the network's ``output`` takes them
        (``_network.targets``).
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Their weights; None weighs them all the same.
    output : {"softmax", "logistic"}, default="softmax"
        The network's output activation.
    scoring : None, "loss" or callable, default=None
        The score of a network, higher is better: None, the weighted accuracy;
        "loss", minus the validation loss; a callable, ``scoring(params)``,
        a float for the network ``params = (W1, b1, W2, b2)``.
    """

    X: object
    y: np.ndarray
    sample_weight: np.ndarray | None = None
    output: str = "softmax"
    scoring: object = None

    def score_and_loss(self, params, activation):
        """Score (see ``scoring``) and mean cross-entropy of the network ``params``."""
        Z2 = _network.logits(self.X, params, activation)
        loss = _network.loss(Z2, self.y, params, self.sample_weight, output=self.output)
        if self.scoring is None:
            score = self._accuracy(Z2)
        elif isinstance(self.scoring, str) and self.scoring == "loss":
            score = -loss
        else:
            score = float(self.scoring(params))
        return score, loss

    def _accuracy(self, Z2):
        """Weighted accuracy of the network whose logits are Z2."""
        correct = _network.correct(Z2, self.y, self.output)
        xp = namespace(Z2)
        if xp is np:
            return float(np.average(correct, weights=self.sample_weight))
        correct = xp.astype(correct, Z2.dtype)
        w = self.sample_weight
        return float(xp.mean(correct) if w is None else xp.sum(correct * w) / xp.sum(w))


class Shuffling:
    """MLPClassifier's order of the samples: each pass reshuffles the last one's.

    The first pass permutes ``0 .. n_samples - 1``; each later pass permutes the
    previous pass's order, with draws from the same stream, as MLPClassifier's
    ``sample_idx = shuffle(sample_idx, random_state=...)`` does.

    Parameters
    ----------
    rng : numpy.random.RandomState
        Draws the permutations.
    order : ndarray of shape (n_samples,) or None, default=None
        The previous pass's order, if any; one of another length is not
        continued.
    """

    def __init__(self, rng, order=None):
        self.rng = rng
        self.order = order

    def next_order(self, n_samples):
        """The next pass's order of the sample indices (a NumPy array)."""
        if self.order is None or len(self.order) != n_samples:
            self.order = np.arange(n_samples)
        self.order = self.order[self.rng.permutation(n_samples)]
        return self.order


class NoImprovement:
    """MLPClassifier's stopping rule: too many passes without progress.

    A pass makes progress when it lowers the best training loss so far by at
    least ``tol`` or, with ``on_validation``, raises the best validation score so
    far by at least ``tol``. Training stops after more than ``n_iter_no_change``
    passes in a row without progress.

    Parameters
    ----------
    n_iter_no_change : int
        Passes without progress that are tolerated.
    tol : float
        The least improvement that counts as progress.
    on_validation : bool
        Judge progress by the validation score instead of the training loss.
    """

    def __init__(self, n_iter_no_change, tol, on_validation):
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.on_validation = on_validation
        self.passes_without_progress = 0

    def count(self, history, loss, validation_score):
        """Count a pass, against the bests of ``history`` before this pass."""
        if self.on_validation:
            progress = validation_score >= history.best_validation_score + self.tol
        else:
            progress = loss <= history.best_loss - self.tol
        if progress:
            self.passes_without_progress = 0
        else:
            self.passes_without_progress += 1

    def restart(self):
        """Count afresh, as after progress."""
        self.passes_without_progress = 0

    @property
    def says_stop(self):
        """Whether too many passes in a row made no progress."""
        return self.passes_without_progress > self.n_iter_no_change


class BestWeights:
    """A copy of the weights with the best validation score (early stopping).

    Parameters
    ----------
    score : float, default=-inf
        The score to beat.
    params : tuple of ndarray, default=None
        The weights that scored ``score``, if known.
    """

    def __init__(self, score=-np.inf, params=None):
        self.score = score
        self.params = params

    def offer(self, score, params):
        """Keep a copy of ``params`` if they score better than any before."""
        if score > self.score:
            self.score = score
            self.params = tuple(copy(p) for p in params)


class NoHooks:
    """The callback hooks of a loop that has no callbacks."""

    def pass_begun(self):
        """Called before each pass."""

    def pass_ended(self, params):
        """Called after each complete pass; True asks the loop to stop."""
        return False


@dataclass
class TrainingOutcome:
    """How a call of :func:`train` ended.

    Attributes
    ----------
    params : tuple of ndarray
        The weights to keep: the best pass's with :class:`BestWeights`, else the
        last step's.
    n_passes : int
        Complete passes made.
    samples_seen : int
        Training samples used in steps, counting each pass.
    stopped_by : str
        "max passes", "no improvement", "callback" or "interrupt".
    interrupted_at : str or None
        Where Ctrl-C stopped the training, in words.
    kept_best : bool
        Whether ``params`` are the best pass's rather than the last step's.
    """

    params: tuple
    n_passes: int
    samples_seen: int
    stopped_by: str
    interrupted_at: str | None = None
    kept_best: bool = False


def train(
    steps, X, y, sample_weight, *, max_passes, batch_size, shuffle, shuffling, history,
    stopping, validation=None, activation="relu", best_weights=None,
    hooks=None, samples_before=0, verbose=False,
):  # fmt: skip
    """Train ``steps.params`` for up to ``max_passes`` passes over ``(X, y)``.

    Parameters
    ----------
    steps : GradientSteps or UnitSplitSteps
        Owns the parameters and the optimizer; one gradient step per batch.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Training data.
    y : ndarray of shape (n_samples,)
        Class indices.
    sample_weight : ndarray of shape (n_samples,)
        Positive weights.
    max_passes : int
        Passes to make unless something stops the training earlier.
    batch_size : int
        Samples per step, at most ``n_samples``.
    shuffle : bool
        Shuffle the samples before each pass of mini-batches.
    shuffling : Shuffling
        Draws each pass's order of the samples.
    history : History
        Earlier passes' record; this training's passes are appended.
    stopping : NoImprovement
        The stopping rule.
    validation : ValidationSet, default=None
        Scored after each pass and recorded in ``history``.
    activation : str, default="relu"
        The hidden activation, for scoring the validation set.
    best_weights : BestWeights, default=None
        Keep the weights of the pass with the best validation score.
    hooks : NoHooks-like, default=None
        ``pass_begun()`` and ``pass_ended(params)`` around each pass.
    samples_before : int, default=0
        Samples seen by earlier trainings of these parameters: the
        "invscaling" schedule counts them.
    verbose : bool, default=False
        Print a line per pass.

    Returns
    -------
    outcome : TrainingOutcome

    Raises
    ------
    FloatingPointError
        If the training diverges (see :func:`raise_if_diverged`).
    KeyboardInterrupt
        If raised in the middle of a step, when the weights may be half updated.
    """
    hooks = hooks or NoHooks()
    n_samples = X.shape[0]
    n_passes = samples_seen = 0
    stopped_by, interrupted_at = "max passes", None
    with deferred_keyboard_interrupt() as interrupt:
        try:
            for pass_number in range(1, max_passes + 1):
                start_time = time.perf_counter()
                hooks.pass_begun()
                loss, n_steps, n_batches = run_pass(
                    steps, X, y, sample_weight, batch_size, shuffle, shuffling,
                    interrupt, pass_number, history.best_loss,
                )  # fmt: skip
                if n_steps < n_batches:  # Ctrl-C in the middle of the pass
                    samples_seen += min(n_steps * batch_size, n_samples)
                    stopped_by = "interrupt"
                    interrupted_at = (
                        f"in pass {pass_number} after {n_steps} of {n_batches} "
                        "mini-batches"
                    )
                    break
                raise_if_diverged(loss, steps.params, pass_number, history.best_loss)
                samples_seen += n_samples
                n_passes += 1
                score = record_pass(
                    steps, loss, history, stopping, validation, activation,
                    best_weights, samples_before + samples_seen,
                )  # fmt: skip
                if verbose:
                    message = f"Epoch {pass_number}, loss = {loss:.6f}"
                    if score is not None:
                        message += f", validation score = {score:.4f}"
                    print(f"{message}, {time.perf_counter() - start_time:.2f}s")
                reason = reason_to_stop(steps, stopping, hooks, interrupt, verbose)
                if reason is not None:
                    stopped_by = reason
                    if reason == "interrupt":
                        interrupted_at = f"after pass {pass_number}"
                    break
        except KeyboardInterrupt:
            # Raised, not requested: by a callback, or a second Ctrl-C. Between
            # steps the weights are whole and training stops as for the first
            # Ctrl-C; within a step they may be half updated: this training fails.
            if interrupt.in_step:
                raise
            stopped_by = "interrupt"
            interrupted_at = f"after pass {n_passes}"

    kept_best = best_weights is not None and best_weights.params is not None
    return TrainingOutcome(
        params=best_weights.params if kept_best else steps.params,
        n_passes=n_passes,
        samples_seen=samples_seen,
        stopped_by=stopped_by,
        interrupted_at=interrupted_at,
        kept_best=kept_best,
    )


def record_pass(
    steps, loss, history, stopping, validation, activation, best_weights,
    samples_seen,
):  # fmt: skip
    """After a complete pass: score it, count its progress, keep and record it.

    Returns
    -------
    validation_score : float or None
        The pass's validation score, None without a validation set.
    """
    score = validation_loss = None
    if validation is not None:
        score, validation_loss = validation.score_and_loss(steps.params, activation)
    stopping.count(history, loss, score)
    if best_weights is not None:
        best_weights.offer(score, steps.params)
    history.record(loss, score, validation_loss)
    steps.optimizer.pass_ended(samples_seen)
    return score


def reason_to_stop(steps, stopping, hooks, interrupt, verbose):
    """Why the training stops after this pass: a callback, Ctrl-C, no progress.

    Without progress for too long, the "adaptive" schedule lowers the learning
    rate and training goes on; other update rules stop.

    Returns
    -------
    reason : {"callback", "interrupt", "no improvement"} or None
        None to go on.
    """
    if hooks.pass_ended(steps.params):
        return "callback"
    if interrupt.requested:
        return "interrupt"
    if not stopping.says_stop:
        return None
    message = (
        f"No improvement of at least tol={stopping.tol} for "
        f"{stopping.n_iter_no_change} consecutive passes"
    )
    if steps.optimizer.stalled():
        if verbose:
            print(f"{message}: stopping.")
        return "no improvement"
    stopping.restart()
    if verbose:
        print(f"{message}: learning rate lowered to {steps.optimizer.learning_rate:g}.")
    return None


def run_pass(
    steps, X, y, sample_weight, batch_size, shuffle, shuffling, interrupt,
    pass_number, best_loss,
):  # fmt: skip
    """One pass over the data: a gradient step per mini-batch.

    Returns
    -------
    loss : float
        The mean of the mini-batches' losses, weighted by their sample weights
        (each taken before its step).
    n_steps : int
        Steps taken.
    n_batches : int
        Mini-batches in the pass; more than ``n_steps`` means that Ctrl-C
        stopped the pass after a whole step.
    """
    n_samples = X.shape[0]
    shuffled = shuffle and batch_size < n_samples
    # The order is NumPy's, from the fit's RandomState, whatever the namespace.
    order = shuffling.next_order(n_samples) if shuffled else None
    rows = take_rows
    if is_numpy(X):
        rows = _numpy_rows
    elif order is not None:
        order = from_numpy(order, like=X)
    xp = namespace(sample_weight)
    batches = range(0, n_samples, batch_size)
    weighted_loss = 0.0
    with steps.running():
        for n_steps, start in enumerate(batches, start=1):
            batch = slice(start, min(start + batch_size, n_samples))
            if order is not None:
                batch = order[batch]
            batch_weight = rows(sample_weight, batch)
            interrupt.in_step = True
            batch_loss = steps.step(rows(X, batch), rows(y, batch), batch_weight)
            interrupt.in_step = False
            if not np.isfinite(batch_loss):  # stop at the first bad mini-batch
                raise_if_diverged(batch_loss, (), pass_number, best_loss)
            weighted_loss += batch_loss * float(xp.sum(batch_weight))
            if interrupt.requested and n_steps < len(batches):
                raise_if_diverged(0.0, steps.params, pass_number, best_loss)
                return weighted_loss, n_steps, len(batches)
    return weighted_loss / float(xp.sum(sample_weight)), len(batches), len(batches)


def _numpy_rows(array, batch):
    """Rows ``batch`` (a slice or an index array) of a NumPy or sparse array."""
    return array[batch]


def take_rows(array, batch):
    """Rows ``batch`` of an array of any namespace; ``batch`` a slice or indices.

    Indices must be in the array's namespace and on its device.
    """
    if isinstance(batch, slice):
        return array[batch, ...]
    return namespace(array).take(array, batch, axis=0)


def _all_finite(array):
    """Whether every value of ``array`` (of any namespace) is finite."""
    xp = namespace(array)
    return bool(xp.all(xp.isfinite(array)))


def raise_if_diverged(loss, params, pass_number, best_loss):
    """Stop training whose loss or weights blew up, naming the likely cause.

    Non-finite values are divergence; so is a loss above ``DIVERGED_LOSS`` that
    grew ``DIVERGED_FACTOR``-fold over the best pass so far, which a too-large
    learning rate causes long before anything overflows.
    """
    finite = np.isfinite(loss) and all(_all_finite(p) for p in params)
    blown_up = finite and loss > max(DIVERGED_LOSS, DIVERGED_FACTOR * best_loss)
    if finite and not blown_up:
        return
    what = (
        f"the loss grew from {best_loss:.4g} to {loss:.4g}"
        if blown_up
        else "the loss or the weights became infinite or NaN"
    )
    raise FloatingPointError(
        f"Training diverged in pass {pass_number}: {what}. Lower alpha (the "
        "learning rate), scale X (for MNIST, X / 255), or use solver='adam'. The "
        "previous model, if any, is kept."
    )
