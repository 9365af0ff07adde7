"""The update rules against scikit-learn's own; their state saved by older versions."""

import pickle

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet._optimizers import Adam, GradientDescent


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
    for mine, reference in zip(ours.first_moments, theirs.ms, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-300)
    for mine, reference in zip(ours.second_moments, theirs.vs, strict=True):
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
    old_state["first_moments"] = current.first_moments
    old_state["second_moments"] = current.second_moments
    loaded = Adam.__new__(Adam)
    loaded.__setstate__(pickle.loads(pickle.dumps(old_state)))
    assert loaded.t == 10 and len(loaded.first_moment_sums) == 4
    saved = old_state["first_moments"]
    for mine, reference in zip(loaded.first_moments, saved, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-14)

    loaded_params = [p.copy() for p in params]
    for step_grads in grads[10:]:
        current.update(params, step_grads)
        loaded.update(loaded_params, step_grads)
    for mine, reference in zip(loaded_params, params, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda params: Adam(params, 0.01),
    lambda params: GradientDescent(params, 0.1, momentum=0.9),
])  # fmt: skip
def test_updating_rows_in_parts_equals_the_whole_update(make):
    rng = np.random.RandomState(0)
    whole = [rng.normal(size=(7, 5)), rng.normal(size=7)]
    parts = [array.copy() for array in whole]
    whole_optimizer, parts_optimizer = make(whole), make(parts)
    for _ in range(3):
        grads = [rng.normal(size=array.shape) for array in whole]
        whole_optimizer.update(whole, grads)
        parts_optimizer.start_step()
        for rows in (slice(0, 3), slice(3, 7)):
            for index, (param, grad) in enumerate(zip(parts, grads, strict=True)):
                parts_optimizer.update_part(index, param, grad, rows)
    for ours, expected in zip(parts, whole, strict=True):
        np.testing.assert_array_equal(ours, expected)
