"""Time each part of the training steps of a fit on full MNIST, per step.

Usage::

    python tools/step_parts.py [--hidden 100] [--batch 200] [--steps 3000]
                               [--dtype float32] [--data DIR]

``--data`` defaults to $SCRATCHNET_DATA, else ../shared/mnist.

The steps of an Adam fit are run here part by part with the library's own
functions, each part timed: gathering the batch's rows, the two products with
X, the work between them, and Adam's update. Before timing, the parts' loss and
gradients are checked to equal ``_network.loss_and_gradients`` bit for bit, so
the parts are the step's; then Adam's update is timed alone, repeated with its
arrays in the cache.

Read the parts as shares of a step: the machine's speed varies between runs.
"""

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from sklearn_scratchnet import _network
from sklearn_scratchnet._optimizers import Adam
from sklearn_scratchnet.datasets import load_idx_folder


def _step_parts(X, y, params, optimizer, order, timings):
    """One Adam step on rows ``order`` of X, each part timed into ``timings``."""
    clock = time.perf_counter
    start = clock()
    X_b, y_b = X[order], y[order]
    share, _ = _network.sample_shares(len(order), None, X.dtype)
    W1, b1, W2, b2 = params
    gathered = clock()
    Z1 = _network.hidden_input(X_b, W1, b1)
    forward_product = clock()
    A1 = _network.relu(Z1)
    Z2 = W2 @ A1
    Z2 += b2[:, None]
    value, dZ2 = _network.output_error(Z2, y_b, "softmax", share)
    dW2 = dZ2 @ A1.T
    db2 = dZ2.sum(axis=1)
    dZ1 = (dZ2.T @ W2).T
    dZ1 *= _network.relu_derivative(Z1, A1)
    between = clock()
    dW1 = dZ1 @ X_b
    backward_product = clock()
    db1 = dZ1.sum(axis=1)
    grads = (dW1, db1, dW2, db2)
    done = clock()
    if optimizer is not None:
        optimizer.update(params, grads)
    updated = clock()
    products = forward_product - gathered + backward_product - between
    elsewhere = between - forward_product + done - backward_product
    for name, seconds in (
        ("gathering the batch's rows", gathered - start),
        ("products with X (forward Z1, backward dW1)", products),
        ("between the products (bias, ReLU, output layer, softmax, loss, dZ2, "
         "dZ1, bias gradients)", elsewhere),
        ("Adam's update", updated - done),
    ):  # fmt: skip
        timings[name] += seconds
    return value, grads


def plain_steps(X, y, hidden, batch, n_steps):
    """Time the parts of ``n_steps`` Adam steps; print their shares."""
    rng = np.random.RandomState(0)
    params = _network.init_params(X.shape[1], hidden, 10, "relu", rng, X.dtype)
    order = rng.permutation(len(X))[:batch]
    value, grads = _step_parts(X, y, params, None, order, defaultdict(float))
    expected = _network.loss_and_gradients(X[order], y[order], params)
    assert value == expected[0]
    for part, whole in zip(grads, expected[1], strict=True):
        np.testing.assert_array_equal(part, whole)

    optimizer = Adam(params, 1e-3)
    timings = defaultdict(float)
    start = time.perf_counter()
    done = 0
    while done < n_steps:
        order = rng.permutation(len(X))
        for first in range(0, len(X) - batch + 1, batch):
            batch_rows = order[first : first + batch]
            _step_parts(X, y, params, optimizer, batch_rows, timings)
            done += 1
            if done == n_steps:
                break
    total = time.perf_counter() - start
    print(f"h={hidden}, Adam, batch {batch}, {X.dtype}: {n_steps} steps, "
          f"{1e6 * total / n_steps:.0f} us per step")  # fmt: skip
    for name, seconds in timings.items():
        print(f"  {1e6 * seconds / n_steps:7.0f} us  {name}")
    rest = total - sum(timings.values())
    print(f"  {1e6 * rest / n_steps:7.0f} us  the loop")
    # The same update again and again, its arrays left in the cache: what the
    # update costs when nothing else runs between two of them.
    _, grads = _step_parts(X, y, params, None, batch_rows, defaultdict(float))
    rounds = []
    for _ in range(25):
        start = time.perf_counter()
        for _ in range(10):
            optimizer.update(params, grads)
        rounds.append((time.perf_counter() - start) / 10)
    in_cache = float(np.median(rounds))
    print(f"  ({1e6 * in_cache:.0f} us  Adam's update alone, its arrays in the cache)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument(
        "--data",
        default=os.environ.get("SCRATCHNET_DATA", str(Path("..") / "shared" / "mnist")),
        help="folder with the four MNIST IDX files",
    )
    args = parser.parse_args()
    X_train, _, y_train, _ = load_idx_folder(args.data)
    dtype = np.dtype(args.dtype)
    X = X_train.astype(dtype) / dtype.type(255)
    y = y_train.astype(np.intp)
    plain_steps(X, y, args.hidden, args.batch, args.steps)


if __name__ == "__main__":
    main()
