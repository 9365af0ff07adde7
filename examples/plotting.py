"""
The figures of a trained model
==============================

The figures of :mod:`sklearn_scratchnet.plotting` for a model trained on MNIST:
loss curves, hidden units, confusion matrix, misclassified digits.

Usage::

    python examples/plotting.py

Trains a pipeline (MinMaxScaler, then a network with 64 hidden units that holds
out 10 % of the training digits to record a validation loss per pass) and writes
four PNG files with scikit-learn style Display objects: ``loss_curves.png``,
``hidden_units.png``, ``confusion_matrix.png`` and ``misclassified.png``. With
``SCRATCHNET_QUICK=1`` it uses the shipped MNIST sample.
"""

import os
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet.datasets import fetch_mnist, load_mnist_sample
from sklearn_scratchnet.plotting import (
    HiddenUnitsDisplay,
    LossCurveDisplay,
    MisclassifiedDigitsDisplay,
)

QUICK = os.environ.get("SCRATCHNET_QUICK") == "1"

mnist = load_mnist_sample() if QUICK else fetch_mnist()
model = make_pipeline(
    MinMaxScaler(),
    ScratchMLPClassifier(
        hidden_size=64, solver="adam", alpha=1e-3, batch_size=100,
        max_iter=20, early_stopping=True, random_state=0,
    ),
)  # fmt: skip
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(mnist.X_train, mnist.y_train)  # raw pixels, 0-255

displays = {
    "loss_curves.png": LossCurveDisplay.from_estimator(model),
    "hidden_units.png": HiddenUnitsDisplay.from_estimator(model),
    "confusion_matrix.png": ConfusionMatrixDisplay.from_estimator(
        model, mnist.X_test, mnist.y_test, cmap="Blues", colorbar=False
    ),
    "misclassified.png": MisclassifiedDigitsDisplay.from_estimator(
        model, mnist.X_test, mnist.y_test
    ),
}
for name, display in displays.items():
    display.figure_.savefig(name, dpi=100)  # left open: the gallery shows them
    print(f"wrote {name}")
