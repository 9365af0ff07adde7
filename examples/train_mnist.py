"""Train the note's network on MNIST from a folder of IDX files; print test accuracy.

Usage::

    python examples/train_mnist.py [FOLDER] [--hidden-size H] [--alpha A]
                                   [--solver {sgd,adam}] [--batch-size B]
                                   [--max-iter N] [--random-state S]

FOLDER holds the four original MNIST files (``train-images-idx3-ubyte.gz`` ...);
it defaults to ``$SCRATCHNET_DATA``, else ``../shared/mnist``. With no options
this runs the note's algorithm: 10 hidden ReLU units, full-batch gradient descent
with learning rate 0.1 for 500 passes (about half a minute on two cores).
"""

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import classification_report

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet.datasets import load_idx_folder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folder",
        nargs="?",
        default=os.environ.get("SCRATCHNET_DATA", "../shared/mnist"),
        help="folder with the four MNIST IDX files",
    )
    parser.add_argument("--hidden-size", type=int, default=10)
    parser.add_argument("--alpha", type=float, default=0.1, help="learning rate")
    parser.add_argument("--solver", choices=["sgd", "adam"], default="sgd")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--max-iter", type=int, default=500)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()

    X_train, X_test, y_train, y_test = load_idx_folder(args.folder)
    # The note's preprocessing: intensities 0-255 scaled to [0, 1]; float32 halves
    # the memory and the time and is plenty for this network.
    X_train = X_train.astype(np.float32) / 255
    X_test = X_test.astype(np.float32) / 255
    print(f"MNIST from {args.folder}: {len(X_train)} train, {len(X_test)} test digits")

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
        clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    print(
        f"trained {clf.n_iter_} passes in {seconds:.1f} s, "
        f"final training loss {clf.loss_curve_[-1]:.4f}"
    )
    y_pred = clf.predict(X_test)
    print(classification_report(y_test, y_pred, digits=3))
    print(f"train accuracy: {clf.score(X_train, y_train):.4f}")
    print(f"test accuracy:  {np.mean(y_pred == y_test):.4f}")


if __name__ == "__main__":
    main()
