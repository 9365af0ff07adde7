"""The training data of a fit: X validated, the network's targets, the weights.

For the estimator: X and y are validated as scikit-learn's ``validate_data``
does, the kind of targets sets the output layer of a new network (or must be
the one a continued network was built for), the labels are encoded for the
network (``_targets.encode_labels``) and the sample weights multiplied by the
class weights. Samples of zero weight are dropped.
"""

import math

import numpy as np
from sklearn.utils.validation import column_or_1d, validate_data

from sklearn_scratchnet._array_api import array_namespace, take
from sklearn_scratchnet._namespace import namespace, numpy_dtype, to_numpy
from sklearn_scratchnet._targets import (
    check_every_class,
    check_two_classes,
    encode_labels,
    kind_of_targets,
    output_activation,
    training_weights,
)
from sklearn_scratchnet._warnings import warn
from sklearn_scratchnet.exceptions import UnscaledInputWarning

# Features beyond this magnitude saturate or kill the hidden units at the initial
# weights (raw 0-255 pixels leave every ReLU dead after one step).
_LARGE_FEATURE = 100.0


def training_data(estimator, X, y, sample_weight, continued, partial):
    """Validated X, the network's targets and the weights of the samples that count.

    A new fit sets ``classes_`` and the output layer from y; a continued one
    (``warm_start``, or ``continued`` and ``partial`` for ``partial_fit``)
    checks y against them. Under array API dispatch X keeps its namespace and
    device; the targets and weights are NumPy arrays (labels are prepared in
    NumPy). Samples of zero weight are dropped.
    """
    X, y = _validated(estimator, X, y, continued)
    if continued or partial:
        # partial_fit's first call: classes_ comes from `classes`.
        _check_same_kind_of_targets(estimator, y, first=not continued)
    else:
        _set_output_for(estimator, y)
    dtype = numpy_dtype(X)
    targets = encode_labels(y, estimator.classes_, dtype)
    if continued and not partial:
        check_every_class(targets, estimator.classes_)
    # Only X's length and dtype matter to the weights: a NumPy stand-in.
    shape_of_X = X if array_namespace(X) is None else np.empty((X.shape[0], 0), dtype)
    # partial_fit's "balanced" weights follow the class totals of all the data
    # passed to partial_fit so far; fit uses its own data's totals.
    earlier = to_numpy(vars(estimator).get("_class_totals")) if partial else None
    sample_weight, estimator._class_totals = training_weights(
        to_numpy(sample_weight), shape_of_X, targets, estimator.class_weight,
        estimator.classes_, earlier,
    )  # fmt: skip
    _warn_if_unscaled(X)
    counted = sample_weight > 0
    if counted.all():
        return X, targets, sample_weight
    # A zero weight means the sample counts for nothing; dropping it keeps
    # mini-batches and the validation split made of samples that count.
    rows = np.flatnonzero(counted)
    X = X[counted] if array_namespace(X) is None else take(X, rows)
    return X, targets[counted], sample_weight[counted]


def check_can_fit(estimator, continued, partial):
    """Refuse what no training can do: dropout with "lbfgs", or resizing a network.

    ``continued``: the fit continues from the fitted weights; ``partial``: it
    is a ``partial_fit`` call.
    """
    if estimator.dropout > 0 and estimator.solver == "lbfgs":
        raise ValueError(
            f"dropout={estimator.dropout} needs a stochastic solver: solver='lbfgs' "
            "searches along a line of a loss that must be the same at every "
            "evaluation, and dropout draws a new mask each time. Use "
            "solver='adam' or solver='sgd' with dropout, or set dropout=0.0."
        )
    if not continued:
        return
    fitted, asked = estimator.W1_.shape[0], estimator.hidden_size
    if fitted == asked:
        return
    if partial:
        how, fresh = "partial_fit", "call fit with warm_start=False"
    else:
        how, fresh = "fit with warm_start=True", "set warm_start=False"
    raise ValueError(
        f"hidden_size={asked}, but the fitted network has {fitted} hidden "
        f"units: {how} continues training the fitted network and cannot change "
        f"its size. Set hidden_size back to {fitted}, or {fresh} to train a new "
        f"network of {asked} units."
    )


def _validated(estimator, X, y, continued):
    """X and y validated: X in float64 or float32 (the weights' dtype if fitted)."""
    where = array_namespace(X)
    xp = np if where is None else where[0]
    X, y = validate_data(
        estimator,
        X,
        to_numpy(y),
        accept_sparse="csr" if where is None else False,
        dtype=estimator.W1_.dtype if continued else (xp.float64, xp.float32),
        reset=not continued,
        multi_output=True,
    )
    y = to_numpy(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    return X, y


def _set_output_for(estimator, y):
    """Set ``classes_`` and the output layer for the targets y of a new fit."""
    name = type(estimator).__name__
    multilabel = kind_of_targets(y, name) == "multilabel-indicator"
    estimator._multilabel = multilabel
    if multilabel:
        estimator.classes_ = np.arange(y.shape[1])
    else:
        estimator.classes_ = np.unique(y)
        check_two_classes(estimator.classes_, name)
    estimator.out_activation_ = output_activation(multilabel, len(estimator.classes_))


def _check_same_kind_of_targets(estimator, y, first):
    """Continued training needs the kind of targets the network was built for.

    ``first`` marks partial_fit's first call, where ``classes`` gave
    ``classes_`` and the output layer is set here: a multilabel y then needs
    ``classes=range(n_labels)``.
    """
    classes = estimator.classes_
    multilabel = kind_of_targets(y, type(estimator).__name__) == "multilabel-indicator"
    if first:
        if multilabel and not np.array_equal(classes, np.arange(y.shape[1])):
            raise ValueError(
                f"y is a multilabel indicator matrix of {y.shape[1]} labels, "
                f"so classes must be range({y.shape[1]}); got "
                f"{classes.tolist()}."
            )
        estimator.out_activation_ = output_activation(multilabel, len(classes))
        estimator._multilabel = multilabel
        return
    fitted_multilabel = estimator._is_multilabel()
    if multilabel != fitted_multilabel or (multilabel and y.shape[1] != len(classes)):
        fitted = (
            f"a multilabel indicator matrix of {len(classes)} labels"
            if fitted_multilabel
            else "class labels"
        )
        given = (
            f"a multilabel indicator matrix of {y.shape[1]} labels"
            if multilabel
            else "class labels"
        )
        raise ValueError(
            f"The model was fitted on {fitted}, but y is {given}. Continued "
            "training (warm_start=True, partial_fit) needs the same kind of "
            "targets; call fit with warm_start=False to start afresh."
        )


def _warn_if_unscaled(X):
    """Warn when features are so large that the network cannot train well."""
    values = X.data if hasattr(X, "tocsr") else X  # a sparse matrix's stored values
    if math.prod(values.shape) == 0:
        return
    xp = namespace(values)
    largest = max(float(xp.max(values)), -float(xp.min(values)))
    if largest > _LARGE_FEATURE:
        warn(
            f"X has values up to {largest:g} in magnitude. The network trains "
            "well only on features of about unit scale: with raw pixels (0-255) "
            "the hidden units die and the model predicts one class. Scale X "
            "first: X / 255 for MNIST pixels, or StandardScaler / MinMaxScaler "
            "in a Pipeline.",
            UnscaledInputWarning,
        )
