"""The stratified hold-out of a validation set, shared by the estimator and the CLI."""

import math

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from sklearn_scratchnet._warnings import warn
from sklearn_scratchnet.exceptions import ValidationSplitWarning


def stratified_hold_out(
    X, y, *arrays, fraction, random_state, remedy="", if_impossible="raise"
):
    """Split off ``fraction`` of the samples as a validation set, class by class.

    Every class keeps its share in both parts, as scikit-learn's
    ``train_test_split(..., stratify=y)`` makes them. That is impossible when a
    class has a single sample or when the validation set would have fewer
    samples than there are classes; never is a class's only sample held out
    then, so that every class is trained on.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The samples.
    y : ndarray of shape (n_samples,)
        Their class labels (or class indices).
    *arrays : ndarray of shape (n_samples,)
        Further per-sample arrays split alongside, such as sample weights.
    fraction : float in (0, 1)
        Share of the samples held out.
    random_state : int, RandomState instance or None
        Seeds the split.
    remedy : str, default=""
        What the caller's user can do about an impossible split, appended to the
        message.
    if_impossible : {"raise", "warn"}, default="raise"
        When stratifying is impossible: raise a ValueError, as scikit-learn
        does, or warn with a :class:`~sklearn_scratchnet.exceptions.
        ValidationSplitWarning` (at the first caller outside the package) and
        hold the samples out at random among those whose class keeps another
        sample for training.

    Returns
    -------
    splits : list
        ``X_train, X_val, y_train, y_val`` followed by the train and validation
        parts of each array in ``arrays``, as ``train_test_split`` returns them.

    Raises
    ------
    ValueError
        If stratifying is impossible and ``if_impossible="raise"``, or if no
        sample at all can be held out without leaving a class out of training.
    """
    labels, counts = np.unique(y, return_counts=True)
    n_val = math.ceil(fraction * len(y))
    if counts.min() >= 2 and n_val >= len(labels):
        return train_test_split(
            X, y, *arrays, test_size=fraction, random_state=random_state, stratify=y
        )
    if counts.min() < 2:
        problem = f"the classes {labels[counts < 2].tolist()} have a single sample"
    else:
        problem = (
            f"{n_val} validation samples cannot hold each of the {len(labels)} classes"
        )
    message = (
        f"Cannot hold out a stratified validation set of {fraction:g} of the "
        f"{len(y)} samples: {problem}. A stratified split needs at least 2 "
        "samples of every class and a validation set of at least one sample per "
        "class."
    )
    n_spare = len(y) - len(labels)  # all but one sample of each class
    if if_impossible == "raise" or n_spare == 0:
        raise ValueError(f"{message} {remedy}".rstrip())
    n_val = min(n_val, n_spare)
    warn(
        f"{message} Held out {n_val} samples at random instead, none of them the "
        f"last sample of its class, so every class is trained on; the validation "
        f"score is noisy. {remedy}".rstrip(),
        ValidationSplitWarning,
    )
    train, val = _hold_out_keeping_every_class(y, n_val, random_state)
    return [part for a in (X, y, *arrays) for part in (a[train], a[val])]


def _hold_out_keeping_every_class(y, n_val, random_state):
    """Indices of ``n_val`` random samples, and of the rest: every class in the rest.

    In a random order of the samples, the first of each class stays for
    training; the validation samples are the next ones in that order.
    """
    order = check_random_state(random_state).permutation(len(y))
    _, first_of_each_class = np.unique(y[order], return_index=True)
    spare = np.delete(order, first_of_each_class)
    val = np.sort(spare[:n_val])
    train = np.setdiff1d(np.arange(len(y)), val)
    return train, val
