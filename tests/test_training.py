"""The training loop on its own: passes, stopping, best weights, divergence, hooks.

These tests drive ``_training.train`` directly with a plain step on small NumPy
problems, without an estimator.
"""

import ast
from pathlib import Path

import numpy as np
import pytest

from sklearn_scratchnet import _network, _steps, _training
from sklearn_scratchnet._optimizers import GradientDescent

PACKAGE = Path(_training.__file__).parent


def _problem(m=60, n_features=5, hidden=8, n_classes=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(m, n_features))
    y = np.arange(m) % n_classes
    X[np.arange(m), y] += 2.0  # learnable: each class lifts one feature
    params = _network.init_params(n_features, hidden, n_classes, "relu", rng, X.dtype)
    return X, y, params


def _train(X, y, params, learning_rate=0.5, history=None, **options):
    steps = _steps.GradientSteps(
        params, GradientDescent(params, learning_rate), "relu", 0.0
    )
    settings = dict(
        max_passes=20,
        batch_size=X.shape[0],
        shuffle=False,
        rng=np.random.RandomState(0),
        history=history or _training.History(loss_curve=[]),
        stopping=_training.NoImprovement(10, 1e-4, on_validation=False),
    )
    settings.update(options)
    return _training.train(steps, X, y, np.ones(X.shape[0]), **settings), settings


def test_each_pass_is_a_full_batch_step_recorded_in_the_history():
    X, y, params = _problem()
    start = tuple(p.copy() for p in params)
    outcome, settings = _train(X, y, params, max_passes=5)
    history = settings["history"]

    assert outcome.stopped_by == "max passes"
    assert outcome.n_passes == 5 and outcome.samples_seen == 5 * len(y)
    assert outcome.params is params  # trained in place
    # The first pass's loss is the loss of the starting weights.
    first = _network.loss(_network.forward(X, start)[2], y, start)
    assert history.loss_curve[0] == pytest.approx(first, rel=1e-12)
    assert history.loss_curve == sorted(history.loss_curve, reverse=True)
    assert history.best_loss == history.loss_curve[-1]


def test_no_improvement_counts_passes_as_mlpclassifier_does():
    rule = _training.NoImprovement(2, tol=0.1, on_validation=False)
    history = _training.History(loss_curve=[])
    stops = []
    for loss in [1.0, 0.95, 0.5, 0.45, 0.44, 0.43]:
        rule.count(history, loss, None)
        history.record(loss)
        stops.append(rule.says_stop)
    # 0.95 is not 0.1 below 1.0; 0.5 is; then three passes without progress.
    assert rule.passes_without_progress == 3
    assert stops == [False, False, False, False, False, True]


def test_training_stops_after_n_iter_no_change_passes_without_progress():
    X, y, params = _problem()
    stopping = _training.NoImprovement(3, tol=10.0, on_validation=False)
    outcome, settings = _train(X, y, params, stopping=stopping)
    # A tolerance no pass can meet but the first (against an infinite best
    # loss): the fifth pass is the fourth in a row without progress.
    assert outcome.stopped_by == "no improvement"
    assert outcome.n_passes == 5


def test_best_weights_are_a_copy_of_the_best_scoring_pass():
    X, y, params = _problem()
    best = _training.BestWeights()
    validation = _training.ValidationSet(X[:20], y[:20])
    history = _training.History(
        loss_curve=[], validation_scores=[], validation_losses=[],
        best_validation_score=-np.inf,
    )  # fmt: skip
    outcome, settings = _train(
        X, y, params, learning_rate=3.0, max_passes=12, validation=validation,
        best_weights=best, stopping=_training.NoImprovement(50, 0, True),
        history=history,
    )  # fmt: skip
    scores = settings["history"].validation_scores
    assert outcome.kept_best and outcome.params is best.params
    assert best.score == max(scores)
    assert all(kept is not live for kept, live in zip(best.params, params, strict=True))
    score, _ = validation.score_and_loss(outcome.params, "relu")
    assert score == max(scores)


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
    outcome, _ = _train(*_problem(), hooks=hooks)
    assert outcome.stopped_by == "callback"
    assert (hooks.begun, hooks.ended, outcome.n_passes) == (3, 3, 3)


def test_divergence_is_an_error_that_names_the_pass():
    X, y, params = _problem()
    with pytest.raises(FloatingPointError, match=r"diverged in pass \d+: .*alpha"):
        _train(X * 1e3, y, params, learning_rate=1e3)


def test_mini_batches_follow_the_shuffling_stream():
    X, y, params = _problem()
    again = tuple(p.copy() for p in params)
    _train(X, y, params, batch_size=16, shuffle=True, max_passes=3)
    _train(X, y, again, batch_size=16, shuffle=True, max_passes=3)
    for ours, repeated in zip(params, again, strict=True):
        np.testing.assert_array_equal(ours, repeated)


# Who may import whom (DESIGN.md): the math knows no scikit-learn and no
# threads, the loop knows no estimator, the estimator knows no CLI or plots.
# _namespace (which array namespace computes) sits below them all.
_ALLOWED = {
    "_namespace": set(),
    "_network": {"_namespace"},
    "_optimizers": {"_namespace"},
    "_steps": {"_network", "_namespace"},
    "_training": {"_network", "_interrupt", "_namespace"},
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
    "_validation_scoring": {"_namespace", "_targets"},
    "_array_api": {"_namespace", "_training"},
}


@pytest.mark.parametrize("module", sorted(_BESIDE_THE_ESTIMATOR))
def test_the_estimator_helpers_import_only_downwards(module):
    assert _our_modules(_imports(module)) <= _BESIDE_THE_ESTIMATOR[module]
    assert set(_BESIDE_THE_ESTIMATOR) <= _our_modules(_imports("_classifier"))
