"""Warnings that name the line of the user's code, however deep they are raised.

A warning raised inside the package is reported at the first frame outside it,
so that it names the user's call of ``fit``, ``partial_fit`` or a load, and
stays right whichever internal function raises it. scikit-learn's
``_fit_context`` wrapper around ``fit`` is skipped too. (Python 3.12's
``warnings.warn(skip_file_prefixes=...)`` does the same; this works on 3.10.)
"""

import os
import sys
import warnings

import sklearn.base

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
