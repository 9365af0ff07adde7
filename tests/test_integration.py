"""ScratchMLPClassifier inside scikit-learn's tools, and persisted with joblib."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_scratchnet import ScratchMLPClassifier


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def test_pipeline_on_raw_pixels(mnist_subset):
    X_train, X_test, y_train, y_test = mnist_subset
    pipeline = make_pipeline(
        MinMaxScaler(),
        ScratchMLPClassifier(
            hidden_size=64, solver="adam", alpha=0.01, batch_size=64,
            max_iter=10, random_state=0,
        ),
    )  # fmt: skip
    pipeline.fit(X_train * 255, y_train)
    assert pipeline.score(X_test * 255, y_test) > 0.88


def test_grid_search_over_alpha_and_hidden_size_in_two_processes(mnist_subset):
    X_train, X_test, y_train, y_test = mnist_subset
    grid = {"alpha": [0.05, 0.5], "hidden_size": [8, 32]}
    search = GridSearchCV(
        ScratchMLPClassifier(max_iter=60, random_state=0), grid, cv=3, n_jobs=2
    )
    search.fit(X_train, y_train)
    assert search.best_params_ == {"alpha": 0.5, "hidden_size": 32}
    assert search.cv_results_["mean_test_score"].min() < 0.8
    assert search.best_score_ > 0.85
    assert search.score(X_test, y_test) > 0.85
    # The workers ran the same computations as this process would have.
    serial = GridSearchCV(
        ScratchMLPClassifier(max_iter=60, random_state=0), grid, cv=3, n_jobs=1
    ).fit(X_train, y_train)
    scores = [key for key in serial.cv_results_ if "test_score" in key]
    assert len(scores) == 3 + 3  # 3 splits, mean, std and rank
    for key in scores:
        np.testing.assert_array_equal(search.cv_results_[key], serial.cv_results_[key])


def test_cross_val_score(mnist_subset):
    X_train, _, y_train, _ = mnist_subset
    scores = cross_val_score(
        ScratchMLPClassifier(hidden_size=32, max_iter=100, random_state=0),
        X_train,
        y_train,
        cv=3,
    )
    assert scores.shape == (3,) and scores.min() > 0.8


def test_clone_copies_parameters_not_the_fit(mnist_subset):
    X_train, _, y_train, _ = mnist_subset
    clf = ScratchMLPClassifier(hidden_size=12, alpha=0.3, l2=1e-3, random_state=5)
    clf.fit(X_train[:300], y_train[:300])
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert not hasattr(twin, "W1_")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_joblib_round_trip_is_bitwise(tmp_path, mnist_subset, dtype, solver):
    X_train, X_test, y_train, _ = mnist_subset
    clf = ScratchMLPClassifier(
        solver=solver, batch_size=100, max_iter=3, random_state=0
    ).fit(X_train.astype(dtype), y_train)
    path = tmp_path / "model.joblib"
    joblib.dump(clf, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(
        loaded.predict_proba(X_test.astype(dtype)),
        clf.predict_proba(X_test.astype(dtype)),
    )
    assert loaded.predict_proba(X_test.astype(dtype)).dtype == dtype
    assert loaded.get_params() == clf.get_params()
    # Training goes on from the saved optimizer state exactly as in the original.
    clf.partial_fit(X_train, y_train)
    loaded.partial_fit(X_train, y_train)
    np.testing.assert_array_equal(loaded.W1_, clf.W1_)


def test_pickle_round_trip_keeps_attributes(mnist_subset):
    X_train, _, y_train, _ = mnist_subset
    clf = ScratchMLPClassifier(max_iter=4, early_stopping=True, random_state=0)
    clf.fit(X_train[:500], y_train[:500])
    loaded = pickle.loads(pickle.dumps(clf))
    for name in ("loss_curve_", "validation_scores_", "n_iter_", "t_", "best_loss_"):
        assert getattr(loaded, name) == getattr(clf, name)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_gradient_descent_takes_mlpclassifier_steps(mnist_subset, activation):
    """Same random_state, same data: the same weights as MLPClassifier, step by step."""
    from sklearn.neural_network import MLPClassifier

    X_train, _, y_train, _ = mnist_subset
    X, y = X_train[:500].astype(np.float64), y_train[:500]
    ours = ScratchMLPClassifier(
        hidden_size=16, alpha=0.5, max_iter=20, activation=activation,
        l2=1e-3, random_state=7,
    ).fit(X, y)  # fmt: skip
    theirs = MLPClassifier(
        hidden_layer_sizes=(16,), solver="sgd", learning_rate_init=0.5,
        batch_size=len(X), momentum=0.0, alpha=1e-3, max_iter=20,
        activation=activation, shuffle=False, random_state=7,
    ).fit(X, y)  # fmt: skip
    np.testing.assert_allclose(ours.coefs_[0], theirs.coefs_[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.coefs_[1], theirs.coefs_[1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.b2_, theirs.intercepts_[1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
