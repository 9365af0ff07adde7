"""
The figures of a trained model
==============================

The figures of :mod:`sklearn_scratchnet.plotting` for a model trained on MNIST:
loss curves, hidden units, confusion matrix, misclassified digits.

Usage::

    python examples/plotting.py

Trains a network with 64 hidden units (a validation set recorded per pass) and
writes four PNG files: ``loss_curves.png``, ``hidden_units.png``,
``confusion_matrix.png`` and ``misclassified.png``. With ``SCRATCHNET_QUICK=1``
it uses the shipped MNIST sample.
"""

import os
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet.datasets import fetch_mnist, load_mnist_sample
from sklearn_scratchnet.plotting import (
    plot_confusion_matrix,
    plot_hidden_units,
    plot_loss_curves,
    plot_misclassified,
)

QUICK = os.environ.get("SCRATCHNET_QUICK") == "1"

mnist = load_mnist_sample() if QUICK else fetch_mnist()
X = mnist.X_train.astype(np.float32) / 255
X_test = mnist.X_test.astype(np.float32) / 255
X_train, X_val, y_train, y_val = train_test_split(
    X, mnist.y_train, test_size=0.1, stratify=mnist.y_train, random_state=0
)

clf = ScratchMLPClassifier(
    hidden_size=64, solver="adam", alpha=1e-3, batch_size=100,
    max_iter=20, random_state=0,
)  # fmt: skip
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)  # records validation loss

figures = {
    "loss_curves.png": plot_loss_curves(clf),
    "hidden_units.png": plot_hidden_units(clf),
    "confusion_matrix.png": plot_confusion_matrix(clf, X_test, mnist.y_test),
    "misclassified.png": plot_misclassified(clf, X_test, mnist.y_test),
}
for name, fig in figures.items():
    fig.savefig(name, dpi=100)
    print(f"wrote {name}")
