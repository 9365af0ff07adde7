"""How ``scratchnet train`` fits: a live progress bar, on NumPy or a PyTorch device."""

import contextlib
import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_scratchnet.cli._common import (
    EXIT_FAILURE,
    EXIT_NOT_FOUND,
    EXIT_NOT_LEARNED,
    EXIT_USAGE,
    CommandError,
)
from sklearn_scratchnet.exceptions import FitInterruptedWarning

DIVERGENCE_HINT = (
    "The learning rate is probably too large: lower --alpha (say by 10), or use "
    "--solver adam --alpha 0.001."
)


def training_device(name):
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


def fit_with_progress(clf, X_train, y_train, X_val, y_val, device=None):
    """Fit ``clf`` with a live progress bar on standard error, on NumPy or on a
    PyTorch ``device`` through the array API.

    Returns the model, the seconds the fit took and the message of a Ctrl-C that
    stopped it, or None. A model fitted on ``device`` comes back with NumPy
    arrays, for the report, the figures and the saved file.
    """
    from rich.console import Console

    from sklearn_scratchnet._progress import EpochProgressBar, make_progress

    data = (X_train, y_train, X_val, y_val)
    context = contextlib.nullcontext()
    if device is not None:
        import sklearn
        import torch

        data = [None if a is None else torch.asarray(a, device=device) for a in data]
        context = sklearn.config_context(array_api_dispatch=True)
    with context:
        start = time.perf_counter()
        with make_progress(Console(stderr=True), clf.scoring) as progress:
            bar = EpochProgressBar(progress, data[2], y_val, scoring=clf.scoring)
            clf.set_callbacks(bar)
            try:
                with warnings.catch_warnings(record=True) as caught:
                    # Reported by the summary instead ("max_iter reached").
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    warnings.simplefilter("always", FitInterruptedWarning)
                    try:
                        clf.fit(*data[:2], X_val=data[2], y_val=data[3])
                    except FloatingPointError as exc:  # diverged
                        raise CommandError(
                            f"{exc} {DIVERGENCE_HINT}", EXIT_NOT_LEARNED
                        ) from exc
            finally:
                clf.set_callbacks()  # the bar is not part of the model to save
        seconds = time.perf_counter() - start
        if device is not None:
            from sklearn.utils._array_api import move_estimator_to

            clf = move_estimator_to(clf, np, "cpu")
    interrupted = None
    for warning in caught:
        if issubclass(warning.category, FitInterruptedWarning):
            interrupted = str(warning.message)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return clf, seconds, interrupted
