"""The validation set of a fit: the one given as ``X_val, y_val``, a split, or none.

For the estimator, beside :mod:`~sklearn_scratchnet._holdout` (the stratified
split itself): a given validation set is checked and encoded as the training
targets are, a held-out one is split off the training data, and either becomes
the training loop's :class:`~sklearn_scratchnet._training.ValidationSet`.
"""

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import assert_all_finite
from sklearn.utils.validation import validate_data

from sklearn_scratchnet._array_api import array_namespace, moved_like, take
from sklearn_scratchnet._holdout import stratified_hold_out
from sklearn_scratchnet._namespace import numpy_dtype, to_numpy
from sklearn_scratchnet._targets import encode_labels, kind_of_targets
from sklearn_scratchnet._training import ValidationSet

_SPLIT_REMEDY = (
    "Pass a validation set of your own as X_val, y_val, give more samples per "
    "class or a larger validation_fraction, or set early_stopping=False."
)


def split_validation(estimator, X, targets, sample_weight, X_val, y_val, rng, partial):
    """The training part of the data, and the validation set (or None).

    The validation set is the one given as ``X_val, y_val``; else, with
    ``early_stopping`` (not in ``partial_fit``, not for "lbfgs"), a share of
    the training data held out with draws from ``rng``. Under array API
    dispatch the split is drawn on row indices, with the draws of a NumPy fit,
    and a given validation set is moved to X's namespace and device. The
    targets and weights are NumPy arrays.
    """
    if X_val is not None or y_val is not None:
        validation = given_validation_set(estimator, X_val, y_val, like=X)
        return X, targets, sample_weight, validation
    if not estimator.early_stopping or partial or estimator.solver == "lbfgs":
        return X, targets, sample_weight, None
    if array_namespace(X) is None:
        return held_out(estimator, X, targets, sample_weight, rng)
    rows, targets, sample_weight, validation = held_out(
        estimator, np.arange(X.shape[0]), targets, sample_weight, rng
    )
    validation.X = take(X, validation.X)
    X = take(X, rows) if len(rows) < X.shape[0] else X
    return X, targets, sample_weight, validation


def held_out(estimator, X, targets, sample_weight, rng):
    """Hold out ``validation_fraction`` of the data, stratified by class.

    Multilabel targets have no classes to stratify by: the samples are held
    out at random, as MLPClassifier does.
    """
    fraction = estimator.validation_fraction
    if targets.ndim == 2:
        parts = train_test_split(
            X, targets, sample_weight, test_size=fraction, random_state=rng
        )
    else:
        parts = stratified_hold_out(
            X, targets, sample_weight, fraction=fraction, random_state=rng,
            remedy=_SPLIT_REMEDY, if_impossible="warn",
        )  # fmt: skip
    X, X_val, targets, y_val, sample_weight, w_val = parts
    validation = ValidationSet(X_val, y_val, w_val, estimator.out_activation_)
    return X, targets, sample_weight, validation


def given_validation_set(estimator, X_val, y_val, like):
    """The validation set given to fit, checked as the training data, encoded.

    ``X_val`` takes the dtype of ``like``, the validated training data, and
    under array API dispatch its namespace and device.
    """
    name = type(estimator).__name__
    if X_val is None or y_val is None:
        raise ValueError(
            "X_val and y_val must be given together; got only "
            f"{'X_val' if y_val is None else 'y_val'}."
        )
    if array_namespace(like) is not None:  # everything follows X
        X_val = moved_like(X_val, like, "X_val")
    try:
        X_val = validate_data(
            estimator, X_val, accept_sparse="csr", dtype=like.dtype, reset=False,
            ensure_all_finite=False,
        )  # fmt: skip
    except ValueError as exc:  # its message speaks of X
        raise ValueError(f"X_val: {exc}") from exc
    assert_all_finite(X_val, input_name="X_val", estimator_name=name)
    y_val = np.asarray(to_numpy(y_val))
    classes = estimator.classes_
    multilabel = estimator._is_multilabel()
    shape = (
        f"(n_val, {len(classes)}), an indicator matrix as y"
        if multilabel
        else "(n_val,), one label per row of X_val"
    )
    if y_val.ndim != (2 if multilabel else 1) or (
        y_val.shape[0] != X_val.shape[0]
        or (multilabel and y_val.shape[1] != len(classes))
    ):
        raise ValueError(
            f"y_val must have shape {shape}; got shape {y_val.shape} for "
            f"X_val of shape {X_val.shape}."
        )
    if multilabel:
        kind_of_targets(y_val, name, name="y_val")
    y_val = encode_labels(y_val, classes, numpy_dtype(X_val), name="y_val")
    return ValidationSet(X_val, y_val, output=estimator.out_activation_)
