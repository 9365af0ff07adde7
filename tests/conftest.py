import os

# scikit-learn's check_array_api_input runs only when SciPy's array API support is
# switched on, which SciPy reads once at import: set it before anything imports it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sklearn_scratchnet.datasets import load_idx_folder  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = REPOSITORY.parent / "shared" / "mnist"


def mnist_folder():
    """Where the full MNIST files are: $SCRATCHNET_DATA, else ../shared/mnist."""
    return Path(os.environ.get("SCRATCHNET_DATA") or DEFAULT_MNIST)


@pytest.fixture(scope="session")
def mnist():
    """Real MNIST as float32 pixels in [0, 1]: X_train, X_test, y_train, y_test.

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
    X_train, X_test, y_train, y_test = load_idx_folder(folder)
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
