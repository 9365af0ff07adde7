"""MNIST and other data in the IDX format.

IDX is the format of the original MNIST files: a 4-byte magic number (two zero
bytes, a type code, the number of dimensions), one big-endian uint32 per
dimension, then the values in C order, big-endian. Files may be gzip-compressed.
"""

import gzip
import os
from pathlib import Path

import numpy as np

# IDX type code -> big-endian NumPy dtype.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: The four files of an MNIST-layout folder, by role.
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


class IDXFormatError(ValueError):
    """A file is not a valid IDX file (corrupt, truncated or of another kind)."""


def read_idx(path):
    """Read one IDX file, gzip-compressed or raw, into a NumPy array.

    Parameters
    ----------
    path : str or path-like
        The file. Compression is detected from its content, not its name.

    Returns
    -------
    array : ndarray
        Shaped as the file's header says, in native byte order.

    Raises
    ------
    IDXFormatError
        If the file is corrupt, truncated, has trailing bytes, or is not IDX.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise IDXFormatError(
                f"{path}: the gzip data is corrupt or truncated ({exc}). "
                "Download the file again."
            ) from exc

    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise IDXFormatError(
            f"{path}: not an IDX file (the magic number is {raw[:4].hex() or 'empty'}"
            "; IDX files start with 0000 followed by a type code and the number "
            "of dimensions)."
        )
    dtype = _IDX_DTYPES[raw[2]]
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise IDXFormatError(
            f"{path}: truncated inside the header ({len(raw)} bytes for a "
            f"{ndim}-dimensional header of {header_size} bytes)."
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        problem = "truncated" if len(raw) < expected else "followed by extra bytes"
        raise IDXFormatError(
            f"{path}: {problem}: the header announces shape {shape} "
            f"({expected} bytes in all) but the file has {len(raw)} bytes. "
            "Download the file again."
        )
    data = np.frombuffer(raw, dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)


def _find(folder, stem):
    """The file for ``stem`` in ``folder``, raw or ``.gz``, in either naming."""
    for name in (stem, stem + ".gz"):
        for candidate in (name, name.replace("-idx", ".idx")):
            if (folder / candidate).is_file():
                return folder / candidate
    raise FileNotFoundError(
        f"{folder} has no file {stem} or {stem}.gz. A folder in MNIST's layout "
        f"holds the four files {', '.join(MNIST_FILES.values())} (each may be .gz)."
    )


def load_idx_folder(path):
    """Load a train/test split from a folder in MNIST's layout.

    The folder holds the four files of :data:`MNIST_FILES` (raw or ``.gz``); the
    images are flattened to one row of pixels per sample. The structure is
    checked (magic numbers, dimensions, matching counts), not the content.

    Parameters
    ----------
    path : str or path-like
        The folder, e.g. the one holding the original MNIST files.

    Returns
    -------
    X_train : ndarray of shape (n_train, height * width)
    X_test : ndarray of shape (n_test, height * width)
    y_train : ndarray of shape (n_train,)
    y_test : ndarray of shape (n_test,)
        Pixels and labels as stored (uint8 for MNIST).

    Raises
    ------
    FileNotFoundError
        If the folder or one of the files is missing.
    IDXFormatError
        If a file is corrupt or the images and labels do not fit together.
    """
    folder = Path(os.fspath(path))
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder.")
    arrays = {}
    for split in ("train", "test"):
        images_file = _find(folder, MNIST_FILES[f"{split}_images"])
        labels_file = _find(folder, MNIST_FILES[f"{split}_labels"])
        images, labels = read_idx(images_file), read_idx(labels_file)
        if images.ndim != 3 or labels.ndim != 1:
            raise IDXFormatError(
                f"{images_file.name} must hold a 3-D array of images and "
                f"{labels_file.name} a 1-D array of labels; got {images.ndim}-D "
                f"and {labels.ndim}-D."
            )
        if images.shape[0] != labels.shape[0]:
            raise IDXFormatError(
                f"{images_file.name} holds {images.shape[0]} images but "
                f"{labels_file.name} holds {labels.shape[0]} labels."
            )
        arrays[split] = images.reshape(images.shape[0], -1), labels
    (X_train, y_train), (X_test, y_test) = arrays["train"], arrays["test"]
    if X_train.shape[1] != X_test.shape[1]:
        raise IDXFormatError(
            f"Train images have {X_train.shape[1]} pixels but test images have "
            f"{X_test.shape[1]}."
        )
    return X_train, X_test, y_train, y_test
