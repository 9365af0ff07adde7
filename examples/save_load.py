"""
Save and load a model: skops and joblib
=======================================

Save a trained model as a skops file, load it back and use it.

Usage::

    python examples/save_load.py

:func:`sklearn_scratchnet.persistence.dump` writes the fitted
:class:`~sklearn_scratchnet.ScratchMLPClassifier` (weights, training history,
optimizer state) as a skops file, and :func:`~sklearn_scratchnet.persistence.load`
gives back a model that predicts exactly the same and can go on training with
``partial_fit``. A skops file is safe to share: loading it rebuilds only the
types a model is made of and runs no code from the file (needs the ``skops``
extra). For your own files, joblib works too; loading a pickle runs code from
the file, so load only pickles you trust. With ``SCRATCHNET_QUICK=1`` it uses
the shipped MNIST sample.
"""

import os
import tempfile
import warnings
from pathlib import Path

import joblib
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_scratchnet import ScratchMLPClassifier, persistence
from sklearn_scratchnet.datasets import fetch_mnist, load_mnist_sample

QUICK = os.environ.get("SCRATCHNET_QUICK") == "1"

mnist = load_mnist_sample() if QUICK else fetch_mnist()
X_train = mnist.X_train.astype(np.float32) / 255
X_test = mnist.X_test.astype(np.float32) / 255

clf = ScratchMLPClassifier(
    hidden_size=100, solver="adam", alpha=1e-3, batch_size=200, max_iter=5,
    random_state=0,
)  # fmt: skip
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # 5 passes, on purpose
    clf.fit(X_train, mnist.y_train)

with tempfile.TemporaryDirectory() as folder:
    # A skops file: safe to share, and to load from anyone.
    path = Path(folder) / "mnist-model.skops"
    persistence.dump(clf, path)
    print(f"saved {path.name}: {path.stat().st_size:,} bytes")
    loaded = persistence.load(path)

    # joblib, for your own files: loading a pickle can run any code in it, so
    # persistence.load needs trust_pickle=True (joblib.load never asks).
    pickled = Path(folder) / "mnist-model.joblib"
    joblib.dump(clf, pickled)
    print(f"saved {pickled.name}: {pickled.stat().st_size:,} bytes")
    from_joblib = persistence.load(pickled, trust_pickle=True)

assert np.array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
assert np.array_equal(from_joblib.predict_proba(X_test), clf.predict_proba(X_test))
print(f"both loaded models predict the same: test accuracy "
      f"{loaded.score(X_test, mnist.y_test):.4f}")  # fmt: skip
print(f"its history came along: {loaded.n_iter_} passes, "
      f"losses {np.round(loaded.loss_curve_, 4).tolist()}")  # fmt: skip

# The optimizer state came along too: training goes on where it stopped.
loaded.partial_fit(X_train, mnist.y_train)
print(f"one more pass with partial_fit: {len(loaded.loss_curve_)} passes, "
      f"test accuracy {loaded.score(X_test, mnist.y_test):.4f}")  # fmt: skip
