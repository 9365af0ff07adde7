"""Warnings that name the line of the user's code; the warnings of a training.

A warning raised inside the package with :func:`warn` is reported at the first
frame outside it, so that it names the user's call of ``fit``, ``partial_fit``
or a load, and stays right whichever internal function raises it.
scikit-learn's ``_fit_context`` wrapper around ``fit`` is skipped too. (Python
3.12's ``warnings.warn(skip_file_prefixes=...)`` does the same; this works on
3.10.)
"""

import os
import sys
import warnings

import sklearn.base
from sklearn.exceptions import ConvergenceWarning

from sklearn_scratchnet.exceptions import FitInterruptedWarning

_SKIPPED = (os.path.dirname(__file__) + os.sep, sklearn.base.__file__)


def warn(message, category=UserWarning):
    """``warnings.warn(message, category)`` at the first caller outside the package.

    Parameters
    ----------
    message : str or Warning
        The message, or a warning instance (whose class is then the category).
    category : type of Warning, default=UserWarning
        The warning's class.
    """
    warnings.warn(message, category, stacklevel=_first_level_outside())


def _first_level_outside():
    """The ``stacklevel``, counted from :func:`warn`, of the first outside frame."""
    frame, level = sys._getframe(1), 1  # warn's own frame is level 1
    while frame is not None and frame.f_code.co_filename.startswith(_SKIPPED):
        frame, level = frame.f_back, level + 1
    return level


def warn_about_training(estimator, outcome, partial):
    """Warn if the training of ``estimator`` was interrupted or did not converge.

    ``outcome`` (a ``_training.TrainingOutcome``) says how it ended, the loop's
    or L-BFGS's; ``partial_fit`` makes one pass by design, never too few.
    """
    name, lbfgs = type(estimator).__name__, estimator.solver == "lbfgs"
    if outcome.stopped_by == "interrupt":
        if lbfgs:
            kept = "its weights"
        elif outcome.kept_best:
            kept = "the best pass's weights (early stopping)"
        else:
            kept = "the weights of the last completed step"
        warn(
            f"{name}: training interrupted (KeyboardInterrupt) "
            f"{outcome.interrupted_at}; the model keeps {kept} and can be "
            "used. Call fit again with warm_start=True"
            f"{'' if lbfgs else ', or partial_fit,'} to continue.",
            FitInterruptedWarning,
        )
    elif outcome.stopped_by == "max passes" and not partial:
        warn(
            f"{name}: max_iter={estimator.max_iter} passes reached and the "
            "training has not converged yet. Increase max_iter or alpha (the "
            "learning rate), or switch to solver='adam'.",
            ConvergenceWarning,
        )
    elif outcome.stopped_by == "not converged":
        warn(
            f"{name}: lbfgs stopped after {outcome.n_passes} iterations without "
            f"converging ({outcome.message}). Increase max_iter (or max_fun), "
            "or scale the data.",
            ConvergenceWarning,
        )
