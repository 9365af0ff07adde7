"""The validation score for early stopping: the scorer that ``scoring`` names.

The training loop scores the validation set after each pass with "loss" (minus
the validation loss), None (the accuracy), or a function of the network's
weights; this module makes that function from a scikit-learn scorer, which it
calls on the estimator predicting with the pass's weights.
"""

import copy
import inspect
from contextlib import contextmanager

import numpy as np
from sklearn.metrics import check_scoring

from sklearn_scratchnet._namespace import from_numpy, is_numpy
from sklearn_scratchnet._targets import labels_of
from sklearn_scratchnet._warnings import warn


def scorer_for(estimator, scoring):
    """The scorer that ``scoring`` names, checked before any work.

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        The estimator the scorer scores.
    scoring : None, str or callable
        As the estimator's parameter.

    Returns
    -------
    scorer : callable or None
        None for ``scoring=None`` (the accuracy) and ``"loss"``, which the
        training loop computes from the network's output directly.
    """
    if scoring is None or (isinstance(scoring, str) and scoring == "loss"):
        return None
    try:
        return check_scoring(estimator, scoring)
    except ValueError as exc:
        raise ValueError(
            f"scoring={scoring!r}: {exc} Besides the scorer names, "
            "scoring takes None (the accuracy), 'loss' (minus the validation "
            "loss) or a callable scorer(estimator, X, y)."
        ) from exc


def validation_scoring(estimator, validation, scorer):
    """How the training loop scores ``validation``: None, "loss" or a function.

    A scorer becomes a function of the weights ``params`` that calls it on
    the estimator predicting with ``params``, the validation samples and
    their labels (and their weights, when the scorer accepts them).

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        The estimator being fitted (its ``classes_`` are set).
    validation : ValidationSet
        The validation set, its targets encoded for the network.
    scorer : callable or None
        The scorer from :func:`scorer_for`.

    Returns
    -------
    scoring : None, "loss" or callable
        The estimator's ``scoring`` when ``scorer`` is None, else
        ``score(params) -> float``.
    """
    if scorer is None:
        return estimator.scoring
    y_val = labels_of(validation.y, estimator.classes_)
    missing = _missing_classes(estimator, y_val)
    classes = estimator.classes_
    sample_weight = validation.sample_weight
    if not is_numpy(validation.X):  # the scorer's arrays follow X
        if y_val.dtype.kind in "biuf":
            y_val = from_numpy(y_val, like=validation.X)
            classes = from_numpy(classes, like=validation.X)
        sample_weight = from_numpy(sample_weight, like=validation.X)
    if missing:
        scorer = told_the_classes(scorer, classes)
    weights = {}
    if validation.sample_weight is not None:
        if accepts_sample_weight(scorer):
            weights = {"sample_weight": sample_weight}
        elif np.ptp(validation.sample_weight) > 0:
            warn(
                f"scoring={estimator.scoring!r} takes no sample_weight, so the "
                "validation samples are scored unweighted although their "
                "sample (or class) weights differ. Give a scorer that accepts "
                "sample_weight, such as one made by sklearn.metrics."
                "make_scorer, to weigh them."
            )

    def score(params):
        with predicting_with(estimator, params):
            if not missing:
                return scorer(estimator, validation.X, y_val, **weights)
            try:
                value = scorer(estimator, validation.X, y_val, **weights)
            except ValueError as exc:
                raise _lacks_classes_error(estimator, missing, exc) from exc
        if not np.isfinite(value):
            raise _lacks_classes_error(estimator, missing, f"it scored {value}.")
        return value

    return score


def _missing_classes(estimator, y_val):
    """The classes of ``estimator`` that the labels ``y_val`` lack (none for
    multilabel targets)."""
    if y_val.ndim != 1:
        return []
    present = set(y_val.tolist())
    return [c for c in estimator.classes_.tolist() if c not in present]


def told_the_classes(scorer, classes):
    """``scorer`` told every class, when it scores class probabilities.

    A metric of probabilities (or decision values), such as ``log_loss``,
    ``brier_score_loss``, ``top_k_accuracy_score`` or ``roc_auc_score``, reads
    the classes from the labels it is given unless told them: on a validation
    set that lacks a class, its columns would not match. scikit-learn's
    scorers keep the metric and its arguments in ``_score_func`` and
    ``_kwargs``, which ``make_scorer`` fills; ``labels`` is added to a copy.
    Any other scorer (a callable, one of labels, one that sets ``labels``
    itself) is returned as is.

    Parameters
    ----------
    scorer : callable
        A scorer, from :func:`scorer_for`.
    classes : array of shape (n_classes,)
        The estimator's classes, the columns of its probabilities.

    Returns
    -------
    scorer : callable
        ``scorer``, or a copy of it that passes ``labels=classes``.
    """
    metric = getattr(scorer, "_score_func", None)
    kwargs = getattr(scorer, "_kwargs", None)
    response = getattr(scorer, "_response_method", "predict")
    responses = (response,) if isinstance(response, str) else tuple(response)
    if metric is None or not isinstance(kwargs, dict) or "labels" in kwargs:
        return scorer
    if "predict" in responses:  # compares labels: the classes are in them
        return scorer
    try:
        parameters = inspect.signature(metric).parameters
    except (TypeError, ValueError):  # no signature to read
        return scorer
    if "labels" not in parameters:
        return scorer
    told = copy.copy(scorer)
    told._kwargs = {**kwargs, "labels": classes}
    return told


def _lacks_classes_error(estimator, missing, cause):
    names = ", ".join(map(repr, missing))
    which = f"class {names}" if len(missing) == 1 else f"classes {names}"
    return ValueError(
        f"scoring={estimator.scoring!r} cannot score the validation set, which "
        f"holds no sample of the {which}: {cause} Give a validation set with "
        "every class: a larger validation_fraction, or X_val and y_val; or a "
        "scoring that scores any validation set, such as 'loss', None (the "
        "accuracy) or 'neg_log_loss'."
    )


@contextmanager
def predicting_with(estimator, params):
    """The estimator predicting with the weights ``params``, for a scorer.

    The weights and the model state are put back afterwards. The feature
    names are hidden meanwhile: a validation set is validated data, an array
    without column names.

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        A fitted estimator, or one being fitted.
    params : tuple of arrays
        The weights ``(W1, b1, W2, b2)``.
    """
    names = ("W1_", "b1_", "W2_", "b2_", "feature_names_in_")
    state = vars(estimator)
    saved = {name: state.pop(name) for name in names if name in state}
    estimator.W1_, estimator.b1_, estimator.W2_, estimator.b2_ = params
    try:
        yield
    finally:
        for name in names:
            state.pop(name, None)
        state.update(saved)


def accepts_sample_weight(scorer):
    """Whether ``scorer(estimator, X, y, sample_weight=...)`` can be called.

    Parameters
    ----------
    scorer : callable
        A scorer.

    Returns
    -------
    accepts : bool
        True when the scorer has a ``sample_weight`` or ``**kwargs`` parameter.
    """
    try:
        parameters = inspect.signature(scorer).parameters.values()
    except (TypeError, ValueError):  # no signature to read
        return False
    return any(
        p.name == "sample_weight" or p.kind is inspect.Parameter.VAR_KEYWORD
        for p in parameters
    )
