"""Fingerprint the fitted state of a fixed list of configurations, bit for bit.

Usage::

    python tools/fit_fingerprints.py OUTPUT.json            # record
    python tools/fit_fingerprints.py OUTPUT.json --compare BEFORE.json

A refactoring of the training code must not change a single bit of what a fit
learns. Record the fingerprints before the change, then again after it, on the
same machine with the same number of BLAS threads, and compare: every fitted
array (``W1_``, ``b1_``, ``W2_``, ``b2_``), every history (``loss_curve_``, the
validation curves), the counters and the optimizer's state are hashed from their
bytes. The configurations cover every estimator-check configuration, the note's
defaults, Adam on mini-batches, early stopping, "lbfgs", class and sample
weights, dropout, sparse and float64 input, two classes and multilabel targets (logistic
outputs), an own validation set, ``partial_fit`` and ``warm_start``, all on the
MNIST sample shipped in the package.
"""

import argparse
import hashlib
import json
import sys
import warnings

import numpy as np
from scipy import sparse

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet.datasets import load_mnist_sample


def _data():
    X_train, X_test, y_train, y_test = load_mnist_sample(return_X_y=True)
    X_train = (X_train / np.float32(255)).astype(np.float32)
    X_test = (X_test / np.float32(255)).astype(np.float32)
    return X_train, X_test, y_train, y_test


def _configurations(X, X_test, y, y_test):
    """Each configuration: a name and a function that returns a fitted model."""
    small, y_small = X[:2000], y[:2000]
    weights = np.random.default_rng(0).uniform(0, 2, size=len(y_small))

    def fit(**params):
        return lambda: ScratchMLPClassifier(random_state=0, **params).fit(X, y)

    def fit_small(**params):
        return lambda: ScratchMLPClassifier(random_state=0, **params).fit(
            small, y_small
        )

    def sample_weights():
        clf = ScratchMLPClassifier(random_state=0, max_iter=50)
        return clf.fit(small, y_small, sample_weight=weights)

    def sparse_input():
        clf = ScratchMLPClassifier(random_state=0, max_iter=50)
        return clf.fit(sparse.csr_matrix(small), y_small)

    def float64_adam():
        clf = ScratchMLPClassifier(
            random_state=0, solver="adam", alpha=0.01, batch_size=64, max_iter=3
        )
        return clf.fit(small.astype(np.float64), y_small)

    def own_validation_set():
        clf = ScratchMLPClassifier(
            random_state=0, solver="adam", alpha=0.01, batch_size=128, max_iter=5,
            early_stopping=True, n_iter_no_change=2,
        )  # fmt: skip
        return clf.fit(small, y_small, X_val=X_test, y_val=y_test)

    def lbfgs_own_validation_set_binary():
        clf = ScratchMLPClassifier(random_state=0, solver="lbfgs", max_iter=10)
        odd = y_small % 2
        return clf.fit(small[:1500], odd[:1500], X_val=small[1500:], y_val=odd[1500:])

    def partial_fit():
        clf = ScratchMLPClassifier(
            random_state=0, solver="adam", alpha=0.01, batch_size=100
        )
        classes = np.unique(y)
        for start in range(0, len(y), 1500):
            clf.partial_fit(
                X[start : start + 1500], y[start : start + 1500], classes=classes
            )
        return clf

    def partial_fit_balanced_momentum():
        clf = ScratchMLPClassifier(
            random_state=0, momentum=0.9, batch_size=200, class_weight="balanced"
        )
        classes = np.unique(y)
        for start in range(0, 3000, 700):
            clf.partial_fit(
                X[start : start + 700], y[start : start + 700], classes=classes
            )
        return clf

    def warm_start():
        clf = ScratchMLPClassifier(
            random_state=0, solver="adam", alpha=0.01, batch_size=200, max_iter=3,
            warm_start=True,
        )  # fmt: skip
        clf.fit(X, y)
        clf.set_params(max_iter=2)
        return clf.fit(X, y)

    def binary(**params):
        two = np.isin(y_small, (3, 8))
        return lambda: ScratchMLPClassifier(random_state=0, **params).fit(
            small[two], y_small[two]
        )

    def multilabel(**params):
        labels = np.column_stack([y_small % 2 == 0, y_small >= 5]).astype(int)
        return lambda: ScratchMLPClassifier(random_state=0, **params).fit(small, labels)

    def warm_start_sgd_full_batch():
        clf = ScratchMLPClassifier(random_state=0, max_iter=20, warm_start=True)
        clf.fit(small, y_small)
        return clf.fit(small, y_small)

    return {
        # The estimator-check configurations (tests/test_estimator_checks.py).
        "default (the note's algorithm)": fit(),
        "adam-minibatch": fit(solver="adam", batch_size=32, max_iter=3),
        "early-stopping": fit(early_stopping=True, max_iter=60),
        "balanced": fit(class_weight="balanced", max_iter=60),
        "adam-dropout": fit(solver="adam", dropout=0.2, batch_size=64, max_iter=2),
        # Beyond them.
        "adam h=100 batch 200": fit(
            hidden_size=100, solver="adam", alpha=0.001, batch_size=200, max_iter=5
        ),
        "adam early stopping mini-batch": fit(
            solver="adam",
            alpha=0.01,
            hidden_size=64,
            batch_size=128,
            early_stopping=True,
            n_iter_no_change=3,
            max_iter=30,
        ),  # fmt: skip
        "class weights dict, logistic, l2": fit(
            class_weight={0: 3.0, 7: 0.5},
            activation="logistic",
            l2=0.1,
            max_iter=40,
        ),  # fmt: skip
        "full batch in blocks (l2)": fit(max_iter=20, l2=0.01),
        "binary, adam, l2": binary(solver="adam", batch_size=64, l2=0.01, max_iter=3),
        "multilabel, sgd, identity": multilabel(activation="identity", max_iter=30),
        "multilabel, adam dropout, tanh": multilabel(
            solver="adam", activation="tanh", dropout=0.3, batch_size=100, max_iter=3
        ),
        "lbfgs, l2": fit_small(solver="lbfgs", l2=1e-3, max_iter=15),
        "lbfgs, own validation set, binary": lbfgs_own_validation_set_binary,
        "sample weights": sample_weights,
        "sparse input": sparse_input,
        "float64 adam": float64_adam,
        "own validation set": own_validation_set,
        "partial_fit adam": partial_fit,
        "partial_fit balanced momentum": partial_fit_balanced_momentum,
        "warm start adam": warm_start,
        "warm start sgd full batch": warm_start_sgd_full_batch,
    }


def _digest(value):
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, list | tuple):
        return [_digest(item) for item in value]
    elif isinstance(value, dict):
        return {key: _digest(item) for key, item in sorted(value.items())}
    elif isinstance(value, float | int | np.floating | np.integer):
        array = np.asarray(value)
    elif value is None or isinstance(value, str | bool):
        return value
    else:
        return _digest(vars(value))
    text = f"{array.dtype}{array.shape}".encode() + np.ascontiguousarray(array).data
    return hashlib.sha256(text).hexdigest()[:16]


def fingerprint(clf):
    """Hashes of every fitted attribute and of the optimizer's state."""
    state = {
        name: value
        for name, value in vars(clf).items()
        if name.endswith("_") and not name.startswith("_")
    }
    state.pop("classes_", None)
    optimizer = getattr(clf, "_optimizer", None)
    if optimizer is not None:
        state["optimizer"] = {
            k: v for k, v in vars(optimizer).items() if k != "learning_rate"
        }
    return _digest(state)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="JSON file to write the fingerprints to")
    parser.add_argument("--compare", help="fingerprints recorded before, to compare")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    fingerprints = {}
    for name, make in _configurations(*_data()).items():
        fingerprints[name] = fingerprint(make())
        print(f"fitted: {name}", flush=True)
    with open(args.output, "w") as file:
        json.dump(fingerprints, file, indent=1, sort_keys=True)
    if not args.compare:
        return 0
    with open(args.compare) as file:
        before = json.load(file)
    differ = [name for name in before if before[name] != fingerprints.get(name)]
    for name in before:
        print(f"{'DIFFERENT' if name in differ else 'identical'}: {name}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
