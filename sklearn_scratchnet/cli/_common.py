"""What the sub-commands share: exit codes, error reports, arguments, checks."""

import importlib
import os
import sys
import tempfile
from pathlib import Path

from sklearn.utils._param_validation import InvalidParameterError

from sklearn_scratchnet import datasets, images
from sklearn_scratchnet.exceptions import ModelFileError, UntrustedModelError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_INVALID_FILE = 4
EXIT_CANNOT_WRITE = 5
EXIT_NOT_LEARNED = 6
EXIT_INTERRUPTED = 130  # the shell's code for a process ended by Ctrl-C


class CommandError(Exception):
    """A failure to report in one message, with the command's exit code."""

    def __init__(self, message, exit_code=EXIT_FAILURE):
        super().__init__(message)
        self.exit_code = exit_code


# Exceptions that are the user's input, not a bug: their message is the report.
_EXIT_CODES = [
    (FileNotFoundError, EXIT_NOT_FOUND),
    (IsADirectoryError, EXIT_INVALID_FILE),
    (datasets.IDXFormatError, EXIT_INVALID_FILE),
    (datasets.MNISTChecksumError, EXIT_INVALID_FILE),
    (images.DigitImageError, EXIT_INVALID_FILE),
    (ModelFileError, EXIT_INVALID_FILE),
    (UntrustedModelError, EXIT_INVALID_FILE),
    (InvalidParameterError, EXIT_USAGE),
    (OSError, EXIT_CANNOT_WRITE),  # after its subclasses above
]
HANDLED = (CommandError, *(error for error, _ in _EXIT_CODES))


def report(command, exc):
    """Print ``exc`` as the command's error message; return its exit code."""
    message = exc
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        message = f"{exc.filename}: {exc.strerror}"
    print(f"scratchnet {command}: error: {message}", file=sys.stderr)
    if isinstance(exc, CommandError):
        return exc.exit_code
    return next(code for error, code in _EXIT_CODES if isinstance(exc, error))


# ------------------------------------------------------------------ arguments


def add_command(commands, name, run, *, help, description, model=True, data=False):
    """Add the sub-command ``name``, which ``run(args)`` carries out.

    Parameters
    ----------
    commands : argparse._SubParsersAction
        The sub-command parsers of ``scratchnet``.
    name : str
        The sub-command.
    run : callable
        Its handler: ``run(args)`` returns an exit code, or None for success.
    help, description : str
        Its line in ``scratchnet --help`` and the text of its own ``--help``.
    model : bool, default=True
        Whether it takes a MODEL file (and ``--trust-pickle``).
    data : bool, default=False
        Whether it takes ``--data``.

    Returns
    -------
    parser : argparse.ArgumentParser
        The sub-command's parser, for its own arguments.
    """
    parser = commands.add_parser(name, help=help, description=description)
    if model:
        parser.add_argument(
            "model",
            type=Path,
            metavar="MODEL",
            help="a model saved by scratchnet train",
        )
        parser.add_argument(
            "--trust-pickle",
            action="store_true",
            help="load MODEL even though it is a pickle (joblib) file, which can run "
            "any code: only for files you made yourself",
        )
    if data:
        parser.add_argument(
            "--data",
            metavar="mnist|sample|DIR",
            help="'mnist' (full MNIST from $SCRATCHNET_DATA or scikit-learn's data "
            "home, downloaded from OpenML if absent), 'sample' (the sample shipped "
            "with the package), in any case, or a folder of the IDX files in "
            "MNIST's layout (evaluate needs only the two t10k files). Default: full "
            "MNIST if found locally ($SCRATCHNET_DATA, which must then hold it, else "
            "../shared/mnist, else scikit-learn's data home), else the sample",
        )
    parser.set_defaults(run=run)
    return parser


# --------------------------------------------------------------------- models


def check_features(clf, n_features, what):
    """Refuse data whose number of features is not the model's."""
    if clf.n_features_in_ != n_features:
        raise CommandError(
            f"the model takes {clf.n_features_in_} inputs but gets {what}: it was "
            "trained on other data.",
            EXIT_INVALID_FILE,
        )


# ---------------------------------------------------------------- output files


def check_output(path, option, figures=()):
    """Make sure ``path`` can be written, before any work: create its folder and
    write and remove a file there.

    Raises
    ------
    CommandError
        Exit code 4 if ``path`` (or one of the ``figures`` written next to it)
        is a folder, 5 if its folder cannot be created or written to.
    """
    for target in (path, *figures):
        if target.is_dir():
            raise CommandError(
                f"{target} is a folder; give {option} the path of a file to write "
                f"(such as {path / 'model.skops'}).",
                EXIT_INVALID_FILE,
            )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".probe", dir=path.parent
        )
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise CommandError(
            f"cannot write {path}: {reason(exc, path)}. Give {option} a path in "
            "a folder you can write to.",
            EXIT_CANNOT_WRITE,
        ) from exc


def reason(exc, path=None):
    """Why an OSError happened, in words that name no temporary file."""
    if path is not None:
        # mkdir under a file fails with "File exists" or "Not a directory".
        for folder in path.parents:
            if folder.exists():
                if not folder.is_dir():
                    return f"{folder} is a file, not a folder"
                break
    return exc.strerror or str(exc) or type(exc).__name__


# ------------------------------------------------------- optional dependencies


# What the commands import beyond the core dependencies, and its package.
_EXTRAS = {
    "sklearn.callback": "scikit-learn >= 1.9",
    "rich": "rich",
    "matplotlib": "matplotlib",
    "PIL": "Pillow",
    "skops.io": "skops",
}


def require_extras(*modules):
    """Raise a CommandError that names the packages to install, if any is missing."""
    missing = []
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(_EXTRAS[module])
    if missing:
        raise CommandError(
            f"this command needs {' and '.join(missing)}. Install the command's "
            'extras: python -m pip install ".[cli]" (in a clone of '
            "sklearn-scratchnet)",
            EXIT_FAILURE,
        )
