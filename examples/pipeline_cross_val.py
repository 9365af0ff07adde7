"""
A Pipeline on raw pixels, scored by ``cross_val_score``
=======================================================

A Pipeline that scales the raw pixels, scored on 5 folds.

Usage::

    python examples/pipeline_cross_val.py

The network trains best on pixels in [0, 1]; a :class:`~sklearn.pipeline.Pipeline`
with a :class:`~sklearn.preprocessing.MinMaxScaler` lets it take the raw 0-255
pixels, and :func:`~sklearn.model_selection.cross_val_score` scores it on 5 folds
(each fold fits the scaler on its own training part). With
``SCRATCHNET_QUICK=1`` it uses the shipped MNIST sample.
"""

import os
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet.datasets import fetch_mnist, load_mnist_sample

QUICK = os.environ.get("SCRATCHNET_QUICK") == "1"

mnist = load_mnist_sample() if QUICK else fetch_mnist()
n_samples = len(mnist.y_train) if QUICK else 20_000
X, y = mnist.X_train[:n_samples], mnist.y_train[:n_samples]  # raw uint8 pixels

pipeline = make_pipeline(
    MinMaxScaler(),
    ScratchMLPClassifier(
        hidden_size=64, solver="adam", alpha=0.01, batch_size=64,
        max_iter=15, random_state=0,
    ),
)  # fmt: skip
with warnings.catch_warnings():
    # 15 passes, on purpose: short, and already accurate.
    warnings.simplefilter("ignore", ConvergenceWarning)
    scores = cross_val_score(pipeline, X, y, cv=5, n_jobs=2)
print(f"5-fold CV accuracy on {n_samples:,} raw-pixel digits: "
      f"{scores.mean():.4f} +/- {scores.std():.4f}")  # fmt: skip
print("per fold:", np.round(scores, 4).tolist())

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    pipeline.fit(X, y)
print(f"test accuracy: {pipeline.score(mnist.X_test, mnist.y_test):.4f}")
