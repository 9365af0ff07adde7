"""Time each part of the training steps of a fit on full MNIST, per step.

Usage::

    python tools/step_parts.py [--hidden 100] [--batch 200] [--steps 3000]
                               [--dtype float32] [--data DIR]

``--data`` defaults to $SCRATCHNET_DATA, else ../shared/mnist.

Without the hidden-unit split (fewer than 512 hidden units on two cores), the
steps of an Adam fit are run here part by part with the library's own
functions, each part timed: gathering the batch's rows, the two products with
X, the work between them, and Adam's update. Before timing, the parts' loss and
gradients are checked to equal ``_network.loss_and_gradients`` bit for bit, so
the parts are the step's; then Adam's update is timed alone, repeated with its
arrays in the cache. With the split, a real fit runs with timers around
each thread's share of the forward and backward passes, and the time between
(the softmax and loss, the threads' meetings) and outside the steps follows.

Read the parts as shares of a step: the machine's speed varies between runs.
"""

import argparse
import os
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

from sklearn_scratchnet import ScratchMLPClassifier, _network, _unit_split
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


def split_steps(X, y, hidden, batch, n_steps):
    """Time the parts of a fit whose steps split the hidden units over threads."""
    timings, calls = defaultdict(float), defaultdict(int)
    clock = time.perf_counter
    originals = {}

    def timed(name, method):
        def wrapper(self, *args):
            start = clock()
            result = method(self, *args)
            timings[name] += clock() - start
            calls[name] += 1
            return result

        return wrapper

    for name in ("step", "_in_parallel", "_forward_rows", "_backward_rows"):
        originals[name] = getattr(_unit_split.UnitSplitSteps, name)
        setattr(_unit_split.UnitSplitSteps, name, timed(name, originals[name]))
    passes = max(1, round(n_steps * batch / len(X)))
    try:
        clf = ScratchMLPClassifier(
            hidden_size=hidden, solver="adam", alpha=1e-3, batch_size=batch,
            max_iter=passes, n_iter_no_change=passes + 1, random_state=0,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = clock()
            clf.fit(X, y)
            total = clock() - start
    finally:
        for name, method in originals.items():
            setattr(_unit_split.UnitSplitSteps, name, method)
    steps = calls["step"]
    if not steps:
        raise SystemExit(f"h={hidden} does not split its steps here: use fewer units")
    per = {name: 1e6 * seconds / steps for name, seconds in timings.items()}
    # Each of the two parallel parts per step: each thread's own share, then
    # the rest of the part's time, waiting for the other threads.
    own = {
        name: 1e6 * timings[name] / calls[name]
        for name in ("_forward_rows", "_backward_rows")
    }
    print(f"h={hidden}, Adam, batch {batch}, {X.dtype}: {steps} split steps, "
          f"{per['step']:.0f} us per step")  # fmt: skip
    print(f"  {own['_forward_rows']:7.0f} us  a thread's share of the forward pass")
    print(f"  {own['_backward_rows']:7.0f} us  a thread's share of the backward "
          "pass and update")  # fmt: skip
    meetings = per["_in_parallel"] - own["_forward_rows"] - own["_backward_rows"]
    print(f"  {meetings:7.0f} us  waiting for the other threads (two meetings)")
    between = per["step"] - per["_in_parallel"]
    print(f"  {between:7.0f} us  between the parts (Z2, softmax, loss, dZ2)")
    outside = 1e6 * total / steps - per["step"]
    print(f"  {outside:7.0f} us  outside the steps (gathering the batch, the loop)")


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
    split = _unit_split.threads_for(X, args.hidden, args.batch) > 1
    run = split_steps if split else plain_steps
    run(X, y, args.hidden, args.batch, args.steps)


if __name__ == "__main__":
    main()
