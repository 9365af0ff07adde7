"""Write the MNIST sample shipped in the package (sklearn_scratchnet/data).

Usage::

    python tools/make_mnist_sample.py [MNIST_FOLDER] [OUTPUT_FILE]

MNIST_FOLDER holds the four original MNIST files (default ``../shared/mnist``);
OUTPUT_FILE defaults to ``sklearn_scratchnet/data/mnist_sample.npz``. The sample
is 600 training digits of each class and 200 test digits of each class, drawn
without replacement by ``numpy.random.default_rng(0)``, kept in their original
order. The file records the original indices beside the pixels and labels, so
that anyone holding MNIST can check that the sample is made of its digits.
"""

import sys
from pathlib import Path

import numpy as np

from sklearn_scratchnet.datasets import fetch_mnist

TRAIN_PER_CLASS = 600
TEST_PER_CLASS = 200
SEED = 0


def sample_indices(y, per_class, rng):
    """``per_class`` indices of each label in ``y``, sorted."""
    chosen = [
        rng.choice(np.flatnonzero(y == label), per_class, replace=False)
        for label in np.unique(y)
    ]
    return np.sort(np.concatenate(chosen))


def main(folder="../shared/mnist", output="sklearn_scratchnet/data/mnist_sample.npz"):
    mnist = fetch_mnist(folder, download_if_missing=False)
    rng = np.random.default_rng(SEED)
    train = sample_indices(mnist.y_train, TRAIN_PER_CLASS, rng)
    test = sample_indices(mnist.y_test, TEST_PER_CLASS, rng)
    np.savez_compressed(
        output,
        X_train=mnist.X_train[train],
        y_train=mnist.y_train[train],
        train_indices=train.astype(np.uint16),
        X_test=mnist.X_test[test],
        y_test=mnist.y_test[test],
        test_indices=test.astype(np.uint16),
    )
    print(
        f"{output}: {len(train)} train and {len(test)} test digits, "
        f"{Path(output).stat().st_size:,} bytes"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
