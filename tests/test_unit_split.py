"""Steps with the hidden units split over threads: the same gradient, reproducibly."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info, threadpool_limits

from sklearn_scratchnet import ScratchMLPClassifier, _network, _unit_split
from sklearn_scratchnet._optimizers import Adam, GradientDescent

ACTIVATION_NAMES = sorted(_network.ACTIVATIONS)


def _problem(dtype=np.float64, m=40, n_features=12, hidden=9, n_classes=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(m, n_features)).astype(dtype)
    y = np.arange(m) % n_classes
    params = _network.init_params(n_features, hidden, n_classes, "relu", rng, dtype)
    return X, y, params


def _copies(arrays):
    return tuple(array.copy() for array in arrays)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("l2", [0.0, 0.4])
@pytest.mark.parametrize("weighted", [False, True])
def test_split_step_takes_the_gradient_of_loss_and_gradients(activation, l2, weighted):
    """With plain gradient descent at rate 1 a step subtracts the gradient, which
    must be the one ``loss_and_gradients`` computes (itself checked against
    central differences in test_network.py)."""
    X, y, params = _problem()
    sample_weight = np.random.RandomState(1).uniform(0.5, 2, X.shape[0])
    sample_weight = sample_weight if weighted else None
    expected_loss, expected_grads = _network.loss_and_gradients(
        X, y, params, activation, sample_weight, l2
    )
    before = _copies(params)
    optimizer = GradientDescent(params, 1.0)
    steps = _unit_split.UnitSplitSteps(params, optimizer, 3, activation, l2)
    with steps.running():
        loss = steps.step(X, y, sample_weight)

    assert loss == pytest.approx(expected_loss, rel=1e-12)
    for old, new, grad in zip(before, params, expected_grads, strict=True):
        np.testing.assert_allclose(old - new, grad, rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("kind", ["binary", "multilabel"])
def test_split_step_takes_the_gradient_with_logistic_outputs(kind):
    """Two classes (one logistic unit) and multilabel targets (one per label)."""
    rng = np.random.RandomState(3)
    X = rng.normal(size=(40, 12))
    if kind == "binary":
        y, n_outputs = np.arange(40) % 2, 1
    else:
        y, n_outputs = (rng.uniform(size=(40, 3)) < 0.4).astype(float), 3
    params = _network.init_params(12, 9, n_outputs, "tanh", rng, np.float64)
    expected_loss, expected_grads = _network.loss_and_gradients(
        X, y, params, "tanh", None, 0.1, output="logistic"
    )
    before = _copies(params)
    steps = _unit_split.UnitSplitSteps(
        params, GradientDescent(params, 1.0), 3, "tanh", 0.1, "logistic"
    )
    with steps.running():
        loss = steps.step(X, y, None)

    assert loss == pytest.approx(expected_loss, rel=1e-12)
    for old, new, grad in zip(before, params, expected_grads, strict=True):
        np.testing.assert_allclose(old - new, grad, rtol=1e-9, atol=1e-14)


def _train_split(n_threads, n_steps=6):
    X, y, params = _problem(m=64, hidden=40)
    steps = _unit_split.UnitSplitSteps(
        params, Adam(params, 0.01), n_threads, "relu", 0.01
    )
    with steps.running():
        losses = [steps.step(X, y, None) for _ in range(n_steps)]
    return params, losses


@pytest.mark.parametrize("n_threads", [2, 3])
def test_split_steps_are_reproducible_and_agree_with_one_thread(n_threads):
    reference, reference_losses = _train_split(1)
    params, losses = _train_split(n_threads)
    again, again_losses = _train_split(n_threads)
    assert again_losses == losses
    np.testing.assert_allclose(losses, reference_losses, rtol=1e-12)
    for ours, repeated, expected in zip(params, again, reference, strict=True):
        np.testing.assert_array_equal(ours, repeated)
        np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-12)


def test_the_calling_thread_takes_a_little_more_than_an_even_share():
    def bounds(hidden_size, n_threads):
        ranges = _unit_split._row_ranges(hidden_size, n_threads)
        return [(rows.start, rows.stop) for rows in ranges]

    assert bounds(512, 1) == [(0, 512)]
    assert bounds(512, 2) == [(0, 264), (264, 512)]
    assert bounds(256, 2) == [(0, 132), (132, 256)]
    assert bounds(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert bounds(1024, 4) == [(0, 272), (272, 522), (522, 773), (773, 1024)]


def test_an_error_in_another_thread_is_raised_after_every_thread_stopped():
    X, y, params = _problem(hidden=12)
    steps = _unit_split.UnitSplitSteps(params, Adam(params, 0.1), 3, "relu", 0.0)
    finished = []

    def fail_after_the_first_range(part, rows):
        if rows.start > 0:
            raise ValueError(f"units {rows.start}:{rows.stop}")
        finished.append(rows)

    with pytest.raises(ValueError, match="units"):
        steps._in_parallel(fail_after_the_first_range)
    assert finished == [slice(0, 4)]  # the first range, on the calling thread


def test_threads_for_leaves_small_sparse_and_blocked_steps_to_blas(monkeypatch):
    monkeypatch.setattr(_unit_split, "available_threads", lambda: 4)
    dense = np.zeros((10, 3))
    per_thread = _unit_split.MIN_UNITS_PER_THREAD
    assert _unit_split.threads_for(dense, 4 * per_thread, 256) == 4
    assert _unit_split.threads_for(dense, 2 * per_thread + 5, 256) == 2
    assert _unit_split.threads_for(dense, per_thread * 2 - 1, 256) == 1
    assert _unit_split.threads_for(sparse.csr_matrix(dense), 4 * per_thread, 256) == 1
    assert _unit_split.threads_for(dense, 4 * per_thread, 10**6) == 1


def test_available_threads_follows_threadpool_limits():
    assert _unit_split.available_threads() >= 1
    with threadpool_limits(limits=1, user_api="blas"):
        assert _unit_split.available_threads() == 1


_SPLIT_STEP = _unit_split.UnitSplitSteps.step


def _split_steps(n_threads):
    params = _problem()[2]
    return _unit_split.UnitSplitSteps(params, Adam(params, 0.1), n_threads, "relu", 0)


def _blas_threads():
    return min(info["num_threads"] for info in threadpool_info()
               if info["user_api"] == "blas")  # fmt: skip


def test_fits_in_several_threads_restore_blas_threads_in_any_order():
    """BLAS's thread count comes back to what it was, whichever fit ends first."""
    before = _blas_threads()
    first, second = _split_steps(2), _split_steps(2)
    first_context, second_context = first.running(), second.running()
    first_context.__enter__()
    second_context.__enter__()
    assert _blas_threads() == 1
    first_context.__exit__(None, None, None)  # the first to begin ends first
    assert _blas_threads() == 1  # the second still runs
    second_context.__exit__(None, None, None)
    assert _blas_threads() == before


def test_a_fit_asking_for_more_threads_leaves_running_fits_their_pool(monkeypatch):
    """A fit that needs a larger pool must not shut down the one that another
    fit, running in another thread, still submits its ranges to."""
    monkeypatch.setattr(_unit_split, "_executor", None)
    monkeypatch.setattr(_unit_split, "_executor_workers", 0)
    X, y, _ = _problem()
    running = _split_steps(2)
    _split_steps(3)  # begins meanwhile, with a pool of two workers
    with running.running():
        loss = running.step(X, y, None)
    assert np.isfinite(loss)


def test_other_fits_see_the_process_threads_while_a_split_fit_runs():
    """The one-thread limit of a split fit is its own: a fit that begins
    meanwhile chooses its steps from the threads the process has."""
    before = _unit_split.available_threads()
    with _split_steps(2).running():
        assert _unit_split.available_threads() == before


def _fit(X, y, split, monkeypatch, **params):
    threads = 2 if split else 1
    monkeypatch.setattr(_unit_split, "available_threads", lambda: threads)
    monkeypatch.setattr(_unit_split, "MIN_UNITS_PER_THREAD", 4)
    calls = []

    def counted_step(self, *args):
        calls.append(self.n_threads)
        return _SPLIT_STEP(self, *args)

    monkeypatch.setattr(_unit_split.UnitSplitSteps, "step", counted_step)
    clf = ScratchMLPClassifier(random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return clf, calls


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_fit_with_split_steps_trains_the_same_model(mnist_subset, solver, monkeypatch):
    """On real digits, a fit whose steps split the units over two threads ends
    where the usual steps end, up to float64 rounding, and reproducibly."""
    X_train, X_test, y_train, y_test = mnist_subset
    X, Xt = X_train[:2000].astype(np.float64), X_test.astype(np.float64)
    params = dict(hidden_size=16, solver=solver, batch_size=100, max_iter=4, l2=1e-3)
    params.update(alpha=0.01) if solver == "adam" else params.update(momentum=0.9)
    usual, usual_calls = _fit(X, y_train[:2000], False, monkeypatch, **params)
    split, split_calls = _fit(X, y_train[:2000], True, monkeypatch, **params)
    again, _ = _fit(X, y_train[:2000], True, monkeypatch, **params)

    assert usual_calls == [] and split_calls == [2] * 80
    for name in ("W1_", "b1_", "W2_", "b2_"):
        np.testing.assert_allclose(
            getattr(split, name), getattr(usual, name), rtol=1e-7, atol=1e-10
        )
        np.testing.assert_array_equal(getattr(split, name), getattr(again, name))
    np.testing.assert_allclose(split.loss_curve_, usual.loss_curve_, rtol=1e-9)
    assert split.score(Xt, y_test) == usual.score(Xt, y_test)
    assert split.score(Xt, y_test) > 0.8
