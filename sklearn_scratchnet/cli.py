"""The ``scratchnet`` command: train, evaluate and use the note's network on MNIST.

::

    scratchnet train [--data mnist|sample|DIR] [--hidden-size H] [--alpha A]
                     [--solver sgd|adam|lbfgs] [--momentum MU]
                     [--activation relu|tanh|logistic|identity] [--batch-size B]
                     [--max-iter N] [--l2 L2] [--dropout RATE]
                     [--class-weight balanced]
                     [--early-stopping] [--validation-fraction F]
                     [--random-state S] [--device DEVICE] [--out MODEL]
    scratchnet evaluate MODEL [--data mnist|sample|DIR] [--trust-pickle]
    scratchnet predict MODEL IMAGE [IMAGE ...] [--save-input DIR] [--trust-pickle]
    scratchnet info MODEL [--trust-pickle]
    scratchnet export MODEL OUT.onnx|OUT.html [--trust-pickle]

For example ``scratchnet train --out model.skops``, then ``scratchnet evaluate
model.skops``, ``scratchnet predict model.skops digit.png``, ``scratchnet
export model.skops model.onnx`` or ``scratchnet export model.skops page.html``
(a page that runs the model on digits drawn in a browser, offline).

Also ``python -m sklearn_scratchnet``. Models are the fitted
:class:`~sklearn_scratchnet.ScratchMLPClassifier` saved as skops files (safe to
load from anyone; ``--out model.joblib`` saves a pickle instead, which the other
commands load only with ``--trust-pickle``); they take pixels scaled to [0, 1]
(MNIST pixels / 255). ``evaluate``, ``predict``, ``info`` and ``export`` also take
a fitted :class:`~sklearn.pipeline.Pipeline` whose last step is the classifier,
such as ``make_pipeline(MinMaxScaler(), ScratchMLPClassifier())`` saved with
:func:`~sklearn_scratchnet.persistence.dump`; ``evaluate`` gives it the raw
pixels 0-255, which its first steps scale. The commands need the ``cli`` extra
(scikit-learn >= 1.9 for the progress bar, rich, matplotlib, Pillow and skops):
``python -m pip install ".[cli]"`` in a clone of sklearn-scratchnet; ``export``
to ONNX needs the ``onnx`` extra.

Exit codes: 0 success; 1 another failure (such as a missing dependency); 2 bad
usage or parameter value; 3 a file, folder, data set or device not found; 4 a file that
is not what it should be (corrupt data, not a model, not an image, a pickle not
trusted, a folder where a file is expected); 5 a file or folder that cannot be
written or read (permissions, a read-only or full disk: ``train`` checks its
output folder before training, and a model it then cannot save is saved in the
working directory or the temporary folder, as the message says); 130
interrupted by a second Ctrl-C (the first one stops training after the current
step, and the command goes on with the model trained so far); 6 ``train``'s
training diverged, or its model learned nothing (the training loss did not fall,
or the test accuracy is no better than always answering the most frequent
digit): a warning on standard error says to lower ``--alpha`` or use ``--solver
adam``, and a model that finished training is still saved with its figures.
"""

import argparse
import importlib
import importlib.util
import os
import re
import sys
import tempfile
import time
import warnings
from numbers import Integral
from pathlib import Path

import joblib
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import classification_report, confusion_matrix
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from sklearn_scratchnet import (
    __version__,
    _network,
    datasets,
    images,
    persistence,
    plotting,
)
from sklearn_scratchnet._classifier import ScratchMLPClassifier, _library_versions
from sklearn_scratchnet._holdout import stratified_hold_out
from sklearn_scratchnet.datasets import load_data_set, scale_pixels
from sklearn_scratchnet.exceptions import (
    FitInterruptedWarning,
    InconsistentVersionWarning,
    UntrustedModelError,
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_INVALID_FILE = 4
EXIT_CANNOT_WRITE = 5
EXIT_NOT_LEARNED = 6
EXIT_INTERRUPTED = 130  # the shell's code for a process ended by Ctrl-C

#: The figures ``scratchnet train`` writes next to the model: suffix, what.
FIGURES = {
    "loss": "training and validation loss per pass",
    "hidden-units": "each hidden unit's incoming weights as a 28x28 image",
    "confusion-matrix": "confusion matrix on the test digits",
    "misclassified": "test digits the model gets wrong",
}


class CommandError(Exception):
    """A failure to report in one message, with the command's exit code."""

    def __init__(self, message, exit_code=EXIT_FAILURE):
        super().__init__(message)
        self.exit_code = exit_code


class ModelFileError(ValueError):
    """A file that should hold a fitted ScratchMLPClassifier does not."""


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
_HANDLED = (CommandError, *(error for error, _ in _EXIT_CODES))


def main(argv=None):
    """Run the ``scratchnet`` command.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the command name; ``sys.argv[1:]`` when None.

    Returns
    -------
    exit_code : int
        0 on success; see the module's documentation for the others.
    """
    args = build_parser().parse_args(argv)
    if argv is None and _needs_scipy_array_api(args):
        # SciPy reads SCIPY_ARRAY_API once, when first imported (it is already):
        # start again with it set, as scikit-learn's array API dispatch needs.
        command = [sys.executable, "-m", "sklearn_scratchnet", *sys.argv[1:]]
        os.execve(sys.executable, command, {**os.environ, "SCIPY_ARRAY_API": "1"})
    try:
        return args.run(args) or EXIT_OK
    except _HANDLED as exc:
        return _report(args.command, exc)
    except KeyboardInterrupt:
        print(f"scratchnet {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _needs_scipy_array_api(args):
    """Whether the command trains on another array library without SciPy's API."""
    return (
        getattr(args, "device", None) is not None
        and os.environ.get("SCIPY_ARRAY_API") != "1"
    )


def _report(command, exc):
    """Print ``exc`` as the command's error message; return its exit code."""
    message = exc
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        message = f"{exc.filename}: {exc.strerror}"
    print(f"scratchnet {command}: error: {message}", file=sys.stderr)
    if isinstance(exc, CommandError):
        return exc.exit_code
    return next(code for error, code in _EXIT_CODES if isinstance(exc, error))


def build_parser():
    """The argument parser of the ``scratchnet`` command and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="scratchnet",
        description="Train, evaluate and use the origin note's two-layer network "
        "(784 pixels -> hidden ReLU layer -> softmax) on MNIST digits.",
        epilog="Exit codes: 0 success, 1 other failure, 2 bad usage, 3 file, "
        "data or device not found, 4 invalid file (corrupt data, not a model, not "
        "an image, a pickle without --trust-pickle, untrusted types), 5 cannot "
        "write or "
        "read a file (the message says where a trained model was kept), 6 the "
        "training diverged or learned nothing (lower --alpha), 130 a second "
        "Ctrl-C.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_train_parser(commands)
    add_evaluate_parser(commands)
    add_predict_parser(commands)
    add_info_parser(commands)
    add_export_parser(commands)
    return parser


def add_data_argument(command):
    """The ``--data`` option of a command that reads a data set."""
    command.add_argument(
        "--data",
        metavar="mnist|sample|DIR",
        help="'mnist' (full MNIST from $SCRATCHNET_DATA or scikit-learn's data "
        "home, downloaded from OpenML if absent), 'sample' (the sample shipped "
        "with the package), in any case, or a folder of the IDX files in "
        "MNIST's layout (evaluate needs only the two t10k files). Default: full "
        "MNIST if found locally ($SCRATCHNET_DATA, which must then hold it, else "
        "../shared/mnist, else scikit-learn's data home), else the sample",
    )


def add_model_argument(command):
    """The MODEL argument of a command that loads a model, with --trust-pickle."""
    command.add_argument(
        "model", type=Path, metavar="MODEL", help="a model saved by scratchnet train"
    )
    command.add_argument(
        "--trust-pickle",
        action="store_true",
        help="load MODEL even though it is a pickle (joblib) file, which can run "
        "any code: only for files you made yourself",
    )


# ------------------------------------------------------------- scratchnet train


def add_train_parser(commands):
    """Add ``scratchnet train`` to the sub-command parsers ``commands``."""
    train = commands.add_parser(
        "train",
        help="train a model, report its test accuracy, save it and its figures",
        description="Train ScratchMLPClassifier on MNIST pixels / 255 with a live "
        "progress bar, print the test accuracy and a per-class report, save the "
        "model (as a skops file, or joblib for a .joblib name) and write PNG "
        "figures next to it "
        "(MODEL-loss.png, MODEL-hidden-units.png, MODEL-confusion-matrix.png, "
        "MODEL-misclassified.png). The defaults are the note's algorithm. "
        "Ctrl-C stops the training after the current step and goes on with the "
        "model trained so far.",
    )
    add_data_argument(train)
    train.add_argument(
        "--hidden-size",
        type=int,
        default=10,
        metavar="H",
        help="hidden units, the note's h (default: %(default)s)",
    )
    train.add_argument(
        "--alpha",
        type=float,
        default=0.1,
        metavar="A",
        help="learning rate, the note's alpha (default: %(default)s); if the "
        "model learns nothing, lower it or use --solver adam with --alpha 0.001",
    )
    train.add_argument(
        "--solver",
        choices=["sgd", "adam", "lbfgs"],
        default="sgd",
        help="update rule: sgd, the note's W -= alpha dW (with --momentum), "
        "adam, or lbfgs (SciPy's L-BFGS-B on all the digits at once; --max-iter "
        "counts its iterations) (default: %(default)s)",
    )
    train.add_argument(
        "--momentum",
        type=float,
        default=0.0,
        metavar="MU",
        help="momentum of sgd, in [0, 1] (default: %(default)s: the note's update)",
    )
    train.add_argument(
        "--activation",
        choices=sorted(_network.ACTIVATIONS),
        default="relu",
        help="hidden activation (default: %(default)s, the note's)",
    )
    train.add_argument(
        "--batch-size",
        type=int,
        default=None,
        metavar="B",
        help="samples per gradient step (default: the whole training set, one "
        "step per pass, as in the note)",
    )
    train.add_argument(
        "--max-iter",
        type=int,
        default=500,
        metavar="N",
        help="passes over the training digits (epochs) (default: %(default)s)",
    )
    train.add_argument(
        "--l2",
        type=float,
        default=0.0,
        metavar="L2",
        help="L2 penalty on the weights (default: %(default)s)",
    )
    train.add_argument(
        "--dropout",
        type=float,
        default=0.0,
        metavar="RATE",
        help="share of the hidden units dropped at random in each training step "
        "(inverted dropout; the full network predicts), in [0, 1); with sgd or "
        "adam (default: %(default)s: none, as in the note)",
    )
    train.add_argument(
        "--class-weight",
        choices=["balanced"],
        default=None,
        help="'balanced' weighs each digit inversely to its frequency "
        "(default: all digits weigh the same)",
    )
    train.add_argument(
        "--early-stopping",
        action="store_true",
        help="stop when the validation accuracy stops improving, keep the best "
        "pass's weights (default: train --max-iter passes)",
    )
    train.add_argument(
        "--validation-fraction",
        type=float,
        default=0.1,
        metavar="F",
        help="share of the training digits held out to score each pass, in "
        "[0, 1); 0 for none (default: %(default)s)",
    )
    train.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="S",
        help="seed of the initial weights, shuffling and hold-out (default: "
        "%(default)s: reproducible)",
    )
    train.add_argument(
        "--device",
        default=None,
        metavar="DEVICE",
        help="train with PyTorch tensors on DEVICE (cuda, cuda:1, mps or cpu): "
        "the same equations run there, through scikit-learn's array API; the "
        "saved model holds NumPy arrays and works anywhere. Needs PyTorch (pip "
        "install torch==2.13.0) (default: NumPy on the CPU)",
    )
    train.add_argument(
        "--out",
        type=Path,
        default=Path("model.skops"),
        metavar="MODEL",
        help="where to save the model: a skops file, safe to share (default: "
        "model.skops), or a pickle for a name ending in .joblib or .pkl",
    )
    train.set_defaults(run=train_command)


def train_command(args):
    """``scratchnet train``: fit, report, save the model and the figures."""
    _require_extras("sklearn.callback", "rich", "matplotlib")
    if _model_format(args.out) == "skops":
        _require_extras("skops.io")
    clf = _classifier_from(args)
    device = _training_device(args.device)
    _check_validation_arguments(args)
    _check_output(args.out, "--out", figures=figure_paths(args.out).values())
    data = load_data_set(args.data)
    print(f"Data: {data.description}")
    X_train, X_test = scale_pixels(data.X_train), scale_pixels(data.X_test)
    y_train, y_test = data.y_train, data.y_test
    X_val = y_val = None
    if args.validation_fraction > 0:
        X_train, X_val, y_train, y_val = _hold_out(
            X_train, y_train, args.validation_fraction, args.random_state
        )
        print(
            f"Held out {len(y_val):,} training digits to score each pass; "
            f"training on {len(y_train):,}."
        )

    print(f"Model: {clf!r}")
    if device is None:
        seconds, interrupted = _fit_with_progress(clf, X_train, y_train, X_val, y_val)
    else:
        print(f"Device: {device} (PyTorch tensors, scikit-learn's array API)")
        clf, seconds, interrupted = _fit_on_device(
            clf, device, X_train, y_train, X_val, y_val
        )
    print(_training_summary(clf, seconds, interrupted))
    y_pred = clf.predict(X_test)
    _print_test_results(y_test, y_pred)
    useless = _learned_nothing(clf, y_test, y_pred)

    _save_model(clf, args.out)
    print(f"Model saved to {args.out}")
    try:
        written = save_figures(clf, X_test, y_test, args.out)
    except OSError as exc:
        raise CommandError(
            f"cannot write the figure {exc.filename or args.out.parent}: "
            f"{_reason(exc)}. The model is saved in {args.out}.",
            EXIT_CANNOT_WRITE,
        ) from exc
    print("Figures:")
    for path, what in written:
        print(f"  {path}  ({what})")
    if useless:
        print(
            f"scratchnet train: warning: the model learned nothing: {useless}. "
            f"{_DIVERGENCE_HINT}",
            file=sys.stderr,
        )
        return EXIT_NOT_LEARNED


_DIVERGENCE_HINT = (
    "The learning rate is probably too large: lower --alpha (say by 10), or use "
    "--solver adam --alpha 0.001."
)


def _learned_nothing(clf, y_test, y_pred):
    """Why the trained model is useless, or None: its training loss did not
    fall, or its test accuracy is no better than always answering the most
    frequent test label (what a diverged network does)."""
    losses = clf.loss_curve_
    if not np.all(np.isfinite(losses)) or (len(losses) > 1 and losses[-1] >= losses[0]):
        return (
            f"its training loss did not fall (first pass {losses[0]:.4f}, last "
            f"{losses[-1]:.4f})"
        )
    accuracy = np.mean(y_pred == y_test)
    _, counts = np.unique(y_test, return_counts=True)
    if len(y_test) and accuracy <= counts.max() / len(y_test):
        return (
            f"its test accuracy {accuracy:.4f} is no better than always answering "
            f"the most frequent label ({counts.max() / len(y_test):.4f})"
        )
    return None


# The options of scratchnet train that are the classifier's parameters.
_TRAIN_PARAMETERS = {
    "hidden_size": "--hidden-size",
    "alpha": "--alpha",
    "solver": "--solver",
    "momentum": "--momentum",
    "activation": "--activation",
    "batch_size": "--batch-size",
    "max_iter": "--max-iter",
    "l2": "--l2",
    "dropout": "--dropout",
    "class_weight": "--class-weight",
    "early_stopping": "--early-stopping",
    "random_state": "--random-state",
}


def _classifier_from(args):
    """The classifier the options describe, its parameters checked before any work.

    Raises
    ------
    CommandError
        With exit code 2 and the option's name, for a value the classifier
        refuses (``--alpha must be > 0; got 0.0``).
    """
    clf = ScratchMLPClassifier(
        **{name: getattr(args, name) for name in _TRAIN_PARAMETERS}
    )
    try:
        clf._validate_params()
    except InvalidParameterError as exc:
        raise CommandError(_option_error(exc), EXIT_USAGE) from exc
    if clf.dropout > 0 and clf.solver == "lbfgs":
        raise CommandError(
            "--dropout needs --solver sgd or adam: lbfgs needs the same loss at "
            "every evaluation, and dropout draws new masks each time.",
            EXIT_USAGE,
        )
    return clf


def _option_error(exc):
    """scikit-learn's message on an invalid parameter, in the option's words."""
    message = str(exc)
    match = re.match(r"The '(\w+)' parameter of \w+ must be (.*)\. Got (.*) instead\.$",
                     message, re.S)  # fmt: skip
    if not match or match.group(1) not in _TRAIN_PARAMETERS:
        return message
    name, requirement, got = match.groups()
    constraint = ScratchMLPClassifier._parameter_constraints[name][-1]
    if isinstance(constraint, Interval):
        requirement = _describe_interval(constraint)
    elif name == "random_state":
        requirement = "an integer >= 0 and <= 4294967295"
    return f"{_TRAIN_PARAMETERS[name]} must be {requirement}; got {got}."


def _describe_interval(interval):
    """``'> 0'``, ``'an integer >= 1'``, ``'>= 0 and < 1'``: an Interval in words."""
    bounds = []
    if interval.left is not None:
        closed = interval.closed in ("left", "both")
        bounds.append(f"{'>=' if closed else '>'} {interval.left:g}")
    if interval.right is not None:
        closed = interval.closed in ("right", "both")
        bounds.append(f"{'<=' if closed else '<'} {interval.right:g}")
    words = " and ".join(bounds)
    return f"an integer {words}" if interval.type is Integral else words


def _check_output(path, option, figures=()):
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
            f"cannot write {path}: {_reason(exc, path)}. Give {option} a path in "
            "a folder you can write to.",
            EXIT_CANNOT_WRITE,
        ) from exc


def _reason(exc, path=None):
    """Why an OSError happened, in words that name no temporary file."""
    if path is not None:
        # mkdir under a file fails with "File exists" or "Not a directory".
        for folder in path.parents:
            if folder.exists():
                if not folder.is_dir():
                    return f"{folder} is a file, not a folder"
                break
    return exc.strerror or str(exc) or type(exc).__name__


def _save_model(clf, path):
    """Save ``clf`` to ``path``; if that fails, save it elsewhere and say where.

    Raises
    ------
    CommandError
        Exit code 5 when ``path`` cannot be written, naming where the model
        was saved instead (the working directory, else the temporary folder).
    """
    format = _model_format(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        persistence.dump(clf, path, format=format)
        return
    except OSError as exc:
        error = f"cannot write the model to {path}: {_reason(exc, path)}."
        cause = exc
    rescued = _save_elsewhere(clf, path, format)
    if rescued is None:
        error += (
            " It could not be saved in the working directory or the temporary "
            "folder either: the trained model is lost."
        )
    else:
        error += (
            f" The trained model was saved to {rescued} instead (figures not "
            "written); move it where you want it."
        )
    raise CommandError(error, EXIT_CANNOT_WRITE) from cause


def _save_elsewhere(clf, path, format):
    """Save ``clf`` under a new name like ``path``'s in the working directory,
    else the temporary folder; return where, or None if neither works."""
    for folder in (Path.cwd(), Path(tempfile.gettempdir())):
        rescued = None
        try:
            handle, rescued = tempfile.mkstemp(
                prefix=f"{path.stem}-", suffix=path.suffix, dir=folder
            )
            os.close(handle)
            return persistence.dump(clf, rescued, format=format)
        except OSError:
            if rescued is not None:
                Path(rescued).unlink(missing_ok=True)
    return None


def _check_validation_arguments(args):
    """Refuse a validation fraction out of range, or early stopping without one."""
    if not 0 <= args.validation_fraction < 1:
        raise CommandError(
            f"--validation-fraction must be in [0, 1); got {args.validation_fraction}.",
            EXIT_USAGE,
        )
    if args.early_stopping and args.validation_fraction == 0:
        raise CommandError(
            "--early-stopping needs validation digits: give a "
            "--validation-fraction above 0.",
            EXIT_USAGE,
        )


def _hold_out(X, y, fraction, random_state):
    """Split off the validation digits, stratified; a usage error if impossible."""
    try:
        return stratified_hold_out(
            X,
            y,
            fraction=fraction,
            random_state=random_state,
            remedy="Give a larger --validation-fraction, or --validation-fraction 0 "
            "to train on all the training digits without validation.",
        )
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc


def _training_device(name):
    """The PyTorch device that ``--device`` names, or None (NumPy) without it.

    Raises
    ------
    CommandError
        Without PyTorch (exit 1), for a name PyTorch does not know or without
        SCIPY_ARRAY_API=1 (exit 2), and for a device this machine lacks (exit 3).
    """
    if name is None:
        return None
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        raise CommandError(
            f"--device {name} trains through scikit-learn's array API, which "
            "needs SCIPY_ARRAY_API=1 in the environment before SciPy is imported: "
            f"run SCIPY_ARRAY_API=1 scratchnet train --device {name} ...",
            EXIT_USAGE,
        )
    try:
        import torch
    except ImportError as exc:
        raise CommandError(
            f"--device {name} trains with PyTorch, which is not installed: "
            "python -m pip install torch==2.13.0, or train with NumPy without "
            "--device.",
            EXIT_FAILURE,
        ) from exc
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise CommandError(
            f"--device {name!r} is not a device PyTorch knows ({exc}); use cpu, "
            "cuda, cuda:N or mps.",
            EXIT_USAGE,
        ) from exc
    available = {
        "cpu": lambda: True,
        "cuda": lambda: torch.cuda.device_count() > (device.index or 0),
        "mps": lambda: torch.backends.mps.is_available(),
    }
    if device.type not in available:
        raise CommandError(
            f"--device {name}: training on {device.type} devices is not "
            "supported; use cpu, cuda, cuda:N or mps.",
            EXIT_USAGE,
        )
    if not available[device.type]():
        found = (
            f"{torch.cuda.device_count()} CUDA device(s)"
            if device.type == "cuda"
            else "no such device"
        )
        raise CommandError(
            f"--device {name}: PyTorch {torch.__version__} finds {found} on "
            "this machine (no GPU, no driver, or a CPU-only build of PyTorch). "
            "Train with NumPy on the CPU without --device.",
            EXIT_NOT_FOUND,
        )
    return device


def _fit_on_device(clf, device, X_train, y_train, X_val, y_val):
    """Fit on ``device`` through the array API; return the model on NumPy.

    The digits go to the device as PyTorch tensors; the trained model comes
    back with NumPy arrays, for the report, the figures and the saved file.
    """
    import sklearn
    import torch
    from sklearn.utils._array_api import move_estimator_to

    def there(array):
        return None if array is None else torch.asarray(array, device=device)

    with sklearn.config_context(array_api_dispatch=True):
        seconds, interrupted = _fit_with_progress(
            clf, there(X_train), there(y_train), there(X_val), there(y_val),
            labels_val=y_val,
        )  # fmt: skip
        clf = move_estimator_to(clf, np, "cpu")
    return clf, seconds, interrupted


def _fit_with_progress(clf, X_train, y_train, X_val, y_val, labels_val=None):
    """Fit ``clf`` with a live progress bar on standard error; return seconds."""
    from rich.console import Console

    from sklearn_scratchnet._progress import EpochProgressBar, make_progress

    start = time.perf_counter()
    with make_progress(Console(stderr=True)) as progress:
        bar_labels = y_val if labels_val is None else labels_val
        clf.set_callbacks(EpochProgressBar(progress, X_val, bar_labels))
        try:
            with warnings.catch_warnings(record=True) as caught:
                # Reported by the summary instead ("max_iter reached").
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("always", FitInterruptedWarning)
                try:
                    clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)
                except FloatingPointError as exc:  # diverged
                    raise CommandError(
                        f"{exc} {_DIVERGENCE_HINT}", EXIT_NOT_LEARNED
                    ) from exc
        finally:
            clf.set_callbacks()  # the bar is not part of the model to save
    interrupted = None
    for warning in caught:
        if issubclass(warning.category, FitInterruptedWarning):
            interrupted = str(warning.message)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return time.perf_counter() - start, interrupted


def figure_paths(model_path):
    """``{figure: path}`` of the figures written next to the model file."""
    stem = Path(model_path).with_suffix("")
    return {name: stem.with_name(f"{stem.name}-{name}.png") for name in FIGURES}


def save_figures(clf, X_test, y_test, model_path):
    """Write the PNG figures of a trained model next to its file.

    Parameters
    ----------
    clf : ScratchMLPClassifier
        The fitted model.
    X_test, y_test : arrays
        Test digits (pixels in [0, 1]) and labels.
    model_path : path-like
        The model file; the figures are named after it without its suffix:
        ``model.joblib`` gives ``model-loss.png`` and so on.

    Returns
    -------
    written : list of (pathlib.Path, str)
        Each file written and what it shows. The images of hidden units and
        misclassified digits are drawn only for square images.
    """
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, no display needed
    import matplotlib.pyplot as plt

    side = int(round(np.sqrt(clf.n_features_in_)))
    square = side * side == clf.n_features_in_
    draw = {
        "loss": lambda: plotting.plot_loss_curves(clf),
        "hidden-units": lambda: plotting.plot_hidden_units(
            clf, image_shape=(side, side)
        ),
        "confusion-matrix": lambda: plotting.plot_confusion_matrix(clf, X_test, y_test),
        "misclassified": lambda: plotting.plot_misclassified(
            clf, X_test, y_test, image_shape=(side, side)
        ),
    }
    if not square:
        del draw["hidden-units"], draw["misclassified"]
    paths = figure_paths(model_path)
    written = []
    for name, make in draw.items():
        path = paths[name]
        fig = make()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append((path, FIGURES[name]))
    return written


# ---------------------------------------------------------- scratchnet evaluate


def add_evaluate_parser(commands):
    """Add ``scratchnet evaluate`` to the sub-command parsers ``commands``."""
    evaluate = commands.add_parser(
        "evaluate",
        help="accuracy, confusion matrix and per-class report on test digits",
        description="Score a saved model on the test digits of a data set.",
    )
    add_model_argument(evaluate)
    add_data_argument(evaluate)
    evaluate.set_defaults(run=evaluate_command)


def evaluate_command(args):
    """``scratchnet evaluate``: accuracy, confusion matrix, per-class report."""
    _require_extras("rich")
    model, _ = load_model(args.model, trust_pickle=args.trust_pickle)
    data = load_data_set(args.data, test_only=True)
    print(f"Model: {args.model} ({model!r})")
    print(f"Data: {data.description}")
    X_test = model_input(model, data.X_test)
    _check_features(model, X_test.shape[1], f"the data's {X_test.shape[1]} pixels")
    _print_test_results(
        data.y_test, model.predict(X_test), confusion=classifier_of(model).classes_
    )


def model_input(model, pixels):
    """Pixels 0-255 as ``model`` takes them: / 255 for a ScratchMLPClassifier,
    as they are for a Pipeline, whose first steps scale them (float32 both)."""
    if model is classifier_of(model):
        return scale_pixels(pixels)
    return np.asarray(pixels, dtype=np.float32)


# ----------------------------------------------------------- scratchnet predict


def add_predict_parser(commands):
    """Add ``scratchnet predict`` to the sub-command parsers ``commands``."""
    predict = commands.add_parser(
        "predict",
        help="predict the digit in image files",
        description="Read photos or drawings of single digits (PNG, JPEG, ...; "
        "any size; dark on light or light on dark, shaded or noisy), preprocess "
        "them the MNIST way (background and ink separated, scaled into 20x20, "
        "centred by mass in 28x28) and print, for each, the predicted digit and "
        "its probability, then the next two most likely digits: "
        "'digit.png: 7 (probability 0.930); then 1 (0.040), 2 (0.010)'.",
    )
    add_model_argument(predict)
    predict.add_argument("images", type=Path, nargs="+", metavar="IMAGE")
    predict.add_argument(
        "--save-input",
        type=Path,
        metavar="DIR",
        help="also save the 28x28 image the model sees for each IMAGE, as "
        "DIR/<IMAGE's name>.png (white digit on black, as MNIST's); DIR is "
        "created if missing",
    )
    predict.set_defaults(run=predict_command)


def predict_command(args):
    """``scratchnet predict``: each image's likeliest digits, with probabilities."""
    _require_extras("PIL")
    from PIL import Image

    if args.save_input is not None and args.save_input.is_file():
        raise CommandError(
            f"--save-input {args.save_input}: this is a file, not a folder. "
            "Give a folder to save the 28x28 inputs in (it is created if "
            "missing).",
            EXIT_USAGE,
        )
    clf, _ = load_model(args.model, trust_pickle=args.trust_pickle)
    pixels = images.IMAGE_SIZE * images.IMAGE_SIZE
    _check_features(clf, pixels, f"the {pixels} pixels of a 28x28 image")
    exit_code = EXIT_OK
    saved = set()
    for path in args.images:
        try:
            digit = images.load_digit_image(path)
        except (FileNotFoundError, images.DigitImageError) as exc:
            # Report it and go on with the other images; the first error decides
            # the exit code.
            code = _report("predict", exc)
            exit_code = exit_code or code
            continue
        # The digit's pixels are in [0, 1]; a Pipeline scales 0-255 pixels itself.
        X = digit[np.newaxis] if clf is classifier_of(clf) else digit[np.newaxis] * 255
        proba = clf.predict_proba(X)[0]
        classes = classifier_of(clf).classes_
        best, *others = np.argsort(-proba, kind="stable")[:3]
        line = f"{path}: {classes[best]} (probability {proba[best]:.3f})"
        if others:
            line += "; then " + ", ".join(
                f"{classes[i]} ({proba[i]:.3f})" for i in others
            )
        print(line)
        if args.save_input is not None:
            name = Path(path).stem
            copies = 1
            while name in saved:
                copies += 1
                name = f"{Path(path).stem}-{copies}"
            saved.add(name)
            args.save_input.mkdir(parents=True, exist_ok=True)
            side = images.IMAGE_SIZE
            Image.fromarray(np.uint8(np.rint(digit.reshape(side, side) * 255))).save(
                args.save_input / f"{name}.png"
            )
    return exit_code


# -------------------------------------------------------------- scratchnet info


def add_info_parser(commands):
    """Add ``scratchnet info`` to the sub-command parsers ``commands``."""
    info = commands.add_parser(
        "info",
        help="parameters, training summary and library versions of a model",
        description="Describe a saved model.",
    )
    add_model_argument(info)
    info.set_defaults(run=info_command)


def info_command(args):
    """``scratchnet info``: parameters, training summary and library versions."""
    model, saved_with = load_model(args.model, trust_pickle=args.trust_pickle)
    clf = classifier_of(model)
    size = args.model.stat().st_size
    print(f"Model file: {args.model} ({size:,} bytes)")
    print(f"Estimator: {type(model).__name__}")
    if model is not clf:
        print("Steps:")
        for name, step in model.steps:
            print(f"  {name:<20} {step!r}")
    print(f"Parameters{' of the classifier' if model is not clf else ''}:")
    for name, value in clf.get_params().items():
        print(f"  {name:<20} {value!r}")
    n_params = sum(p.size for p in (clf.W1_, clf.b1_, clf.W2_, clf.b2_))
    print(
        f"Network: {clf.n_features_in_} inputs -> {clf.hidden_size} hidden "
        f"({clf.activation}) -> {len(clf.classes_)} classes "
        f"{clf.classes_.tolist()}; {n_params:,} weights and biases ({clf.W1_.dtype})"
    )
    print(f"Training: {clf.n_iter_} passes, {clf.t_:,} samples seen")
    print(f"  {_curve_summary('training loss', clf.loss_curve_, min)}")
    if clf.validation_scores_:
        name = _validation_score_name(clf)
        print(f"  {_curve_summary(name, clf.validation_scores_, max)}")
        print(f"  {_curve_summary('validation loss', clf.validation_loss_curve_, min)}")
    print("Libraries (this environment):")
    for name, version in _environment_versions().items():
        print(f"  {name:<20} {version}")
    if saved_with:
        saved = ", ".join(f"{name} {version}" for name, version in saved_with.items())
        print(f"The file was saved with other versions: {saved}.")
    else:
        print("The file was saved with the same sklearn-scratchnet and scikit-learn.")


def _environment_versions():
    """``{library: version}`` of the libraries a saved model depends on.

    The ones a model records when saved come first, from the estimator itself,
    so that this list and the check on loading cannot disagree.
    """
    return {
        **_library_versions(),
        "numpy": np.__version__,
        "joblib": joblib.__version__,
        "skops": _version("skops") if _installed("skops") else "not installed",
        "python": sys.version.split()[0],
    }


# ------------------------------------------------------------ scratchnet export


def add_export_parser(commands):
    """Add ``scratchnet export`` to the sub-command parsers ``commands``."""
    export = commands.add_parser(
        "export",
        help="write a model as an ONNX graph, or as a page to draw digits on",
        description="Convert a saved model to ONNX with skl2onnx (the onnx extra: "
        'python -m pip install ".[onnx]" in a clone). The graph takes X, pixels / 255 '
        "in the model's dtype, of shape (N, inputs), and gives label (N,) and "
        "probabilities (N, classes), as predict and predict_proba. For OUT.html "
        "(or .htm), write instead one self-contained HTML page that runs the model "
        "on digits drawn in a browser, with no network (models of 784 pixels).",
    )
    add_model_argument(export)
    export.add_argument(
        "out",
        type=Path,
        metavar="OUT",
        help="the file to write (replaced if it exists): OUT.onnx an ONNX graph, "
        "OUT.html the page",
    )
    export.set_defaults(run=export_command)


def export_command(args):
    """``scratchnet export``: the model as an ONNX graph, or as a page for an
    .html file, written atomically."""
    model, _ = load_model(args.model, trust_pickle=args.trust_pickle)
    clf = classifier_of(model)
    from sklearn_scratchnet.onnx import save_onnx
    from sklearn_scratchnet.page import SUFFIXES

    if args.out.suffix.lower() in SUFFIXES:  # the suffix chooses
        return export_page(model, args.out)

    if not args.out.is_dir():
        _check_output(args.out, "OUT.onnx")
    try:
        # The input is (N, clf.n_features_in_) in the model's dtype.
        onnx_model = save_onnx(model, args.out)
    except ImportError as exc:
        raise CommandError(str(exc), EXIT_FAILURE) from exc
    except OSError as exc:
        if isinstance(exc, IsADirectoryError):
            raise
        raise CommandError(
            f"cannot write {args.out}: {_reason(exc, args.out)}.", EXIT_CANNOT_WRITE
        ) from exc
    opset = next(o.version for o in onnx_model.opset_import if o.domain == "")
    print(
        f"ONNX model written to {args.out} ({args.out.stat().st_size:,} bytes, "
        f"opset {opset})."
    )
    pixels = "pixels / 255" if model is clf else "pixels 0-255: the pipeline scales"
    print(
        f"Input: {onnx_model.graph.input[0].name}, {clf.W1_.dtype} of shape "
        f"(N, {model.n_features_in_}) ({pixels}). Outputs: label (N,) and "
        f"probabilities (N, {len(clf.classes_)}) for the classes "
        f"{clf.classes_.tolist()}."
    )


def export_page(model, out):
    """``scratchnet export MODEL OUT.html``: the page that runs the model on drawn
    digits; a model the page cannot run is an invalid input (exit code 4)."""
    from sklearn_scratchnet.page import save_html

    if not out.is_dir():
        _check_output(out, "OUT.html")
    try:
        save_html(model, out)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_INVALID_FILE) from exc
    except OSError as exc:
        if isinstance(exc, IsADirectoryError):
            raise
        raise CommandError(
            f"cannot write {out}: {_reason(exc, out)}.", EXIT_CANNOT_WRITE
        ) from exc
    clf = classifier_of(model)
    print(
        f"Page written to {out} ({out.stat().st_size:,} bytes): open it in a "
        "browser and draw a digit (it loads nothing from the network)."
    )
    print(
        f"Model: {clf.n_features_in_} pixels -> {clf.W1_.shape[0]} hidden units "
        f"({clf.activation}) -> {len(clf.classes_)} classes {clf.classes_.tolist()}."
    )


# ---------------------------------------------------------------- model files


def load_model(path, trust_pickle=False):
    """Load a fitted model saved by ``scratchnet train`` or ``persistence.dump``.

    Parameters
    ----------
    path : pathlib.Path
        The model file: a skops file, or a joblib (pickle) file when
        ``trust_pickle`` is True.
    trust_pickle : bool, default=False
        Load a pickle, which can run any code; refused otherwise.

    Returns
    -------
    model : ScratchMLPClassifier or Pipeline
        The fitted model: a ScratchMLPClassifier, or a Pipeline whose last
        step is one (such as ``Pipeline(MinMaxScaler(), ScratchMLPClassifier())``),
        which predicts from raw inputs; its classifier is
        :func:`classifier_of` the model.
    saved_with : dict
        ``{library: version}`` of the libraries whose version differs from the
        one running now (empty when they are the same).

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
    if not persistence.is_skops_file(path) and not persistence._looks_like_joblib(path):
        raise ModelFileError(
            f"{path} is not a model file: neither a skops file nor a joblib "
            "(pickle) file. Give a file written by scratchnet train."
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InconsistentVersionWarning)
        try:
            model = persistence.load(path, trust_pickle=trust_pickle)
        except UntrustedModelError:
            raise
        except Exception as exc:  # any reading failure means "not a model"
            detail = str(exc).replace(str(path), "the file")
            raise ModelFileError(
                f"{path} is not a model file ({type(exc).__name__}: {detail}). "
                "Give a file written by scratchnet train."
            ) from exc
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
    saved_with = {
        w.message.library: w.message.original_version
        for w in caught
        if isinstance(w.message, InconsistentVersionWarning)
    }
    return model, saved_with


def classifier_of(model):
    """The ScratchMLPClassifier of a loaded model: the model, or a Pipeline's
    last step (anything else is returned as is)."""
    if isinstance(model, Pipeline) and model.steps:
        return model.steps[-1][1]
    return model


_MODEL_SUFFIXES = {".skops", ".joblib", ".pkl", ".pickle"}


def _model_format(path):
    """skops unless the name asks for a pickle (.joblib, .pkl, .pickle)."""
    return "joblib" if path.suffix in _MODEL_SUFFIXES - {".skops"} else "skops"


def _check_features(clf, n_features, what):
    """Refuse data whose number of features is not the model's."""
    if clf.n_features_in_ != n_features:
        raise CommandError(
            f"the model takes {clf.n_features_in_} inputs but gets {what}: it was "
            "trained on other data.",
            EXIT_INVALID_FILE,
        )


# ------------------------------------------------------------------- printing


def _print_test_results(y_test, y_pred, confusion=None):
    """Print the test accuracy, the confusion matrix (over the labels
    ``confusion``, when given) and the per-class report."""
    print(f"Test accuracy: {np.mean(y_pred == y_test):.4f} on {len(y_test):,} digits")
    print()
    if confusion is not None:
        _print_confusion_matrix(y_test, y_pred, confusion)
        print()
    print(classification_report(y_test, y_pred, digits=4, zero_division=0))


def _training_summary(clf, seconds, interrupted=None):
    """Why and after how many passes the training stopped, and its scores."""
    if interrupted:
        why = "interrupted with Ctrl-C"
    elif clf.n_iter_ == clf.max_iter:
        why = "max_iter reached"
    elif clf.early_stopping:
        why = (
            f"validation accuracy did not improve for {clf.n_iter_no_change} passes;"
            " the best pass's weights are kept"
        )
    else:
        why = f"training loss did not improve for {clf.n_iter_no_change} passes"
    lines = [f"Trained {clf.n_iter_} passes in {seconds:.1f} s ({why})."]
    if interrupted:
        lines.append(interrupted)
    if clf.loss_curve_:
        lines.append(
            f"Training loss: {clf.loss_curve_[-1]:.4f} "
            f"(first pass {clf.loss_curve_[0]:.4f})."
        )
    if clf.validation_scores_:
        best = int(np.argmax(clf.validation_scores_))
        lines.append(
            f"Validation accuracy: {clf.validation_scores_[-1]:.4f} "
            f"(best {clf.validation_scores_[best]:.4f} at pass {best + 1})."
        )
    return "\n".join(lines)


def _print_confusion_matrix(y_true, y_pred, labels):
    """Print the confusion matrix as a table, one row per true label."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    table = Table(
        title="Confusion matrix (rows: true label, columns: predicted)",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        title_justify="left",
    )
    table.add_column("true", justify="right")
    for label in labels:
        table.add_column(str(label), justify="right")
    for label, row in zip(labels, matrix, strict=True):
        table.add_row(str(label), *map(str, row))
    Console(file=sys.stdout, width=max(80, 8 * (len(labels) + 1))).print(table)


def _validation_score_name(clf):
    """What ``validation_scores_`` holds, by the model's ``scoring``."""
    scoring = clf.scoring
    if scoring is None:
        return "validation accuracy"
    if isinstance(scoring, str) and scoring == "loss":
        return "validation score (minus the loss)"
    if isinstance(scoring, str):
        return f"validation score ({scoring})"
    return "validation score"


def _curve_summary(name, values, best):
    """First, last and best (``min`` or ``max``) value of a per-pass curve."""
    index = int(np.argmin(values) if best is min else np.argmax(values))
    return (
        f"{name}: first {values[0]:.4f}, last {values[-1]:.4f}, "
        f"best {values[index]:.4f} (pass {index + 1})"
    )


# ------------------------------------------------------- optional dependencies


# What the commands import beyond the core dependencies, and its package.
_EXTRAS = {
    "sklearn.callback": "scikit-learn >= 1.9",
    "rich": "rich",
    "matplotlib": "matplotlib",
    "PIL": "Pillow",
    "skops.io": "skops",
}


def _require_extras(*modules):
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


def _installed(module):
    """Whether ``module`` can be imported."""
    return importlib.util.find_spec(module) is not None


def _version(module):
    """The ``__version__`` of ``module``."""
    return importlib.import_module(module).__version__
