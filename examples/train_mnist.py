"""
Train the note's network on MNIST
=================================

Trains the network and evaluates it on the test digits: a per-class report, the
train and test accuracy.

Usage::

    python examples/train_mnist.py [--hidden-size H] [--alpha A] [--solver S]
                                   [--batch-size B] [--max-iter N]

Full MNIST comes from :func:`~sklearn_scratchnet.datasets.fetch_mnist`: the four
original files in ``$SCRATCHNET_DATA`` (or scikit-learn's data home), else a
download from OpenML. With ``SCRATCHNET_QUICK=1`` the example uses the MNIST
sample shipped with the package and 50 passes, and runs in seconds offline.
With no options this runs the note's algorithm: 10 hidden ReLU units, full-batch
gradient descent with learning rate 0.1 for 500 passes.
"""

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import classification_report

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet.datasets import fetch_mnist, load_mnist_sample

QUICK = os.environ.get("SCRATCHNET_QUICK") == "1"
# Not read from __doc__, which the gallery's build leaves empty.
DESCRIPTION = "Train the note's network on MNIST and evaluate it on the test digits."


def main():
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--hidden-size", type=int, default=10)
    parser.add_argument("--alpha", type=float, default=0.1, help="learning rate")
    parser.add_argument("--solver", choices=["sgd", "adam"], default="sgd")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--max-iter", type=int, default=50 if QUICK else 500)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()

    mnist = load_mnist_sample() if QUICK else fetch_mnist()
    # The note's preprocessing: intensities 0-255 scaled to [0, 1]; float32 halves
    # the memory and the time and is plenty for this network.
    X_train = mnist.X_train.astype(np.float32) / 255
    X_test = mnist.X_test.astype(np.float32) / 255
    print(f"MNIST from {mnist.source}: {len(X_train)} train, {len(X_test)} test")

    clf = ScratchMLPClassifier(
        hidden_size=args.hidden_size,
        alpha=args.alpha,
        solver=args.solver,
        batch_size=args.batch_size,
        max_iter=args.max_iter,
        random_state=args.random_state,
    )
    print(clf)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, mnist.y_train)
    seconds = time.perf_counter() - start
    print(
        f"trained {clf.n_iter_} passes in {seconds:.1f} s, "
        f"final training loss {clf.loss_curve_[-1]:.4f}"
    )
    y_pred = clf.predict(X_test)
    print(classification_report(mnist.y_test, y_pred, digits=3))
    print(f"train accuracy: {clf.score(X_train, mnist.y_train):.4f}")
    print(f"test accuracy:  {np.mean(y_pred == mnist.y_test):.4f}")


if __name__ == "__main__":
    main()
