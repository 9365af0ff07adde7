"""MNIST and other data in the IDX format, in scikit-learn's conventions.

* :func:`fetch_mnist`: the full MNIST split (60,000 / 10,000 digits) from the four
  original files in a local folder, checked against their published SHA-256
  sums, else downloaded with scikit-learn's :func:`~sklearn.datasets.fetch_openml`.
* :func:`load_mnist_sample`: a small real MNIST sample shipped in the package, for
  work offline.
* :func:`load_idx_folder` and :func:`read_idx`: any folder of files in MNIST's
  layout (Fashion-MNIST, KMNIST, ...), checked for structure only.
* :func:`load_data_set`: one of these by the name the ``scratchnet`` command's
  ``--data`` gives it, and :func:`scale_pixels`: the pixels as the models take
  them.

IDX is the format of the original MNIST files: a 4-byte magic number (two zero
bytes, a type code, the number of dimensions), one big-endian uint32 per
dimension, then the values in C order, big-endian. Files may be gzip-compressed.
"""

import gzip
import hashlib
import math
import os
import socket
import sys
import zlib
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import numpy as np
import sklearn.datasets
from sklearn.utils import Bunch

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

#: Published SHA-256 of each original MNIST file's IDX content (after gunzip), so
#: that raw and gzip-compressed copies are verified alike.
MNIST_SHA256 = {
    "train-images-idx3-ubyte": (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
    ),
    "train-labels-idx1-ubyte": (
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
    ),
    "t10k-images-idx3-ubyte": (
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
    ),
    "t10k-labels-idx1-ubyte": (
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
    ),
}

#: Number of classes in MNIST's layout: labels are the digits 0 to 9.
N_CLASSES = 10

#: Column names of the 784 pixels, row by row, as in OpenML's ``mnist_784``.
PIXEL_NAMES = [f"pixel{i}" for i in range(1, 28 * 28 + 1)]

#: OpenML's copy of MNIST: 70,000 rows, the 60,000 training digits first.
OPENML_NAME = "mnist_784"
OPENML_VERSION = 1
_N_TRAIN = 60_000

# A download from OpenML gives up after this many seconds without an answer
# (per connection attempt or read) and is retried once: offline, fetch_mnist fails
# within about a minute instead of waiting on the system's TCP timeouts.
_DOWNLOAD_TIMEOUT = 20.0
_DOWNLOAD_RETRIES = 1

_SAMPLE_FILE = "mnist_sample.npz"

MNIST_DESCR = """\
MNIST handwritten digits
------------------------

70,000 grayscale images of handwritten digits, 28 x 28 pixels with intensities
0 (background) to 255 (ink), flattened row by row to 784 columns; the standard
split is 60,000 training and 10,000 test digits. Labels are the digits 0-9.

The MNIST database is by Yann LeCun and Corinna Cortes (with Christopher J.C.
Burges), a derivative of NIST data, available under the Creative Commons
Attribution-Share Alike 3.0 license (CC BY-SA 3.0). Redistribution must keep
this attribution and the same license.
"""


class IDXFormatError(ValueError):
    """A file is not a valid IDX file (corrupt, truncated or of another kind)."""


class MNISTChecksumError(ValueError):
    """A file named like an MNIST file does not hold the official MNIST data."""


class MNISTNotFoundError(FileNotFoundError):
    """MNIST is neither in the local folder nor could it be downloaded."""


def read_idx(path):
    """Read one IDX file, gzip-compressed or raw, into a NumPy array.

    Only what the header announces is read: a file whose content is shorter or
    longer is refused, and a gzip stream is never inflated beyond the announced
    size, so that a small file that inflates to gigabytes (a "gzip bomb") is
    refused in bounded memory.

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
    return _read_idx(Path(path))


# Bytes read or inflated into an array at a time.
_CHUNK = 2**20
# A gzip file announcing at most this many bytes is inflated straight into its
# array; a larger one is first inflated without keeping it, to check its length
# before its array is allocated. Either way a gzip bomb costs at most this much.
_UNCHECKED_ALLOCATION = 64 * 2**20
_GZIP_MAGIC = b"\x1f\x8b"


def _read_idx(path, digest=None):
    """The array of the IDX file ``path``; ``digest`` (a hashlib object), when
    given, is fed the file's IDX content (after gunzip).

    Never reads more than one byte past what the header announces, and
    allocates the announced array only once the content is known to be that
    long (from the file's size for a raw file), or when it is small.
    """
    with _idx_stream(path) as stream:
        header, dtype, shape = _read_header(stream, path)
        expected = len(header) + math.prod(shape) * dtype.itemsize
        if not isinstance(stream, gzip.GzipFile):
            size = os.fstat(stream.fileno()).st_size
            _check_size(path, shape, expected, size, whole_file=True)
        elif expected - len(header) > _UNCHECKED_ALLOCATION:
            # GzipFile.seek inflates forward by small chunks, without keeping
            # them, and stops at the end of the stream: where it stops is the
            # length, counted up to one byte past the announced content (a
            # seek takes at most sys.maxsize, more than any file holds).
            end = stream.seek(min(expected + 1, sys.maxsize))
            _check_size(path, shape, expected, end)
            stream.seek(len(header))
        data = _allocate(path, shape, dtype)
        content = data.reshape(-1).view(np.uint8)
        filled = _read_into(stream, content)
        size = len(header) + filled + len(stream.read(1))
        _check_size(path, shape, expected, size)
    if digest is not None:
        digest.update(header)
        digest.update(content)
    return data.astype(dtype.newbyteorder("="), copy=False)


@contextmanager
def _idx_stream(path):
    """The file opened for reading its IDX content: inflated if it is gzip data.

    gzip's errors become an :class:`IDXFormatError`.
    """
    with open(path, "rb") as file:
        if file.read(2) != _GZIP_MAGIC:
            file.seek(0)
            yield file
            return
        file.seek(0)
        try:
            with gzip.GzipFile(fileobj=file, mode="rb") as stream:
                yield stream
        except (OSError, EOFError, zlib.error) as exc:
            raise IDXFormatError(
                f"{path}: the gzip data is corrupt or truncated ({exc}). "
                "Download the file again."
            ) from exc


def _read_header(stream, path):
    """The header's bytes, the values' dtype and the array's shape."""
    magic = stream.read(4)
    if len(magic) < 4 or magic[:2] != b"\0\0" or magic[2] not in _IDX_DTYPES:
        raise IDXFormatError(
            f"{path}: not an IDX file (the magic number is {magic.hex() or 'empty'}"
            "; IDX files start with 0000 followed by a type code and the number "
            "of dimensions)."
        )
    ndim = magic[3]
    dimensions = stream.read(4 * ndim)
    if len(dimensions) < 4 * ndim:
        raise IDXFormatError(
            f"{path}: truncated inside the header ({4 + len(dimensions)} bytes "
            f"for a {ndim}-dimensional header of {4 + 4 * ndim} bytes)."
        )
    shape = tuple(int(d) for d in np.frombuffer(dimensions, ">u4"))
    return magic + dimensions, _IDX_DTYPES[magic[2]], shape


def _check_size(path, shape, expected, size, whole_file=False):
    """Refuse IDX content of ``size`` bytes where ``shape`` needs ``expected``.

    ``size`` is the whole file's when ``whole_file``, else what was read of
    its content, never more than ``expected + 1`` bytes.
    """
    if size == expected:
        return
    if size < expected or whole_file:
        found = f"the file has {size:,} bytes"
    else:
        found = "the file holds more (not read further)"
    problem = "truncated" if size < expected else "followed by extra bytes"
    raise IDXFormatError(
        f"{path}: {problem}: the header announces shape {shape} ({expected:,} "
        f"bytes in all) but {found}. Download the file again."
    )


def _allocate(path, shape, dtype):
    """An uninitialised array of ``shape`` and ``dtype``."""
    try:
        return np.empty(shape, dtype)
    except MemoryError:
        n_bytes = math.prod(shape) * dtype.itemsize
        raise IDXFormatError(
            f"{path}: the header announces shape {shape} ({n_bytes:,} bytes of "
            "data), more than this machine has memory for."
        ) from None
    except ValueError as exc:  # more dimensions than NumPy's arrays take
        raise IDXFormatError(
            f"{path}: the header announces {len(shape)} dimensions, which a NumPy "
            f"array cannot have ({exc})."
        ) from None


def _read_into(stream, buffer):
    """Fill the byte array ``buffer`` from ``stream``; the number of bytes read
    (fewer at the end of the stream)."""
    view, filled = memoryview(buffer), 0
    while filled < len(view):
        n_read = stream.readinto(view[filled : filled + _CHUNK])
        if not n_read:
            break
        filled += n_read
    return filled


def _find(folder, stem):
    """The file for ``stem`` in ``folder``, or None: raw or ``.gz``, in the
    ``-idx`` or the ``.idx`` spelling."""
    for name in (stem, stem + ".gz"):
        for candidate in (name, name.replace("-idx", ".idx")):
            if (folder / candidate).is_file():
                return folder / candidate
    return None


def _read_split(folder, verify=False):
    """X_train, X_test, y_train, y_test from the four files in ``folder``.

    Checks what MNIST's layout promises: unsigned-byte images (3-D) and labels
    (1-D), as many labels as images, labels 0-9, the same image size in both
    splits; with ``verify``, also that each file is the official MNIST file.
    """
    X_train, y_train = _read_part(folder, "train", verify)
    X_test, y_test = _read_part(folder, "test", verify)
    if X_train.shape[1] != X_test.shape[1]:
        raise IDXFormatError(
            f"Train images have {X_train.shape[1]} pixels but test images have "
            f"{X_test.shape[1]}."
        )
    return X_train, X_test, y_train, y_test


def _read_part(folder, split, verify=False):
    """The images (one row each) and labels of ``split``, "train" or "test"."""
    files = [MNIST_FILES[f"{split}_images"], MNIST_FILES[f"{split}_labels"]]
    (images_file, images), (labels_file, labels) = (
        _read_file(folder, stem, verify) for stem in files
    )
    if images.ndim != 3 or labels.ndim != 1:
        raise IDXFormatError(
            f"{images_file.name} must hold a 3-D array of images and "
            f"{labels_file.name} a 1-D array of labels; got {images.ndim}-D "
            f"and {labels.ndim}-D."
        )
    for path, array in ((images_file, images), (labels_file, labels)):
        if array.dtype != np.uint8:
            raise IDXFormatError(
                f"{path.name} holds {array.dtype} values; files in MNIST's "
                "layout hold unsigned bytes (IDX type code 0x08)."
            )
    if images.shape[0] != labels.shape[0]:
        raise IDXFormatError(
            f"{images_file.name} holds {images.shape[0]} images but "
            f"{labels_file.name} holds {labels.shape[0]} labels."
        )
    if labels.size and labels.max() >= N_CLASSES:
        raise IDXFormatError(
            f"{labels_file.name} holds the label {labels.max()}; labels in "
            f"MNIST's layout are the digits 0 to {N_CLASSES - 1}."
        )
    return images.reshape(images.shape[0], -1), labels


def _read_file(folder, stem, verify):
    """The path and array of the file ``stem``, checked against MNIST's SHA-256."""
    path = _find(folder, stem)
    if path is None:
        raise FileNotFoundError(
            f"{folder} has no file {stem} or {stem}.gz. A folder in MNIST's layout "
            f"holds the four files {', '.join(MNIST_FILES.values())} (each may be "
            ".gz)."
        )
    digest = hashlib.sha256() if verify else None
    array = _read_idx(path, digest)
    if verify and (digest := digest.hexdigest()) != MNIST_SHA256[stem]:
        raise MNISTChecksumError(
            f"{path}: this is not the official MNIST file {stem}: the SHA-256 of "
            f"its IDX content is {digest}, the published one is "
            f"{MNIST_SHA256[stem]}. The file is damaged or comes from another data "
            "set in MNIST's layout (Fashion-MNIST uses the same names). Replace it "
            "with the original file, or remove the four files to let fetch_mnist "
            "download MNIST from OpenML; to load another data set in this layout, "
            "use load_idx_folder."
        )
    return path, array


def load_idx_folder(path):
    """Load a train/test split from a folder in MNIST's layout.

    The folder holds the four files of :data:`MNIST_FILES` (raw or ``.gz``), e.g.
    MNIST itself, Fashion-MNIST or KMNIST; the images are flattened to one row of
    pixels per sample. The structure is checked (magic numbers, dimensions, label
    range, matching counts), not the content: use :func:`fetch_mnist` to check
    that a folder holds the official MNIST files.

    Parameters
    ----------
    path : str or path-like
        The folder, e.g. the one holding the original MNIST files.

    Returns
    -------
    X_train : ndarray of shape (n_train, height * width)
        Training images, uint8.
    X_test : ndarray of shape (n_test, height * width)
        Test images, uint8.
    y_train : ndarray of shape (n_train,)
        Training labels, uint8 in 0-9.
    y_test : ndarray of shape (n_test,)
        Test labels, uint8 in 0-9.

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
    return _read_split(folder)


def mnist_home(data_home=None):
    """The folder where :func:`fetch_mnist` looks for the MNIST files.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Returned as is when given. Otherwise the environment variable
        ``SCRATCHNET_DATA`` when set, else scikit-learn's
        :func:`~sklearn.datasets.get_data_home` (``~/scikit_learn_data`` unless
        ``SCIKIT_LEARN_DATA`` says otherwise).

    Returns
    -------
    folder : pathlib.Path
        The folder (it may not exist, and may not hold the files).
    """
    if data_home is not None:
        return Path(os.fspath(data_home)).expanduser()
    if os.environ.get("SCRATCHNET_DATA"):
        return Path(os.environ["SCRATCHNET_DATA"]).expanduser()
    return Path(sklearn.datasets.get_data_home())


def fetch_mnist(
    data_home=None, *, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Load the MNIST digits (standard 60,000 / 10,000 split), verified.

    The four original files (``train-images-idx3-ubyte.gz`` and the others of
    ``MNIST_FILES``, raw or gzip-compressed) are read from the folder given by
    :func:`mnist_home` and checked against MNIST's published SHA-256 sums.
    When none of them is there, MNIST is fetched with
    :func:`sklearn.datasets.fetch_openml` (``mnist_784``, cached under
    ``data_home/openml``), unless ``download_if_missing`` is False.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the four files, and where OpenML downloads are cached.
        By default ``$SCRATCHNET_DATA``, else scikit-learn's data home.
    download_if_missing : bool, default=True
        If False, raise :class:`MNISTNotFoundError` instead of downloading
        when the files are not in the folder.
    return_X_y : bool, default=False
        If True, return ``(X_train, X_test, y_train, y_test)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, the images are pandas DataFrames with the columns
        ``pixel1`` ... ``pixel784`` and the labels Series named ``class``
        (needs pandas).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        X_train : ndarray of shape (60000, 784) or DataFrame
            Training images, uint8 pixels 0-255, one row per digit.
        X_test : ndarray of shape (10000, 784) or DataFrame
            Test images.
        y_train : ndarray of shape (60000,) or Series
            Training labels, uint8 digits 0-9.
        y_test : ndarray of shape (10000,) or Series
            Test labels.
        feature_names : list of str
            The pixel column names.
        target_names : ndarray of shape (10,)
            The digits 0-9.
        source : str
            Where the data came from: the folder, or OpenML.
        DESCR : str
            Description of MNIST, with its license and attribution.

    (X_train, X_test, y_train, y_test) : tuple
        With ``return_X_y=True``.

    Raises
    ------
    MNISTNotFoundError
        If the files are not in the folder and downloading is not allowed or
        fails (no internet access): the message says where to put the files.
    FileNotFoundError
        If only some of the four files are in the folder.
    MNISTChecksumError
        If a file does not hold the official MNIST data.
    IDXFormatError
        If a file is corrupt or truncated.

    See Also
    --------
    load_mnist_sample : A small MNIST sample that ships with the package.
    load_idx_folder : Any folder in MNIST's layout, checked for structure only.

    Examples
    --------
    >>> from sklearn_scratchnet.datasets import fetch_mnist
    >>> mnist = fetch_mnist()  # doctest: +SKIP
    >>> mnist.X_train.shape, mnist.X_test.shape  # doctest: +SKIP
    ((60000, 784), (10000, 784))
    """
    split, source = _mnist_split(mnist_home(data_home), download_if_missing)
    bunch_options = {"return_X_y": return_X_y, "as_frame": as_frame}
    return _split_bunch(*split, source=source, descr=MNIST_DESCR, **bunch_options)


def _mnist_split(folder, download_if_missing):
    """MNIST's split and where it came from: the verified files in ``folder``,
    else OpenML's copy (cached in ``folder``) if ``download_if_missing``.

    Returns
    -------
    split : tuple of ndarray
        X_train, X_test, y_train, y_test.
    source : str
        The folder, or OpenML's name for MNIST and where it is cached.
    """
    found = [_find(folder, stem) for stem in MNIST_FILES.values()]
    if all(found):
        return _read_split(folder, verify=True), str(folder)
    if any(found):
        missing = [s for s, p in zip(MNIST_FILES.values(), found, strict=True) if not p]
        raise FileNotFoundError(
            f"{folder} holds some of the MNIST files but not {', '.join(missing)} "
            "(raw or .gz). Add the missing files, or remove the others so that "
            "fetch_mnist downloads MNIST from OpenML."
        )
    if not download_if_missing:
        raise MNISTNotFoundError(
            _not_found_message(folder, "and download_if_missing is False")
        )
    source = f"OpenML {OPENML_NAME} (cached in {folder / 'openml'})"
    return _fetch_from_openml(folder), source


def _not_found_message(folder, reason):
    return (
        f"MNIST is not in {folder} {reason}. Put the four original MNIST files "
        f"({', '.join(name + '.gz' for name in MNIST_FILES.values())}; raw or "
        f"gzip-compressed) in {folder}, or point data_home (or the environment "
        "variable SCRATCHNET_DATA) at the folder that holds them. Without them, "
        "load_mnist_sample() (scratchnet train --data sample) gives a small MNIST "
        "sample that ships with the package."
    )


def _fetch_from_openml(folder):
    """MNIST from OpenML's ``mnist_784``, split 60,000 / 10,000 like the files."""
    # Every new socket gets a timeout, as scikit-learn's downloader sets none.
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(_DOWNLOAD_TIMEOUT)
    try:
        X, y = sklearn.datasets.fetch_openml(
            OPENML_NAME,
            version=OPENML_VERSION,
            data_home=folder,
            return_X_y=True,
            as_frame=False,
            n_retries=_DOWNLOAD_RETRIES,
            delay=1.0,
        )
    except OSError as exc:  # URLError, timeouts, refused connections
        raise MNISTNotFoundError(
            _not_found_message(folder, f"and downloading it from OpenML failed ({exc})")
        ) from exc
    finally:
        socket.setdefaulttimeout(previous_timeout)
    X, y = np.asarray(X), np.asarray(y)
    if X.shape != (70_000, 784) or y.shape != (70_000,):
        raise IDXFormatError(
            f"OpenML's {OPENML_NAME} has the shapes {X.shape} and {y.shape}, not "
            "(70000, 784) and (70000,): the download is not MNIST. Remove "
            f"{folder / 'openml'} and try again."
        )
    X, y = X.astype(np.uint8), y.astype(np.uint8)
    return X[:_N_TRAIN], X[_N_TRAIN:], y[:_N_TRAIN], y[_N_TRAIN:]


def load_mnist_sample(*, return_X_y=False, as_frame=False):
    """Load a small real MNIST sample that ships with the package.

    6,000 training digits (600 of each class) and 2,000 test digits (200 of each
    class), drawn at random (seed 0) from the official MNIST split and kept in
    their original order; ``train_indices`` and ``test_indices`` give each
    digit's place in that split. It needs no download, so everything works
    offline on a fresh machine; accuracy on it is a rough guide to accuracy on
    the full data set.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(X_train, X_test, y_train, y_test)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, the images are pandas DataFrames and the labels Series, as in
        :func:`fetch_mnist` (needs pandas).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        As :func:`fetch_mnist`'s, with 6,000 and 2,000 digits, plus:

        train_indices : ndarray of shape (6000,)
            Index of each training digit in MNIST's 60,000 training digits.
        test_indices : ndarray of shape (2000,)
            Index of each test digit in MNIST's 10,000 test digits.

    (X_train, X_test, y_train, y_test) : tuple
        With ``return_X_y=True``.

    See Also
    --------
    fetch_mnist : The full data set.

    Examples
    --------
    >>> from sklearn_scratchnet.datasets import load_mnist_sample
    >>> mnist = load_mnist_sample()
    >>> mnist.X_train.shape, mnist.X_test.shape
    ((6000, 784), (2000, 784))
    """
    sample = resources.files("sklearn_scratchnet") / "data" / _SAMPLE_FILE
    with resources.as_file(sample) as path, np.load(path) as stored:
        arrays = {name: stored[name] for name in stored.files}
    bunch = _split_bunch(
        *(arrays[name] for name in ("X_train", "X_test", "y_train", "y_test")),
        source=f"the package (sklearn_scratchnet/data/{_SAMPLE_FILE})",
        descr=MNIST_DESCR
        + "\nThis is a sample of 600 training and 200 test digits per class,\n"
        "drawn at random (seed 0) from the official split.\n",
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
    if not return_X_y:
        bunch.train_indices = arrays["train_indices"].astype(np.intp)
        bunch.test_indices = arrays["test_indices"].astype(np.intp)
    return bunch


#: The names ``load_data_set`` (and ``scratchnet``'s ``--data``) takes besides
#: a folder, in any case.
DATA_SET_NAMES = ("mnist", "sample")


def load_data_set(spec=None, *, test_only=False):
    """Load the train/test split that ``scratchnet``'s ``--data`` names.

    Parameters
    ----------
    spec : str, path-like or None, default=None
        ``"mnist"``: :func:`fetch_mnist` from :func:`mnist_home`, downloaded
        from OpenML if absent; ``"sample"``: :func:`load_mnist_sample`; any
        other value: a folder in MNIST's layout, read with
        :func:`load_idx_folder`. The names may be in any case (``"MNIST"``);
        a folder of that exact name wins over a name that differs only in
        case. None: full MNIST from the first of
        :func:`default_mnist_folders` that holds its files, never downloaded,
        else the sample; when ``SCRATCHNET_DATA`` is set it must hold MNIST.
    test_only : bool, default=False
        For a folder, read only its two test files (``t10k-*``): the training
        files need not be there, and ``X_train`` and ``y_train`` are None.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X_train``, ``X_test`` (uint8 pixels 0-255, one row per image),
        ``y_train``, ``y_test`` and ``description``: one line that says what
        was loaded and from where. For ``"mnist"``, ``"sample"`` and None, also
        the other attributes of :func:`fetch_mnist`'s Bunch.

    Raises
    ------
    FileNotFoundError
        If a folder or one of its files is missing (the message lists the
        values ``spec`` takes); :class:`MNISTNotFoundError` for ``"mnist"``
        when MNIST is neither in the folder nor downloadable, and for None when
        ``SCRATCHNET_DATA`` is set but does not hold MNIST.
    IDXFormatError
        If a file is corrupt or the images and labels do not fit together.
    MNISTChecksumError
        If a file named like an MNIST file does not hold the official data.

    Notes
    -----
    Prints a line to standard error for ``"mnist"`` (the folder MNIST is
    loaded from) and for None when full MNIST is not found (where it was looked
    for and how to get it), so that standard output holds only results.
    """
    if spec is None:
        bunch, what = _default_data()
    elif (name := _data_set_name(spec)) == "sample":
        bunch, what = load_mnist_sample(), "MNIST sample"
    elif name == "mnist":
        home = mnist_home()
        print(
            f"Loading MNIST from {home} (downloading it from OpenML if absent)...",
            file=sys.stderr,
        )
        bunch, what = fetch_mnist(home), "full MNIST"
    else:
        return _folder_data(spec, test_only)
    bunch.description = (
        f"{what} from {bunch.source}: {len(bunch.y_train):,} training and "
        f"{len(bunch.y_test):,} test digits"
    )
    return bunch


def _folder_data(spec, test_only):
    """:func:`load_data_set`'s Bunch for the folder ``spec``."""
    folder = Path(os.fspath(spec))
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} is not a folder. Give 'mnist' (full MNIST), 'sample' (the "
            "MNIST sample shipped with the package) or a folder of the four IDX "
            f"files in MNIST's layout ({', '.join(MNIST_FILES.values())}, each "
            "may be .gz)."
        )
    if test_only:
        X_train = y_train = None
        X_test, y_test = _read_part(folder, "test")
        counts = f"{len(y_test):,} test images"
    else:
        X_train, X_test, y_train, y_test = load_idx_folder(folder)
        counts = f"{len(y_train):,} training and {len(y_test):,} test images"
    return Bunch(
        X_train=X_train,
        X_test=X_test,
        y_train=y_train,
        y_test=y_test,
        description=f"{spec}: {counts} of {X_test.shape[1]} pixels",
    )


def _data_set_name(spec):
    """``"mnist"`` or ``"sample"`` if ``spec`` names one, in any case, else None.

    A folder whose name matches exactly is the folder, not the name.
    """
    if spec in DATA_SET_NAMES:
        return spec
    if isinstance(spec, str) and spec.lower() in DATA_SET_NAMES:
        if not Path(spec).is_dir():
            return spec.lower()
    return None


def default_mnist_folders():
    """Where :func:`load_data_set` looks for full MNIST when not told which data.

    Returns
    -------
    folders : list of pathlib.Path
        ``$SCRATCHNET_DATA`` alone when it is set; otherwise ``../shared/mnist``
        (a ``shared/mnist`` folder beside the working directory) and
        scikit-learn's data home.
    """
    if os.environ.get("SCRATCHNET_DATA"):
        return [mnist_home()]
    return [Path("..", "shared", "mnist"), mnist_home()]


def _default_data():
    """Full MNIST from the first default folder that holds it, else the sample.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        As :func:`fetch_mnist` returns it. Falling back to the sample prints
        where MNIST was looked for and how to get it, on standard error.
    what : str
        The data set's name for the description: ``"full MNIST"`` or
        ``"MNIST sample"``.

    Raises
    ------
    MNISTNotFoundError
        If ``SCRATCHNET_DATA`` is set but does not hold MNIST: a variable set
        on purpose and pointing at the wrong place is a mistake to report, not
        to cover with the sample.
    """
    folders = default_mnist_folders()
    for folder in folders:
        try:
            return fetch_mnist(folder, download_if_missing=False), "full MNIST"
        except MNISTNotFoundError:
            continue
    if os.environ.get("SCRATCHNET_DATA"):
        raise MNISTNotFoundError(
            f"SCRATCHNET_DATA is set to {folders[0]}, which does not hold the "
            f"MNIST files ({', '.join(name + '.gz' for name in MNIST_FILES.values())}"
            "; raw or gzip-compressed). Point SCRATCHNET_DATA at their folder, "
            "unset it to use the MNIST sample shipped with the package, or give "
            "--data sample (or --data mnist to download MNIST into it)."
        )
    print(
        f"Full MNIST not found in {' or '.join(map(str, folders))}; using the MNIST "
        "sample shipped in the package. For full MNIST, put the four original "
        f"files in {folders[-1]} (or point SCRATCHNET_DATA at their folder), or use "
        "--data mnist to download it.",
        file=sys.stderr,
    )
    return load_mnist_sample(), "MNIST sample"


def scale_pixels(X):
    """Scale pixels 0-255 to float32 in [0, 1], as the models are trained on them.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_pixels)
        Pixel intensities 0-255, such as MNIST's uint8 images.

    Returns
    -------
    X_scaled : ndarray of shape (n_samples, n_pixels)
        ``X / 255`` as float32.
    """
    return np.asarray(X, dtype=np.float32) / np.float32(255)


def _split_bunch(
    X_train, X_test, y_train, y_test, *, source, descr, return_X_y, as_frame
):
    if as_frame:
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                "as_frame=True needs pandas; install it (pip install pandas) or "
                "use as_frame=False for NumPy arrays."
            ) from exc
        X_train, X_test = (
            pd.DataFrame(X, columns=PIXEL_NAMES) for X in (X_train, X_test)
        )
        y_train, y_test = (pd.Series(y, name="class") for y in (y_train, y_test))
    if return_X_y:
        return X_train, X_test, y_train, y_test
    return Bunch(
        X_train=X_train,
        X_test=X_test,
        y_train=y_train,
        y_test=y_test,
        feature_names=list(PIXEL_NAMES),
        target_names=np.arange(N_CLASSES),
        source=source,
        DESCR=descr,
    )
