"""The training loop on its own: passes, stopping, best weights, divergence, hooks.

These tests drive ``_training.train`` directly with a plain step on small NumPy
problems, without an estimator.
"""

import ast
from pathlib import Path

import numpy as np
import pytest

from sklearn_scratchnet import _network, _steps, _training
from sklearn_scratchnet._interrupt import InterruptRequest
from sklearn_scratchnet._optimizers import GradientDescent

PACKAGE = Path(_training.__file__).parent


def _problem(m=60, n_features=5, hidden=8, n_classes=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(m, n_features))
    y = np.arange(m) % n_classes
    X[np.arange(m), y] += 2.0  # learnable: each class lifts one feature
    params = _network.init_params(n_features, hidden, n_classes, "relu", rng, X.dtype)
    return X, y, params


def _train(X, y, params, learning_rate=0.5, history=None, validation=None, **options):
    steps = _steps.GradientSteps(
        params, GradientDescent(params, learning_rate), "relu", 0.0
    )
    settings = dict(max_passes=20, batch_size=X.shape[0])
    settings.update(options)
    settings = _training.Settings(**settings)
    history = history or _training.History()
    outcome = _training.train(
        steps, X, y, np.ones(X.shape[0]), settings, history, validation
    )
    return outcome, history


def test_each_pass_is_a_full_batch_step_recorded_in_the_history():
    X, y, params = _problem()
    start = tuple(p.copy() for p in params)
    outcome, history = _train(X, y, params, max_passes=5)

    assert outcome.stopped_by == "max passes"
    assert outcome.n_passes == 5 and outcome.samples_seen == 5 * len(y)
    assert outcome.params is params  # trained in place
    # The first pass's loss is the loss of the starting weights.
    first = _network.loss(_network.forward(X, start)[2], y, start)
    assert history.loss_curve[0] == pytest.approx(first, rel=1e-12)
    assert history.loss_curve == sorted(history.loss_curve, reverse=True)
    assert history.best_loss == history.loss_curve[-1]


class _Optimizer:
    """An update rule that can or cannot go on with a lower learning rate."""

    def __init__(self, can_go_on):
        self.can_go_on, self.learning_rate = can_go_on, 1.0

    def stalled(self):
        if self.can_go_on:
            self.learning_rate /= 5
        return not self.can_go_on


def _stopping(n_iter_no_change, tol, can_go_on=False, hooks=None, **settings):
    settings = _training.Settings(
        max_passes=100, n_iter_no_change=n_iter_no_change, tol=tol, **settings
    )
    return _training.Stopping(
        settings, _Optimizer(can_go_on), hooks or _training.NoHooks(),
        InterruptRequest(),
    )  # fmt: skip


def test_no_improvement_counts_passes_as_mlpclassifier_does():
    rule = _stopping(2, tol=0.1)
    history = _training.History()
    reasons = []
    for loss in [1.0, 0.95, 0.5, 0.45, 0.44, 0.43]:
        rule.count(history, loss, None)
        history.record(loss)
        reasons.append(rule.reason(params=()))
    # 0.95 is not 0.1 below 1.0; 0.5 is; then three passes without progress.
    assert rule.passes_without_progress == 3
    assert reasons == [None] * 5 + ["no improvement"]


def test_no_improvement_counts_validation_scores_with_early_stopping():
    rule = _stopping(1, tol=0.01, early_stopping=True)
    history = _training.History(
        validation_scores=[], validation_losses=[], best_validation_score=-np.inf
    )
    reasons = []
    for score in [0.5, 0.505, 0.6, 0.6, 0.605]:
        rule.count(history, 1.0, score)
        history.record(1.0, score, 1.0)
        reasons.append(rule.reason(params=()))
    # 0.505 and 0.605 are not 0.01 above the best before them.
    assert reasons == [None] * 4 + ["no improvement"]


def test_the_stopping_verdict_asks_callback_interrupt_then_the_rule():
    class Stop:
        def pass_ended(self, params):
            return True

    rule = _stopping(0, tol=10.0, hooks=Stop())
    rule.interrupt.requested = True
    rule.count(_training.History(best_loss=1.0), 1.0, None)
    assert rule.reason(params=()) == "callback"
    rule.hooks = _training.NoHooks()
    assert rule.reason(params=()) == "interrupt"
    rule.interrupt.requested = False
    assert rule.reason(params=()) == "no improvement"


def test_the_adaptive_rate_goes_on_with_a_lower_learning_rate(capsys):
    rule = _stopping(0, tol=10.0, can_go_on=True, verbose=True)
    rule.count(_training.History(best_loss=1.0), 1.0, None)
    assert rule.reason(params=()) is None
    assert rule.passes_without_progress == 0  # counted afresh
    assert rule.optimizer.learning_rate == 0.2
    assert "learning rate lowered to 0.2" in capsys.readouterr().out


def test_a_non_finite_step_is_divergence_and_ctrl_c_stops_the_pass():
    rule = _stopping(10, tol=0.0)
    with pytest.raises(FloatingPointError, match="diverged in pass 3"):
        rule.after_step(np.nan, (), 3, 1.0, last=False)
    assert not rule.after_step(0.5, (np.ones(2),), 3, 1.0, last=False)
    rule.interrupt.requested = True
    assert rule.after_step(0.5, (np.ones(2),), 3, 1.0, last=False)
    assert not rule.after_step(0.5, (np.ones(2),), 3, 1.0, last=True)


def test_training_stops_after_n_iter_no_change_passes_without_progress():
    X, y, params = _problem()
    outcome, _ = _train(X, y, params, n_iter_no_change=3, tol=10.0)
    # A tolerance no pass can meet but the first (against an infinite best
    # loss): the fifth pass is the fourth in a row without progress.
    assert outcome.stopped_by == "no improvement"
    assert outcome.n_passes == 5


def test_best_weights_are_a_copy_of_the_best_scoring_pass():
    X, y, params = _problem()
    validation = _training.ValidationSet(X[:20], y[:20])
    history = _training.History(
        validation_scores=[], validation_losses=[], best_validation_score=-np.inf
    )
    outcome, history = _train(
        X, y, params, learning_rate=3.0, max_passes=12, validation=validation,
        early_stopping=True, n_iter_no_change=50, tol=0, history=history,
    )  # fmt: skip
    scores = history.validation_scores
    assert outcome.kept_best
    assert all(
        kept is not live for kept, live in zip(outcome.params, params, strict=True)
    )
    score, _ = validation.score_and_loss(outcome.params, "relu")
    assert score == max(scores)
    assert scores.index(max(scores)) < len(scores) - 1  # not simply the last


def test_starting_weights_compete_with_the_passes():
    X, y, params = _problem()
    validation = _training.ValidationSet(X, y)
    start = tuple(p.copy() for p in params)
    start_score, _ = validation.score_and_loss(start, "relu")
    history = _training.History(
        validation_scores=[], validation_losses=[], best_validation_score=-np.inf
    )
    # A learning rate that makes every pass worse than the start.
    outcome, history = _train(
        X, y, params, learning_rate=50.0, max_passes=2, validation=validation,
        early_stopping=True, starting_weights_compete=True, history=history,
    )  # fmt: skip
    assert max(history.validation_scores) < start_score
    assert outcome.kept_best
    for kept, first in zip(outcome.params, start, strict=True):
        np.testing.assert_array_equal(kept, first)


def test_a_hook_can_stop_the_training_after_a_pass():
    class StopAfterThree:
        def __init__(self):
            self.begun = self.ended = 0

        def pass_begun(self):
            self.begun += 1

        def pass_ended(self, params):
            self.ended += 1
            return self.ended == 3

    hooks = StopAfterThree()
    X, y, params = _problem()
    steps = _steps.GradientSteps(params, GradientDescent(params, 0.5), "relu", 0.0)
    settings = _training.Settings(max_passes=20)
    outcome = _training.train(
        steps, X, y, np.ones(len(y)), settings, _training.History(), hooks=hooks
    )
    assert outcome.stopped_by == "callback"
    assert (hooks.begun, hooks.ended, outcome.n_passes) == (3, 3, 3)


def test_divergence_is_an_error_that_names_the_pass():
    X, y, params = _problem()
    with pytest.raises(FloatingPointError, match=r"diverged in pass \d+: .*alpha"):
        _train(X * 1e3, y, params, learning_rate=1e3)


def test_mini_batches_follow_the_shuffling_stream():
    X, y, params = _problem()
    again = tuple(p.copy() for p in params)
    for trained in (params, again):
        shuffling = _training.Shuffling(np.random.RandomState(0))
        _train(X, y, trained, batch_size=16, shuffling=shuffling, max_passes=3)
    for ours, repeated in zip(params, again, strict=True):
        np.testing.assert_array_equal(ours, repeated)


def test_each_pass_reshuffles_the_previous_pass_order():
    """MLPClassifier's ``sample_idx = shuffle(sample_idx, random_state=rng)``."""
    shuffling = _training.Shuffling(np.random.RandomState(0))
    orders = [shuffling.next_order(7).copy() for _ in range(3)]
    draws = np.random.RandomState(0)
    expected = np.arange(7)
    for order in orders:
        expected = expected[draws.permutation(7)]
        np.testing.assert_array_equal(order, expected)
    # An order of another length (partial_fit on another chunk) starts afresh.
    draws_now = np.random.RandomState(1)
    shuffling = _training.Shuffling(np.random.RandomState(1), order=orders[-1])
    np.testing.assert_array_equal(shuffling.next_order(5), draws_now.permutation(5))


# Who may import whom (DESIGN.md): the math knows no scikit-learn and no
# threads, the loop knows no estimator, the estimator knows no CLI or plots.
# _namespace (which array namespace computes) sits below them all.
_ALLOWED = {
    "_namespace": set(),
    "_network": {"_namespace"},
    "_optimizers": {"_namespace"},
    "_steps": {"_network", "_namespace"},
    "_training": {"_network", "_interrupt", "_namespace"},
    "_lbfgs": {"_network", "_interrupt", "_namespace", "_training"},
}


def _imports(module):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _our_modules(imported):
    return {
        name.split(".")[1]
        for name in imported
        if name.startswith("sklearn_scratchnet.") and name.count(".") == 1
    }


@pytest.mark.parametrize("module", sorted(_ALLOWED))
def test_the_training_modules_import_only_downwards(module):
    imported = _imports(module)
    assert _our_modules(imported) <= _ALLOWED[module]
    assert not any(name.split(".")[0] == "sklearn" for name in imported)


# The estimator's helpers sit beside _classifier, which imports them: they may use
# scikit-learn and the modules below, never the estimator's module or those above.
_BESIDE_THE_ESTIMATOR = {
    "_targets": set(),
    "_validation_scoring": {"_namespace", "_targets", "_warnings"},
    "_array_api": {"_namespace", "_training"},
    "_warnings": {"exceptions"},
    "_model_state": {"_array_api", "_namespace"},
    "_training_data": {
        "_array_api",
        "_namespace",
        "_targets",
        "_warnings",
        "exceptions",
    },
    "_validation_set": {
        "_array_api",
        "_holdout",
        "_namespace",
        "_targets",
        "_training",
    },
}


@pytest.mark.parametrize("module", sorted(_BESIDE_THE_ESTIMATOR))
def test_the_estimator_helpers_import_only_downwards(module):
    assert _our_modules(_imports(module)) <= _BESIDE_THE_ESTIMATOR[module]
    assert set(_BESIDE_THE_ESTIMATOR) <= _our_modules(_imports("_classifier"))
