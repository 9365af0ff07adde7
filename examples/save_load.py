"""Save a trained model with joblib, load it back and use it.

Usage::

    python examples/save_load.py

The fitted :class:`~sklearn_scratchnet.ScratchMLPClassifier` is a plain Python
object: :func:`joblib.dump` writes it (weights, training history, optimizer
state) and :func:`joblib.load` gives back a model that predicts exactly the same
and can go on training with ``partial_fit``. Load only files you trust: loading
runs code from the file. With ``SCRATCHNET_QUICK=1`` it uses the shipped
MNIST sample.
"""

import os
import tempfile
import warnings
from pathlib import Path

import joblib
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_scratchnet import ScratchMLPClassifier
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
    path = Path(folder) / "mnist-model.joblib"
    joblib.dump(clf, path)
    print(f"saved {path.name}: {path.stat().st_size:,} bytes")
    loaded = joblib.load(path)

assert np.array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
print(f"the loaded model predicts the same: test accuracy "
      f"{loaded.score(X_test, mnist.y_test):.4f}")  # fmt: skip
print(f"its history came along: {loaded.n_iter_} passes, "
      f"losses {np.round(loaded.loss_curve_, 4).tolist()}")  # fmt: skip

# The optimizer state came along too: training goes on where it stopped.
loaded.partial_fit(X_train, mnist.y_train)
print(f"one more pass with partial_fit: {loaded.n_iter_} passes, "
      f"test accuracy {loaded.score(X_test, mnist.y_test):.4f}")  # fmt: skip
