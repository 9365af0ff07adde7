"""The training loop: passes over the data in mini-batches, until a reason to stop.

The loop knows no estimator. It is handed a step object (see ``_steps``: one
gradient step per mini-batch), the training data, its :class:`Settings`, the
:class:`History` of earlier passes and, optionally, a validation set and
callback hooks, and it returns a :class:`TrainingOutcome`. As skorch's loop, it
is layered in functions of a screen or less::

    train                     the loop's entry: Loop(...).run()
      Loop.run                passes until a reason to stop; Ctrl-C; outcome
        Loop.run_single_pass  one pass, its record, the verdict on it
          Loop.run_pass       the samples' order, a step per mini-batch
            steps.step        forward, loss, backward and update of one batch
          Loop.end_pass       validation score, best weights, history
    Stopping                  the one place that decides why training stops

A pass is one sweep over the training data (an "epoch"). The loop updates the
parameters and the history in place; the estimator keeps a copy of its model to
put back should the training fail. L-BFGS (``_lbfgs``) records its iterations
in the same :class:`History` and ends with a :class:`TrainingOutcome` too.
"""

import operator
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
    scored_with : object
        How the validation scores were scored (the estimator's ``scoring``).
    """

    loss_curve: list = field(default_factory=list)
    best_loss: float = np.inf
    validation_scores: list | None = None
    validation_losses: list | None = None
    best_validation_score: float | None = None
    scored_with: object = None

    @classmethod
    def of_model(cls, attributes, with_validation, scoring=None):
        """The history that a model's fitted attributes record, to extend.

        Parameters
        ----------
        attributes : mapping
            The model's attributes (``vars(estimator)``), named as
            MLPClassifier's: ``loss_curve_``, ``best_loss_`` (None: not
            known), ``validation_scores_``, ``validation_loss_curve_`` and
            ``best_validation_score_``; and ``_scored_with``.
        with_validation : bool
            Whether the passes to come score a validation set: a model
            trained without one gets empty validation records.
        scoring : object, default=None
            How the passes to come are scored. Scores scored otherwise are on
            another scale: the best score is then sought afresh.
        """
        best_loss = attributes["best_loss_"]
        history = cls(
            loss_curve=attributes["loss_curve_"],
            best_loss=np.inf if best_loss is None else best_loss,
            validation_scores=attributes["validation_scores_"],
            validation_losses=attributes["validation_loss_curve_"],
            best_validation_score=attributes["best_validation_score_"],
            scored_with=attributes.get("_scored_with", scoring),
        )
        if not with_validation:
            return history
        if history.validation_scores is None:  # a model trained without one
            history.validation_scores, history.validation_losses = [], []
            history.best_validation_score = -np.inf
        elif history.scored_with != scoring:  # scores on another scale
            history.best_validation_score = -np.inf
        history.scored_with = scoring
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
            "_scored_with": self.scored_with,
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


@dataclass
class Settings:
    """How the loop trains: passes, mini-batches, order, stopping, printing.

    Attributes
    ----------
    max_passes : int
        Passes to make unless something stops the training earlier (for
        L-BFGS, iterations).
    batch_size : int or None, default=None
        Samples per step; None (or more than the samples) is the full batch.
    shuffling : Shuffling or None, default=None
        Draws each pass's order of the samples; None keeps their order.
    n_iter_no_change : int or float, default=10
        Passes in a row without progress that are tolerated (see
        :class:`Stopping`).
    tol : float, default=1e-4
        The least improvement that counts as progress (for L-BFGS, the
        gradient's tolerance).
    early_stopping : bool, default=False
        Judge progress by the validation score instead of the training loss,
        and keep the weights of the pass that scored best.
    starting_weights_compete : bool, default=False
        With ``early_stopping``: the starting weights (a continued fit's) are
        scored first and kept unless a pass beats them.
    activation : str, default="relu"
        The hidden activation, for scoring the validation set.
    samples_before : int, default=0
        Samples seen by earlier trainings of these parameters: the
        "invscaling" schedule counts them.
    verbose : bool, default=False
        Print a line per pass.
    """

    max_passes: int
    batch_size: int | None = None
    shuffling: Shuffling | None = None
    n_iter_no_change: float = 10
    tol: float = 1e-4
    early_stopping: bool = False
    starting_weights_compete: bool = False
    activation: str = "relu"
    samples_before: int = 0
    verbose: bool = False


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

    @classmethod
    def to_beat(cls, settings, validation, params):
        """What a pass must beat to be kept; None without early stopping.

        A continued fit starts from weights that may be better than any of
        its passes: they compete too, scored on this fit's validation set.
        """
        if not settings.early_stopping:
            return None
        if not settings.starting_weights_compete:
            return cls()
        score, _ = validation.score_and_loss(params, settings.activation)
        return cls(score, tuple(copy(p) for p in params))

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
    """How a training (the loop's, or L-BFGS's) ended.

    Attributes
    ----------
    params : tuple of ndarray
        The weights to keep: the best pass's with :class:`BestWeights`, else the
        last step's.
    n_passes : int
        Complete passes made (for L-BFGS, iterations).
    samples_seen : int
        Training samples used in steps, counting each pass.
    stopped_by : str
        The loop's "max passes", "no improvement", "callback" or "interrupt";
        L-BFGS's "converged", "not converged" or "interrupt".
    interrupted_at : str or None
        Where Ctrl-C stopped the training, in words.
    kept_best : bool
        Whether ``params`` are the best pass's rather than the last step's.
    message : str or None
        L-BFGS-B's account of why it stopped.
    loss : float or None
        The loss of the final weights, where known apart from the history
        (L-BFGS's).
    """

    params: tuple
    n_passes: int
    samples_seen: int
    stopped_by: str
    interrupted_at: str | None = None
    kept_best: bool = False
    message: str | None = None
    loss: float | None = None


class Stopping:
    """The one place that decides why training stops.

    During a pass, a non-finite mini-batch loss is divergence, and Ctrl-C stops
    the pass after the step under way. After a complete pass, divergence (a
    blown-up loss, non-finite weights) is checked first (:meth:`check_pass`);
    once the pass is recorded,
    :meth:`reason` asks, in this order: a callback, Ctrl-C, and
    MLPClassifier's rule, more than ``n_iter_no_change`` passes in a row
    without progress (a pass makes progress when it lowers the best training
    loss so far by at least ``tol`` or, with early stopping, raises the best
    validation score so far by at least ``tol``). The update rule has the last
    word: the "adaptive" schedule lowers the learning rate and goes on
    (``optimizer.stalled()``). Divergence raises a FloatingPointError.

    Parameters
    ----------
    settings : Settings
        ``n_iter_no_change``, ``tol``, ``early_stopping`` and ``verbose``.
    optimizer : GradientDescent or Adam
        The update rule.
    hooks : NoHooks-like
        ``pass_ended(params)`` is True when a callback asks to stop.
    interrupt : InterruptRequest
        Whether Ctrl-C was pressed.
    """

    def __init__(self, settings, optimizer, hooks, interrupt):
        self.settings = settings
        self.optimizer = optimizer
        self.hooks = hooks
        self.interrupt = interrupt
        self.passes_without_progress = 0

    def after_step(self, batch_loss, params, pass_number, best_loss, last):
        """Whether Ctrl-C stops the pass after this step, not its ``last``."""
        if not np.isfinite(batch_loss):  # stop at the first bad mini-batch
            self.check_pass(batch_loss, (), pass_number, best_loss)
        if self.interrupt.requested and not last:
            self.check_pass(0.0, params, pass_number, best_loss)
            return True
        return False

    @staticmethod
    def check_pass(loss, params, pass_number, best_loss):
        """Stop training whose loss or weights blew up, naming the likely cause.

        Non-finite values are divergence; so is a loss above ``DIVERGED_LOSS``
        that grew ``DIVERGED_FACTOR``-fold over the best pass so far, which a
        too-large learning rate causes long before anything overflows.
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
            "learning rate), scale X (for MNIST, X / 255), or use solver='adam'. "
            "The previous model, if any, is kept."
        )

    def count(self, history, loss, validation_score):
        """Count a pass's progress, against the bests of ``history`` before it."""
        tol = self.settings.tol
        if self.settings.early_stopping:
            progress = validation_score >= history.best_validation_score + tol
        else:
            progress = loss <= history.best_loss - tol
        self.passes_without_progress = (
            0 if progress else self.passes_without_progress + 1
        )

    def reason(self, params):
        """Why the training stops after this pass; None to go on.

        Returns
        -------
        reason : {"callback", "interrupt", "no improvement"} or None
        """
        if self.hooks.pass_ended(params):
            return "callback"
        if self.interrupt.requested:
            return "interrupt"
        if self.passes_without_progress <= self.settings.n_iter_no_change:
            return None
        message = (
            f"No improvement of at least tol={self.settings.tol} for "
            f"{self.settings.n_iter_no_change} consecutive passes"
        )
        if self.optimizer.stalled():
            self._say(f"{message}: stopping.")
            return "no improvement"
        self.passes_without_progress = 0
        self._say(
            f"{message}: learning rate lowered to {self.optimizer.learning_rate:g}."
        )
        return None

    def _say(self, message):
        if self.settings.verbose:
            print(message)


def train(steps, X, y, sample_weight, settings, history, validation=None, hooks=None):
    """Train ``steps.params`` for up to ``settings.max_passes`` passes over ``(X, y)``.

    Parameters
    ----------
    steps : GradientSteps
        Owns the parameters and the optimizer; one gradient step per batch.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Training data.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The targets, as ``_network.targets`` takes them.
    sample_weight : ndarray of shape (n_samples,)
        Positive weights.
    settings : Settings
        How to train.
    history : History
        Earlier passes' record; this training's passes are appended.
    validation : ValidationSet, default=None
        Scored after each pass and recorded in ``history``.
    hooks : NoHooks-like, default=None
        ``pass_begun()`` and ``pass_ended(params)`` around each pass.

    Returns
    -------
    outcome : TrainingOutcome

    Raises
    ------
    FloatingPointError
        If the training diverges (see :meth:`Stopping.check_pass`).
    KeyboardInterrupt
        If raised in the middle of a step, when the weights may be half updated.
    """
    loop = Loop(steps, X, y, sample_weight, settings, history, validation)
    return loop.run(hooks or NoHooks())


@dataclass
class Loop:
    """One training: the passes, each a step per mini-batch (see :func:`train`)."""

    steps: object
    X: object
    y: object
    sample_weight: object
    settings: Settings
    history: History
    validation: ValidationSet | None = None
    # Set by run: what the passes share.
    best: BestWeights | None = field(init=False, default=None)
    stopping: Stopping | None = field(init=False, default=None)
    outcome: TrainingOutcome | None = field(init=False, default=None)

    def run(self, hooks):
        """Pass after pass until :class:`Stopping` gives a reason; the outcome."""
        params = self.steps.params
        self.best = BestWeights.to_beat(self.settings, self.validation, params)
        self.outcome = outcome = TrainingOutcome(params, 0, 0, "max passes")
        with deferred_keyboard_interrupt() as interrupt:
            self.stopping = Stopping(
                self.settings, self.steps.optimizer, hooks, interrupt
            )
            try:
                for pass_number in range(1, self.settings.max_passes + 1):
                    hooks.pass_begun()
                    reason = self.run_single_pass(pass_number)
                    if reason is not None:
                        outcome.stopped_by = reason
                        break
            except KeyboardInterrupt:
                # Raised, not requested: by a callback, or a second Ctrl-C.
                # Between steps the weights are whole and training stops as for
                # the first Ctrl-C; within a step they may be half updated: this
                # training fails.
                if interrupt.in_step:
                    raise
                outcome.stopped_by = "interrupt"
        if outcome.stopped_by == "interrupt":
            where = outcome.interrupted_at or f"after pass {outcome.n_passes}"
            outcome.interrupted_at = (
                f"{where} ({outcome.n_passes} of {self.settings.max_passes} passes "
                "complete)"
            )
        if self.best is not None and self.best.params is not None:
            outcome.params, outcome.kept_best = self.best.params, True
        return outcome

    def run_single_pass(self, pass_number):
        """One pass, its record and the verdict on it: why to stop, or None."""
        start_time = time.perf_counter()
        loss, n_steps, n_batches = self.run_pass(pass_number)
        n_samples, outcome = self.X.shape[0], self.outcome
        if n_steps < n_batches:  # Ctrl-C in the middle of the pass
            batch_size = self.settings.batch_size or n_samples
            outcome.samples_seen += min(n_steps * batch_size, n_samples)
            outcome.interrupted_at = (
                f"in pass {pass_number} after {n_steps} of {n_batches} mini-batches"
            )
            return "interrupt"
        params = self.steps.params
        self.stopping.check_pass(loss, params, pass_number, self.history.best_loss)
        outcome.samples_seen += n_samples
        outcome.n_passes += 1
        score = self.end_pass(loss)
        if self.settings.verbose:
            message = f"Epoch {pass_number}, loss = {loss:.6f}"
            if score is not None:
                message += f", validation score = {score:.4f}"
            print(f"{message}, {time.perf_counter() - start_time:.2f}s")
        return self.stopping.reason(params)

    def end_pass(self, loss):
        """After a complete pass: score it, count its progress, keep, record it.

        Returns the pass's validation score, None without a validation set.
        """
        params, history = self.steps.params, self.history
        score = validation_loss = None
        if self.validation is not None:
            activation = self.settings.activation
            score, validation_loss = self.validation.score_and_loss(params, activation)
        self.stopping.count(history, loss, score)
        if self.best is not None:
            self.best.offer(score, params)
        history.record(loss, score, validation_loss)
        samples_seen = self.settings.samples_before + self.outcome.samples_seen
        self.steps.optimizer.pass_ended(samples_seen)
        return score

    def run_pass(self, pass_number):
        """One pass over the data: a gradient step per mini-batch.

        Returns
        -------
        loss : float
            The mean of the mini-batches' losses, weighted by their sample
            weights (each taken before its step).
        n_steps : int
            Steps taken.
        n_batches : int
            Mini-batches in the pass; more than ``n_steps`` means that Ctrl-C
            stopped the pass after a whole step.
        """
        X, y, sample_weight, steps = self.X, self.y, self.sample_weight, self.steps
        n_samples = X.shape[0]
        batch_size = self.settings.batch_size or n_samples
        order = self._order(n_samples, batch_size)
        rows = operator.getitem if is_numpy(X) else take_rows  # array[batch]
        xp = namespace(sample_weight)
        batches = range(0, n_samples, batch_size)
        weighted_loss, interrupt = 0.0, self.stopping.interrupt
        for n_steps, start in enumerate(batches, start=1):
            batch = slice(start, min(start + batch_size, n_samples))
            if order is not None:
                batch = order[batch]
            batch_weight = rows(sample_weight, batch)
            interrupt.in_step = True
            batch_loss = steps.step(rows(X, batch), rows(y, batch), batch_weight)
            interrupt.in_step = False
            weighted_loss += batch_loss * float(xp.sum(batch_weight))
            if self.stopping.after_step(
                batch_loss, steps.params, pass_number, self.history.best_loss,
                last=n_steps == len(batches),
            ):  # fmt: skip
                return weighted_loss, n_steps, len(batches)
        return weighted_loss / float(xp.sum(sample_weight)), len(batches), len(batches)

    def _order(self, n_samples, batch_size):
        """This pass's order of the samples, in X's namespace; None: as they are.

        Full-batch steps do not depend on the order: nothing is drawn then.
        """
        shuffling = self.settings.shuffling
        if shuffling is None or batch_size >= n_samples:
            return None
        # NumPy's order, from the fit's RandomState, whatever the namespace.
        order = shuffling.next_order(n_samples)
        return order if is_numpy(self.X) else from_numpy(order, like=self.X)


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
