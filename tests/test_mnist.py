"""Accuracy on the real MNIST split (60,000 train / 10,000 test, X / 255)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_scratchnet import ScratchMLPClassifier

pytestmark = pytest.mark.mnist


def test_loader_reads_the_official_files(mnist):
    """Facts published with the files, so a reader bug cannot hide."""
    X_train, X_test, y_train, y_test = mnist
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_train).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
    ]  # fmt: skip
    pixel_sum = np.rint(X_train.astype(np.float64) * 255).sum()
    assert pixel_sum == 1_567_298_545


def test_default_estimator_reproduces_the_note(mnist):
    """The note: h=10, full-batch gradient descent, alpha=0.1, 500 passes."""
    X_train, X_test, y_train, y_test = mnist
    clf = ScratchMLPClassifier(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    assert clf.n_iter_ == 500
    assert clf.W1_.dtype == np.float32
    assert clf.score(X_test, y_test) >= 0.88


def test_adam_with_100_hidden_units(mnist):
    X_train, X_test, y_train, y_test = mnist
    clf = ScratchMLPClassifier(
        hidden_size=100,
        solver="adam",
        batch_size=200,
        alpha=1e-3,
        max_iter=10,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.97
