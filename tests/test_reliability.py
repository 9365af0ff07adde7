"""Numerical faults, concurrent predictions and long streams of partial_fit."""

import gc
import threading
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_scratchnet import ScratchMLPClassifier, _optimizers
from sklearn_scratchnet.exceptions import UnscaledInputWarning


def fitted(X, y, dtype=np.float64, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ScratchMLPClassifier(max_iter=5, random_state=0, **params).fit(
            X.astype(dtype), y
        )


# ------------------------------------------------------------- numerical faults


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1e3, 1e30, "largest", "overflow"])
def test_probabilities_are_finite_for_logits_of_any_magnitude(dtype, scale):
    rng = np.random.default_rng(0)
    X = rng.random((40, 6)).astype(dtype)
    y = np.arange(40) % 3
    clf = fitted(X, y, dtype)
    largest = np.finfo(dtype).max
    if scale == "overflow":
        # Hidden activations beyond the dtype's range: the logits are +-inf.
        clf.W1_[:] = np.abs(clf.W1_) * largest
        clf.W2_[:] = np.array([[-1.0], [2.0], [-1.0]], dtype=dtype)
    elif scale == "largest":
        # Finite logits whose differences overflow.
        clf.W2_[:] = 0
        clf.b2_[:] = np.array([largest, -largest, 0], dtype=dtype)
    else:
        clf.W2_ *= dtype(scale)
        clf.b2_[:] = np.array([scale, -scale, 0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even an overflow warning...
        # ...beyond the hidden layer's own, when its products overflow.
        with np.errstate(over="ignore" if scale == "overflow" else "raise"):
            proba = clf.predict_proba(X)
            log_proba = clf.predict_log_proba(X)
            predicted = clf.predict(X)
    assert proba.dtype == dtype and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    assert np.isfinite(log_proba).all() and (log_proba <= 0).all()
    np.testing.assert_array_equal(predicted, clf.classes_[proba.argmax(axis=1)])
    if scale in ("largest", "overflow"):
        winner = 0 if scale == "largest" else 1  # the largest or the +inf logit
        assert (predicted == winner).all()
        np.testing.assert_array_equal(proba[:, winner], 1)


def test_nan_logits_from_an_overflowing_network_are_an_error():
    X = np.ones((6, 2), dtype=np.float32)
    clf = fitted(X, np.array([0, 1, 2, 0, 1, 2]), np.float32, hidden_size=2)
    clf.W1_[:] = np.finfo(np.float32).max
    clf.W2_[:] = np.array([[1.0, -1.0], [1.0, 1.0], [1.0, 1.0]])  # inf - inf = NaN
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(FloatingPointError, match="overflowed float32"):
            clf.predict_proba(X)


def test_raw_pixels_warn_and_scaled_pixels_do_not(mnist_subset):
    X_train, X_test, y_train, y_test = mnist_subset
    raw = X_train * np.float32(255)
    with pytest.warns(UnscaledInputWarning, match=r"up to 255.*X / 255"):
        clf = ScratchMLPClassifier(max_iter=20, random_state=0).fit(raw, y_train)
    # What the warning is about: on raw pixels the hidden units die.
    assert clf.score(X_test * 255, y_test) < 0.3
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnscaledInputWarning)
        ScratchMLPClassifier(max_iter=2, random_state=0).fit(X_train, y_train)
        make_pipeline(MinMaxScaler(), ScratchMLPClassifier(max_iter=2)).fit(
            raw, y_train
        )


def test_raw_pixels_with_adam_still_give_a_usable_model(mnist_subset):
    X_train, X_test, y_train, y_test = mnist_subset
    clf = ScratchMLPClassifier(
        hidden_size=64, solver="adam", alpha=1e-3, batch_size=100, max_iter=5,
        random_state=0,
    )  # fmt: skip
    with pytest.warns(UnscaledInputWarning):
        clf.fit(X_train * np.float32(255), y_train)
    assert clf.score(X_test * 255, y_test) > 0.8


def test_divergence_stops_at_the_first_non_finite_loss(mnist_subset, monkeypatch):
    X_train, _, y_train, _ = mnist_subset
    # The loss blows up long before anything overflows...
    clf = ScratchMLPClassifier(alpha=1e3, max_iter=50, random_state=0)
    with pytest.raises(
        FloatingPointError,
        match=r"diverged in pass 2: the loss grew from 2\.\d+ to 1\.\d+e\+04\. Lower",
    ):
        clf.fit(X_train, y_train)
    assert not hasattr(clf, "W1_")  # no model was stored
    # ...or becomes NaN within a pass: training stops at that mini-batch.
    steps = []
    real_update = _optimizers.GradientDescent.update
    monkeypatch.setattr(
        _optimizers.GradientDescent,
        "update",
        lambda self, params, grads: (
            steps.append(None) or real_update(self, params, grads)
        ),
    )
    clf = ScratchMLPClassifier(alpha=1e30, batch_size=100, max_iter=3)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UnscaledInputWarning)
        with pytest.raises(FloatingPointError, match="infinite or NaN"):
            clf.fit(X_train * 1e30, y_train)
    assert len(steps) < len(X_train) // 100  # stopped within the first pass


# ------------------------------------------------------------------ concurrency


def test_eight_threads_predict_what_one_thread_predicts(mnist):
    X_train, X_test, y_train, _ = mnist
    clf = ScratchMLPClassifier(
        hidden_size=64, solver="adam", alpha=0.01, batch_size=200, max_iter=2,
        random_state=0,
    ).fit(X_train[:5000], y_train[:5000])  # fmt: skip
    methods = ("predict", "predict_proba", "predict_log_proba")
    expected = {method: getattr(clf, method)(X_test) for method in methods}
    # All threads start together; each predicts every digit, in its own order
    # (so that blocks differ between threads), with each method.
    barrier = threading.Barrier(8)
    results = [{} for _ in range(8)]
    errors = []

    def work(i):
        try:
            order = np.random.default_rng(i).permutation(len(X_test))
            barrier.wait()
            for method in methods:
                out = np.empty_like(expected[method])
                out[order] = getattr(clf, method)(X_test[order])
                results[i][method] = out
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # Up to float32 rounding: a product of other rows in a block, or one made
    # while other threads call BLAS, may round its last bits differently.
    # A block mixed up between threads would be wrong by far more.
    top_two = np.sort(expected["predict_proba"], axis=1)[:, -2:]
    clear = top_two[:, 1] - top_two[:, 0] > 1e-4
    for result in results:
        np.testing.assert_allclose(
            result["predict_proba"], expected["predict_proba"], rtol=1e-4, atol=0
        )
        np.testing.assert_allclose(
            result["predict_log_proba"], expected["predict_log_proba"], rtol=0,
            atol=1e-4,
        )  # fmt: skip
        np.testing.assert_array_equal(
            result["predict"][clear], expected["predict"][clear]
        )


def test_fits_in_four_threads_at_once_train_what_one_fit_trains(mnist):
    """Each of four fits running at once, on clones of one estimator, ends where
    the same fit alone ends: up to rounding, as BLAS may compute a product
    differently while other threads call it."""
    X_train, _, y_train, _ = mnist
    X, y = X_train[:3000].astype(np.float64), y_train[:3000]
    estimator = ScratchMLPClassifier(
        hidden_size=64, solver="adam", alpha=0.01, batch_size=100, max_iter=3,
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = clone(estimator).fit(X, y)
        barrier = threading.Barrier(4)
        results, errors = [None] * 4, []

        def work(i):
            try:
                model = clone(estimator)
                barrier.wait()
                results[i] = model.fit(X, y)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    for fitted_model in results:
        for name in ("W1_", "b1_", "W2_", "b2_", "loss_curve_"):
            np.testing.assert_allclose(
                getattr(fitted_model, name), getattr(alone, name), rtol=1e-7,
                atol=1e-10,
            )  # fmt: skip


# ------------------------------------------------------------------------ soak


def test_two_hundred_partial_fits_keep_memory_flat_and_the_loss_falling(mnist):
    X_train, X_test, y_train, y_test = mnist
    clf = ScratchMLPClassifier(
        hidden_size=64, solver="adam", alpha=1e-3, batch_size=125, random_state=0
    )
    chunks = np.array_split(np.arange(50_000), 200)
    classes = np.arange(10)
    tracemalloc.start()
    try:
        for i, chunk in enumerate(chunks):
            clf.partial_fit(X_train[chunk], y_train[chunk], classes=classes)
            if i == 19:
                gc.collect()
                after_warm_up = tracemalloc.get_traced_memory()[0]
        gc.collect()
        at_end, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The model itself is ~200 kB and never grows; only the loss history does
    # (one float per call).
    growth = at_end - after_warm_up
    assert growth < 64 * 1024, f"memory grew by {growth:,} bytes over 180 calls"
    chunk_bytes = X_train[chunks[0]].nbytes
    assert peak - after_warm_up < 4 * chunk_bytes + 1024 * 1024
    assert len(clf.loss_curve_) == 200 and clf.t_ == 50_000
    losses = np.array(clf.loss_curve_)
    assert np.isfinite(losses).all()
    assert losses[-20:].mean() < 0.5 * losses[:20].mean()
    assert clf.score(X_test, y_test) > 0.9
