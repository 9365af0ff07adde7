import os

# scikit-learn's check_array_api_input runs only when SciPy's array API support is
# switched on, which SciPy reads once at import: set it before anything imports it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
# Figures are written to files only: no display, no window.
os.environ.setdefault("MPLBACKEND", "Agg")

import socket  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sklearn_scratchnet import ScratchMLPClassifier  # noqa: E402
from sklearn_scratchnet.datasets import load_idx_folder, load_mnist_sample  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = REPOSITORY.parent / "shared" / "mnist"


def mnist_folder():
    """Where the full MNIST files are: $SCRATCHNET_DATA, else ../shared/mnist."""
    return Path(os.environ.get("SCRATCHNET_DATA") or DEFAULT_MNIST)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Fail any attempt to reach the network: the tests must work offline."""

    def refuse(*args, **kwargs):
        raise OSError(f"the tests must not use the network (tried {args[:2]})")

    real_connect = socket.socket.connect

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            refuse(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(scope="session")
def mnist_dir():
    """The folder holding the original MNIST files.

    Skipped with a reason on a clone without the files; a failure under CI.
    """
    folder = mnist_folder()
    if (
        not (folder / "train-images-idx3-ubyte.gz").exists()
        and not (folder / "train-images-idx3-ubyte").exists()
    ):
        message = (
            f"MNIST files not found in {folder}. Put the four original IDX files "
            "there (or point SCRATCHNET_DATA at a folder holding them)."
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """Real MNIST as float32 pixels in [0, 1]: X_train, X_test, y_train, y_test."""
    X_train, X_test, y_train, y_test = load_idx_folder(mnist_dir)
    return (
        (X_train / np.float32(255)).astype(np.float32),
        (X_test / np.float32(255)).astype(np.float32),
        y_train,
        y_test,
    )


@pytest.fixture(scope="session")
def mnist_subset(mnist):
    """3,000 training and 1,000 test digits (the first ones of each split)."""
    X_train, X_test, y_train, y_test = mnist
    return X_train[:3000], X_test[:1000], y_train[:3000], y_test[:1000]


@pytest.fixture(scope="session")
def sample_model():
    """A model trained on the shipped MNIST sample (pixels / 255), with a
    validation set, and the sample itself: (clf, X_test, y_test)."""
    sample = load_mnist_sample()
    X_train, X_test = sample.X_train / 255, sample.X_test / 255
    clf = ScratchMLPClassifier(
        hidden_size=64, solver="adam", alpha=0.01, batch_size=200, max_iter=20,
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train[600:], sample.y_train[600:],
                X_val=X_train[:600], y_val=sample.y_train[:600])  # fmt: skip
    return clf, X_test, sample.y_test
