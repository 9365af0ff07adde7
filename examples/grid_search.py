"""
Grid search over ``alpha`` x ``hidden_size``, as a heat map
===========================================================

Which learning rate ``alpha`` and how many hidden units: cross-validated
accuracy of every pair.

Usage::

    python examples/grid_search.py

Runs a 3-fold cross-validated :class:`~sklearn.model_selection.GridSearchCV` over
``alpha`` (the note's learning rate) x ``hidden_size`` on 10,000 MNIST training
digits, prints the best setting and its test accuracy, and writes the mean CV
accuracy of every setting as a heat map to ``grid_search.png``. With
``SCRATCHNET_QUICK=1`` it uses the shipped MNIST sample and fewer passes.
"""

import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet.datasets import fetch_mnist, load_mnist_sample

QUICK = os.environ.get("SCRATCHNET_QUICK") == "1"

mnist = load_mnist_sample() if QUICK else fetch_mnist()
n_train = 3000 if QUICK else 10_000
X_train = mnist.X_train[:n_train].astype(np.float32) / 255
y_train = mnist.y_train[:n_train]
X_test = mnist.X_test.astype(np.float32) / 255

grid = {"alpha": [0.01, 0.1, 0.5], "hidden_size": [10, 32, 100]}
search = GridSearchCV(
    ScratchMLPClassifier(max_iter=40 if QUICK else 200, random_state=0),
    grid,
    cv=3,
    n_jobs=2,
)
with warnings.catch_warnings():
    # Full-batch gradient descent with a small alpha does not converge in 200
    # passes: that is what the heat map shows.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)

print(f"best: {search.best_params_}, mean CV accuracy {search.best_score_:.4f}")
test_accuracy = search.score(X_test, mnist.y_test)
print(f"test accuracy of the refitted best model: {test_accuracy:.4f}")

# mean_test_score follows ParameterGrid's order: alpha varies slowest.
scores = search.cv_results_["mean_test_score"].reshape(
    len(grid["alpha"]), len(grid["hidden_size"])
)
fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
image = ax.imshow(scores, cmap="viridis")
ax.set_xticks(range(len(grid["hidden_size"])), grid["hidden_size"])
ax.set_yticks(range(len(grid["alpha"])), grid["alpha"])
ax.set_xlabel("hidden_size")
ax.set_ylabel("alpha (learning rate)")
for (i, j), score in np.ndenumerate(scores):
    ax.text(j, i, f"{score:.3f}", ha="center", va="center",
            color="black" if score > scores.mean() else "white")  # fmt: skip
fig.colorbar(image, label="mean CV accuracy")
ax.set_title(f"3-fold CV accuracy on {n_train:,} digits")
fig.savefig("grid_search.png", dpi=100)
print("heat map written to grid_search.png")
