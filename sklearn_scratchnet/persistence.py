"""Saving and loading fitted models: skops for files from anyone, joblib for yours.

A joblib (pickle) file can run any code when it is loaded, so load one only if
you made it yourself. A skops file (``skops.io``) holds data and the names of
the types to rebuild, and loading refuses any type that was not trusted: a
fitted :class:`~sklearn_scratchnet.ScratchMLPClassifier` needs only the types in
:data:`TRUSTED_TYPES` beyond what skops trusts by default (NumPy arrays and
random states, built-in containers, scikit-learn's estimators).

Saving writes a temporary file next to the target and renames it into place,
so an interrupted save never leaves a truncated file where a good one was.
:func:`load_model`, which the ``scratchnet`` command uses, also checks that the
file holds a fitted model of this library and says which libraries it was saved
with in other versions.
"""

import io
import os
import shutil
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path

import joblib
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from sklearn_scratchnet._classifier import ScratchMLPClassifier
from sklearn_scratchnet._version import library_versions
from sklearn_scratchnet.exceptions import (
    InconsistentVersionWarning,
    ModelFileError,
    UntrustedModelError,
)

TRUSTED_TYPES = (
    "sklearn_scratchnet._classifier.ScratchMLPClassifier",
    "sklearn_scratchnet._optimizers.GradientDescent",
    "sklearn_scratchnet._optimizers.Adam",
)
"""Types a fitted ScratchMLPClassifier is made of that skops does not trust by
default: pass them as ``skops.io.load(path, trusted=list(TRUSTED_TYPES))``."""

FORMATS = ("skops", "joblib")


def dump(model, path, *, format=None):
    """Save a model atomically, as skops or joblib.

    Parameters
    ----------
    model : object
        The model, usually a fitted ScratchMLPClassifier or a Pipeline with one.
    path : str or os.PathLike
        Where to write. Its folder must exist.
    format : {"skops", "joblib"} or None, default=None
        None picks "skops" for a ``.skops`` suffix and "joblib" otherwise.

    Returns
    -------
    path : pathlib.Path
        The file written.
    """
    path = Path(path)
    if format is None:
        format = "skops" if path.suffix == ".skops" else "joblib"
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS} or None; got {format!r}.")
    save = _import_skops().dump if format == "skops" else joblib.dump
    return write_atomically(path, lambda file: save(model, file))


def write_atomically(path, write):
    """Write a file through a temporary file renamed into place.

    Readers see the old file or the new one, never a part of the new one; if
    ``write`` fails, or the program is interrupted, the old file stays as it was
    and the temporary file is removed.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write. Its folder must exist.
    write : callable
        ``write(temporary_path)`` writes the whole content to the path it gets.

    Returns
    -------
    path : pathlib.Path
        The file written.
    """
    path = Path(path)
    # The temporary file lives in the target's folder, so the rename cannot cross
    # file systems and is atomic.
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, _new_file_mode())  # mkstemp's 0o600 would stick
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load(path, *, trust_pickle=False):
    """Load a model saved with :func:`dump`, refusing code it was not trusted with.

    Parameters
    ----------
    path : str or os.PathLike
        A skops or a joblib file; the format is read from the file itself.
    trust_pickle : bool, default=False
        Load a joblib (pickle) file. Loading a pickle runs whatever code it
        holds: pass True only for files you or someone you trust wrote.

    Returns
    -------
    model : object
        The model saved in the file.

    Raises
    ------
    ValueError
        If the file is neither a skops nor a joblib file, or is a damaged
        skops file.
    UntrustedModelError
        If a skops file holds types other than scikit-learn's, NumPy's and
        :data:`TRUSTED_TYPES`, or the file is a pickle and ``trust_pickle`` is
        False. Nothing from the file is executed in either case. Also if a
        skops file declares more than :data:`MAX_INFLATION` times its size on
        disk once inflated (and more than :data:`INFLATION_ALLOWANCE` bytes):
        no model file inflates so much, but a "zip bomb" does; nothing from it
        is inflated. Members are never inflated beyond their declared size.
    """
    path = Path(path)
    if is_skops_file(path):
        skops_io = _import_skops()
        content = _bounded_content(path)
        untrusted = sorted(
            set(skops_io.get_untrusted_types(data=content)) - set(TRUSTED_TYPES)
        )
        if untrusted:
            raise UntrustedModelError(
                f"{path} holds types that are not trusted: {untrusted}. A "
                "sklearn-scratchnet model needs none of them; load the file with "
                "skops.io.load(path, trusted=[...]) only if you know what these "
                "types do."
            )
        return skops_io.loads(content, trusted=list(TRUSTED_TYPES))
    if not _looks_like_joblib(path):
        raise ValueError(
            f"{path} is neither a skops file nor a joblib (pickle) file; give a "
            "file written by dump (or scratchnet train)."
        )
    if not trust_pickle:
        raise UntrustedModelError(
            f"{path} is not a skops file, so it would be loaded as a pickle "
            "(joblib), and loading a pickle can run any code. Pass "
            "trust_pickle=True (scratchnet: --trust-pickle) only if you made the "
            "file yourself or trust who did; share models as .skops files."
        )
    return joblib.load(path)


#: How many times its size on disk a skops file may declare once inflated.
#: Derivation: :func:`dump` stores the members uncompressed, so a file it
#: writes inflates 1 time. Deflated by hand (``skops.io.dump(...,
#: compression=zipfile.ZIP_DEFLATED, compresslevel=9)``), a model's arrays
#: shrink little (trained weights 1.2 times, 3 times with Adam's moments all
#: zero) and its schema.json, which grows with the training history, at most
#: about 30 times (29 measured, on 2,000 passes of history): no model file of
#: ours inflates more than about 30 times (whole files measured: 1.2 to 14).
#: 100 leaves a margin above that; a zip bomb inflates about 1,000 times.
MAX_INFLATION = 100
#: Bytes any skops file may declare, inflated, whatever its size on disk: what
#: small, highly compressed archives may inflate to without harm.
INFLATION_ALLOWANCE = 16 * 2**20


# Bytes inflated at a time when copying an archive's members.
_CHUNK = 2**20


def _bounded_content(path):
    """The skops archive ``path`` as the bytes of a stored (uncompressed) copy,
    each member inflated at most to the size the archive declares for it.

    An archive that declares far more than its size on disk (a zip bomb), or
    whose members are compressed otherwise than by deflate, is refused before
    anything in it is inflated. zipfile's ``read`` inflates a member in one go,
    whatever size the archive declares for it; reading by chunks of at most
    ``_CHUNK`` bytes inflates no more than the declared size, and zipfile checks
    each member's CRC. skops then reads the copy.
    """
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        declared = sum(item.file_size for item in members)
        on_disk = max(os.path.getsize(path), 1)
        if declared > max(INFLATION_ALLOWANCE, MAX_INFLATION * on_disk):
            raise UntrustedModelError(
                f"{path} declares {declared:,} bytes once inflated, "
                f"{declared / on_disk:,.0f} times its {on_disk:,} bytes on disk: "
                "this is not a model file of ours (those inflate at most about "
                "30 times) but a zip bomb, and nothing in it was inflated."
            )
        unusual = sorted(
            {item.filename for item in members if item.compress_type not in _INFLATE}
        )
        if unusual:
            raise UntrustedModelError(
                f"{path} holds members compressed otherwise than by deflate "
                f"({', '.join(unusual)}), which are not inflated in bounded "
                "memory. Save the model with sklearn_scratchnet.persistence.dump "
                "(or skops.io.dump without compression, or with ZIP_DEFLATED)."
            )
        copy = io.BytesIO()
        with zipfile.ZipFile(copy, "w") as stored:
            for item in members:
                _copy_member(archive, item, stored, path)
    return copy.getvalue()


def _copy_member(archive, item, stored, path):
    """Copy the member ``item`` of ``archive`` into ``stored`` by chunks."""
    big = item.file_size > zipfile.ZIP64_LIMIT
    try:
        with (
            archive.open(item) as member,
            stored.open(item.filename, "w", force_zip64=big) as out,
        ):
            shutil.copyfileobj(member, out, _CHUNK)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise ValueError(
            f"{path} is a damaged skops file: {item.filename} cannot be read ({exc})."
        ) from exc


_INFLATE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def is_skops_file(path):
    """Whether ``path`` is a skops file (a zip archive with a schema).

    Parameters
    ----------
    path : str or os.PathLike
        The file to look at.

    Returns
    -------
    is_skops : bool
        True for a file written by ``skops.io.dump``.
    """
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return "schema.json" in archive.namelist()
    except zipfile.BadZipFile:  # its end record is whole, the rest is not
        return False


def load_model(path, *, trust_pickle=False):
    """Load a fitted model saved by ``scratchnet train`` or :func:`dump`.

    What the ``scratchnet`` commands load: :func:`load`, with every way a file
    can fail to be a model turned into an error that says what the file holds
    and what to give instead.

    Parameters
    ----------
    path : str or os.PathLike
        The model file: a skops file, or a joblib (pickle) file when
        ``trust_pickle`` is True.
    trust_pickle : bool, default=False
        Load a pickle, which can run any code; refused otherwise.

    Returns
    -------
    model : ScratchMLPClassifier or Pipeline
        The fitted model: a ScratchMLPClassifier, or a Pipeline whose last
        step is one (such as ``make_pipeline(MinMaxScaler(),
        ScratchMLPClassifier())``), which predicts from raw inputs; its
        classifier is :func:`classifier_of` the model.
    saved_with : dict
        ``{library: version}`` of the libraries whose version differs from the
        one running now (empty when they are the same, see
        :func:`library_versions`).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    IsADirectoryError
        If ``path`` is a folder.
    UntrustedModelError
        If the file is a pickle and ``trust_pickle`` is False, or a skops file
        with types other than a model's.
    ModelFileError
        If the file does not hold a fitted ScratchMLPClassifier or a fitted
        Pipeline that ends with one.
    """
    path = Path(path)
    _check_model_file(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InconsistentVersionWarning)
        try:
            model = load(path, trust_pickle=trust_pickle)
        except UntrustedModelError:
            raise
        except Exception as exc:  # any reading failure means "not a model"
            detail = str(exc).replace(str(path), "the file")
            raise ModelFileError(
                f"{path} is not a model file ({type(exc).__name__}: {detail}). "
                "Give a file written by scratchnet train."
            ) from exc
    _check_fitted_classifier(path, model)
    saved_with = {
        w.message.library: w.message.original_version
        for w in caught
        if isinstance(w.message, InconsistentVersionWarning)
    }
    return model, saved_with


def classifier_of(model):
    """The ScratchMLPClassifier of a loaded model.

    Parameters
    ----------
    model : object
        A model, such as :func:`load_model` returns.

    Returns
    -------
    classifier : object
        A Pipeline's last step; any other model as it is.
    """
    if isinstance(model, Pipeline) and model.steps:
        return model.steps[-1][1]
    return model


_MODEL_SUFFIXES = {".skops", ".joblib", ".pkl", ".pickle"}


def _check_model_file(path):
    """Refuse a folder, a missing file, or one in neither format, before reading."""
    if path.is_dir():
        raise IsADirectoryError(
            f"{path} is a folder, not a model file. Give the model file, such as "
            f"{path / 'model.skops'}."
        )
    if not path.is_file():
        if path.suffix in _MODEL_SUFFIXES:
            remedy = f"Train one with: scratchnet train --out {path}"
        else:
            remedy = (
                "The first argument is the model, a file written by scratchnet "
                "train (model.skops by default)."
            )
        raise FileNotFoundError(f"{path}: no such model file. {remedy}")
    if not is_skops_file(path) and not _looks_like_joblib(path):
        raise ModelFileError(
            f"{path} is not a model file: neither a skops file nor a joblib "
            "(pickle) file. Give a file written by scratchnet train."
        )


def _check_fitted_classifier(path, model):
    """Refuse a model that is not a fitted ScratchMLPClassifier or Pipeline."""
    clf = classifier_of(model)
    if not isinstance(clf, ScratchMLPClassifier):
        what = f"{type(model).__module__}.{type(model).__name__}"
        if clf is not model:
            what += f" ending with a {type(clf).__module__}.{type(clf).__name__}"
        raise ModelFileError(
            f"{path} holds a {what}, not a ScratchMLPClassifier (or a Pipeline "
            "ending with one). Give a file written by scratchnet train."
        )
    try:
        check_is_fitted(model)
        check_is_fitted(clf)
    except Exception as exc:
        raise ModelFileError(
            f"{path} holds a {type(model).__name__} that was never fitted."
        ) from exc


# How a joblib file starts: a pickle (protocol 2 or later), or one of the
# compressors joblib writes with (zlib, gzip, bz2, xz, lzma, lz4).
_JOBLIB_MAGIC = (
    b"\x80",
    b"\x78",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ",
    b"\x5d\x00",
    b"\x04\x22\x4d\x18",
)


def _looks_like_joblib(path):
    with open(path, "rb") as file:
        return file.read(6).startswith(_JOBLIB_MAGIC)


def _new_file_mode():
    """The permissions ``open`` gives a new file: 0o666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _import_skops():
    try:
        import skops.io
    except ImportError as exc:
        raise ImportError(
            "Saving and loading .skops files needs skops: "
            'python -m pip install ".[skops]" (in a clone of sklearn-scratchnet)'
        ) from exc
    return skops.io


__all__ = [
    "FORMATS",
    "INFLATION_ALLOWANCE",
    "MAX_INFLATION",
    "TRUSTED_TYPES",
    "classifier_of",
    "dump",
    "is_skops_file",
    "library_versions",
    "load",
    "load_model",
    "write_atomically",
]
