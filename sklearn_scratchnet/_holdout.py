"""The stratified hold-out of a validation set, shared by the estimator and the CLI."""

import math

import numpy as np
from sklearn.model_selection import train_test_split


def stratified_hold_out(X, y, *arrays, fraction, random_state, remedy=""):
    """Split off ``fraction`` of the samples as a validation set, class by class.

    Every class keeps its share in both parts, as scikit-learn's
    ``train_test_split(..., stratify=y)`` makes them. Where that is impossible
    (a class with a single sample, or fewer validation samples than classes) a
    clear error is raised rather than falling back to a split that could leave a
    class's only sample out of the training set.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The samples.
    y : array-like of shape (n_samples,)
        Their class labels (or class indices).
    *arrays : array-like of shape (n_samples,) or None
        Further per-sample arrays split alongside, such as sample weights.
    fraction : float in (0, 1)
        Share of the samples held out.
    random_state : int, RandomState instance or None
        Seeds the split.
    remedy : str, default=""
        What the caller's user can do about an impossible split, appended to the
        error message.

    Returns
    -------
    splits : list
        ``X_train, X_val, y_train, y_val`` followed by the train and validation
        parts of each array in ``arrays``, as ``train_test_split`` returns them.

    Raises
    ------
    ValueError
        If a class has fewer than 2 samples, or the validation set would have
        fewer samples than there are classes.
    """
    labels, counts = np.unique(y, return_counts=True)
    n_val = math.ceil(fraction * len(y))
    problem = None
    if counts.min() < 2:
        rare = labels[counts < 2].tolist()
        problem = f"the classes {rare} have a single sample"
    elif n_val < len(labels):
        problem = (
            f"{n_val} validation samples cannot hold each of the {len(labels)} classes"
        )
    if problem is not None:
        raise ValueError(
            f"Cannot hold out a stratified validation set of {fraction:g} of the "
            f"{len(y)} samples: {problem}. A stratified split needs at least 2 "
            f"samples of every class and a validation set of at least one sample "
            f"per class. {remedy}".rstrip()
        )
    return train_test_split(
        X, y, *arrays, test_size=fraction, random_state=random_state, stratify=y
    )
