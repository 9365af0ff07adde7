"""
Out-of-core training with Dask, under a memory cap
==================================================

More training data than the process may hold, trained one block at a time.

Usage::

    python -m pip install ".[dask]"  # from the repository's root
    python examples/out_of_core_dask.py

Writes 20 copies of MNIST's 60,000 training digits, each digit moved at random
by up to two pixels, to a zarr store in a temporary folder: 1.2 million digits,
3.8 GB of float32 pixels. dask-ml's ``Incremental`` then trains the network on
it with ``partial_fit``, one block of 5,000 digits at a time, in one pass.

On Linux the script caps the memory that training may add to the process
(``RLIMIT_DATA``: heap and private memory) at 256 MiB, a fourteenth of the data
(half of it in the quick run): holding the data would fail with a MemoryError.
It prints the peak resident memory while training (VmHWM) next to the data
size. With
``SCRATCHNET_QUICK=1`` it uses the MNIST sample shipped in the package
(30 copies of 6,000 digits, 564 MB) and runs in seconds.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np
import zarr
from dask_ml.wrappers import Incremental

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet.datasets import fetch_mnist, load_mnist_sample

try:
    import resource
except ImportError:  # Windows: no caps, no peak memory
    resource = None

QUICK = os.environ.get("SCRATCHNET_QUICK") == "1"
COPIES = 30 if QUICK else 20
BLOCK = 3_000 if QUICK else 5_000  # digits per block; it divides a copy
MEMORY_CAP = 256 * 2**20  # bytes that training may add to the process
LINUX = sys.platform.startswith("linux") and resource is not None
MB = 1e6


def shifted(images, rng, max_shift=2):
    """Move each 28 x 28 image by up to ``max_shift`` pixels in each direction.

    Parameters
    ----------
    images : ndarray of shape (n_images, 784)
        Flattened 28 x 28 images.
    rng : numpy.random.Generator
        Draws each image's shift.
    max_shift : int, default=2
        Largest shift, in pixels, along each axis.

    Returns
    -------
    moved : ndarray of shape (n_images, 784)
        The moved images; pixels moved in from outside the frame are 0.
    """
    n_images, size = len(images), 2 * max_shift + 1
    frame = ((0, 0), (max_shift, max_shift), (max_shift, max_shift))
    padded = np.pad(images.reshape(n_images, 28, 28), frame)
    rows, cols = rng.integers(0, size, size=(2, n_images))
    moved = np.empty((n_images, 28, 28), dtype=images.dtype)
    for row in range(size):
        for col in range(size):
            chosen = (rows == row) & (cols == col)
            moved[chosen] = padded[chosen, row : row + 28, col : col + 28]
    return moved.reshape(n_images, -1)


def write_training_set(folder, X, y, copies, rng):
    """Write shifted copies of (X, y) to zarr arrays, one block at a time.

    Parameters
    ----------
    folder : pathlib.Path
        Where the stores ``X.zarr`` and ``y.zarr`` are written.
    X : ndarray of shape (n_samples, 784)
        Images, uint8 pixels 0-255; stored as float32 pixels in [0, 1].
    y : ndarray of shape (n_samples,)
        Labels.
    copies : int
        Number of copies; the first is X itself, the others are shifted.
    rng : numpy.random.Generator
        Draws the shifts.

    Returns
    -------
    X_path, y_path : pathlib.Path
        The two stores, in chunks of ``BLOCK`` rows.
    """
    n_samples, n_features = X.shape
    X_path, y_path = folder / "X.zarr", folder / "y.zarr"
    X_store = zarr.open_array(
        X_path, mode="w", shape=(copies * n_samples, n_features),
        chunks=(BLOCK, n_features), dtype="float32",
    )  # fmt: skip
    y_store = zarr.open_array(
        y_path, mode="w", shape=(copies * n_samples,), chunks=(BLOCK,),
        dtype=y.dtype,
    )  # fmt: skip
    for copy in range(copies):
        for start in range(0, n_samples, BLOCK):
            images = X[start : start + BLOCK]
            if copy > 0:
                images = shifted(images, rng)
            rows = slice(copy * n_samples + start, copy * n_samples + start + BLOCK)
            X_store[rows] = images / np.float32(255)
            y_store[rows] = y[start : start + BLOCK]
    return X_path, y_path


def proc_status(field):
    """A memory figure of this process from /proc/self/status (Linux), in bytes.

    Parameters
    ----------
    field : str
        E.g. "VmRSS" (resident memory), "VmHWM" (its peak), "VmData" (heap and
        private memory, what RLIMIT_DATA limits).

    Returns
    -------
    value : int
        The figure in bytes.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def folder_size(folder):
    """Bytes of all the files under ``folder``.

    Parameters
    ----------
    folder : pathlib.Path
        A folder.

    Returns
    -------
    size : int
        The sum of the file sizes.
    """
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


mnist = load_mnist_sample() if QUICK else fetch_mnist()
X_test = mnist.X_test.astype(np.float32) / 255
n_digits = COPIES * len(mnist.X_train)
data_bytes = n_digits * mnist.X_train.shape[1] * np.dtype(np.float32).itemsize
print(f"MNIST from {mnist.source}: {len(mnist.X_train):,} training digits")

model = Incremental(
    ScratchMLPClassifier(
        hidden_size=100, solver="adam", alpha=2e-3, batch_size=100, random_state=0
    ),
    random_state=0,  # the order in which the blocks are visited
)

with tempfile.TemporaryDirectory() as scratch:
    start = time.perf_counter()
    X_path, y_path = write_training_set(
        Path(scratch), mnist.X_train, mnist.y_train, COPIES, np.random.default_rng(0)
    )
    X, y = da.from_zarr(str(X_path)), da.from_zarr(str(y_path))
    print(
        f"training set: {n_digits:,} digits, {data_bytes / MB:,.0f} MB of float32 "
        f"pixels ({folder_size(Path(scratch)) / MB:,.0f} MB in zarr on disk), "
        f"{X.numblocks[0]} blocks of {X.blocks[0].nbytes / MB:.0f} MB; written "
        f"in {time.perf_counter() - start:.1f} s"
    )

    if LINUX:
        # Cap what the process may add from here on, and restart the count of
        # its peak resident memory (VmHWM).
        rss_before = proc_status("VmRSS")
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = proc_status("VmData") + MEMORY_CAP
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
        try:
            Path("/proc/self/clear_refs").write_text("5")
            since = "while training"
        except OSError:  # some sandboxes refuse it: the peak is the lifetime's
            since = "since the process started"

    # One block at a time: Dask's threaded scheduler would read blocks ahead of
    # the (sequential) partial_fit calls and hold many of them at once.
    start = time.perf_counter()
    with dask.config.set(scheduler="synchronous"):
        model.fit(X, y, classes=np.arange(10))
    seconds = time.perf_counter() - start
    print(f"one pass of partial_fit over the blocks: {seconds:.1f} s")

    if LINUX:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
        peak = proc_status("VmHWM")
        print(
            f"memory cap while training (RLIMIT_DATA): {MEMORY_CAP / 2**20:.0f} MiB "
            f"on top of what the process held; the data is "
            f"{data_bytes / MEMORY_CAP:.1f} times that"
        )
        print(
            f"resident memory: {rss_before / MB:.0f} MB before training, peak "
            f"{peak / MB:.0f} MB {since} (+{(peak - rss_before) / MB:.0f} MB"
            f" = {(peak - rss_before) / X.blocks[0].nbytes:.1f} blocks)"
        )

print(f"test accuracy: {model.score(X_test, mnist.y_test):.4f}")
