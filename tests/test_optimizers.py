"""The update rules against scikit-learn's own; their state saved by older versions."""

import pickle

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet._optimizers import Adam


def _random_params_and_grads(seed, n_steps):
    rng = np.random.default_rng(seed)
    shapes = [(7, 5), (7,), (3, 7), (3,)]
    params = [rng.standard_normal(shape) for shape in shapes]
    # Gradients of very different sizes per step, zeros included, so that every
    # term of the update (and epsilon) matters somewhere.
    grads = [
        [rng.standard_normal(shape) * 10.0 ** rng.integers(-9, 2) for shape in shapes]
        for _ in range(n_steps)
    ]
    for step in grads[::5]:
        step[1][:] = 0.0
    return params, grads


def test_adam_takes_the_steps_of_scikit_learns_adam():
    params, grads = _random_params_and_grads(seed=0, n_steps=60)
    theirs_params = [p.copy() for p in params]
    theirs = AdamOptimizer(theirs_params, learning_rate_init=0.01)
    ours = Adam(params, learning_rate=0.01)
    for step_grads in grads:
        ours.update(params, step_grads)
        theirs.update_params(theirs_params, step_grads)
        for mine, reference in zip(params, theirs_params, strict=True):
            np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-15)
    for mine, reference in zip(_first_moments(ours), theirs.ms, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-300)
    for mine, reference in zip(_second_moments(ours), theirs.vs, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-300)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_adam_fit_takes_mlpclassifier_steps(mnist_subset):
    """Full-batch Adam from the same start: MLPClassifier's weights, pass by pass."""
    X_train, _, y_train, _ = mnist_subset
    X, y = X_train[:500].astype(np.float64), y_train[:500]
    ours = ScratchMLPClassifier(
        hidden_size=16, solver="adam", alpha=0.01, batch_size=len(X), max_iter=30,
        random_state=3,
    ).fit(X, y)  # fmt: skip
    theirs = MLPClassifier(
        hidden_layer_sizes=(16,), solver="adam", learning_rate_init=0.01,
        batch_size=len(X), alpha=0.0, max_iter=30, shuffle=False, random_state=3,
    ).fit(X, y)  # fmt: skip
    np.testing.assert_allclose(ours.coefs_[0], theirs.coefs_[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.coefs_[1], theirs.coefs_[1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)


def test_adam_state_saved_by_version_0_2_continues_the_same():
    """Version 0.2 kept the averages m and v; such a state loads as the sums."""
    params, grads = _random_params_and_grads(seed=1, n_steps=20)
    current = Adam(params, learning_rate=0.001)
    for step_grads in grads[:10]:
        current.update(params, step_grads)
    old_state = {
        name: value
        for name, value in vars(current).items()
        if name not in ("first_moment_sums", "second_moment_sums")
    }
    old_state["first_moments"] = _first_moments(current)
    old_state["second_moments"] = _second_moments(current)
    loaded = Adam.__new__(Adam)
    loaded.__setstate__(pickle.loads(pickle.dumps(old_state)))
    assert loaded.t == 10 and len(loaded.first_moment_sums) == 4
    saved = old_state["first_moments"]
    for mine, reference in zip(_first_moments(loaded), saved, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-14)

    loaded_params = [p.copy() for p in params]
    for step_grads in grads[10:]:
        current.update(params, step_grads)
        loaded.update(loaded_params, step_grads)
    for mine, reference in zip(loaded_params, params, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-12)


def _first_moments(adam):
    """Adam's first moment estimates m, from the sums M it keeps: m = (1 - beta_1) M."""
    return [(1 - adam.beta_1) * M for M in adam.first_moment_sums]


def _second_moments(adam):
    """Adam's second moment estimates v = (1 - beta_2) V."""
    return [(1 - adam.beta_2) * V for V in adam.second_moment_sums]
