"""Labels and targets: what the network learns, and each sample's weight.

Plain functions of the labels ``y``, the fitted ``classes_`` and the weights, for
:class:`~sklearn_scratchnet.ScratchMLPClassifier`: which kinds of targets the
network learns (class labels, binary or multiclass, and multilabel indicator
matrices), the output layer each kind gets, labels encoded as the network's
targets and decoded back, and the sample weights times the class weights.
"""

import numpy as np
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight


def class_weights_per_sample(
    class_weight, classes, y_index, sample_weight, earlier_class_totals=None
):
    """Multiply each sample's weight by the weight of its class.

    Parameters
    ----------
    class_weight : None, "balanced" or dict
        As the estimator's parameter. "balanced" gives class ``c`` the weight
        ``total / (n_classes * total_c)``, where totals are sums of
        ``sample_weight`` (counts when all weights are one), so that repeating a
        sample and weighting it by 2 give the same class weights.
    classes : ndarray of shape (n_classes,)
        Sorted class labels.
    y_index : ndarray of shape (n_samples,)
        Each sample's class index into ``classes``.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative sample weights.
    earlier_class_totals : ndarray of shape (n_classes,), default=None
        Per-class weight totals of data seen before (``partial_fit``), added to
        this data's totals for "balanced".

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,)
        A new array; the input is not modified.
    class_totals : ndarray of shape (n_classes,)
        Per-class weight totals including this data.
    """
    n_classes = len(classes)
    class_totals = np.bincount(y_index, weights=sample_weight, minlength=n_classes)
    if earlier_class_totals is not None:
        class_totals = class_totals + earlier_class_totals
    if class_weight is None:
        return sample_weight, class_totals
    if class_weight == "balanced":
        weights = np.divide(
            class_totals.sum(),
            n_classes * class_totals,
            out=np.zeros(n_classes),
            where=class_totals > 0,
        )
    else:
        unknown = [label for label in class_weight if label not in set(classes)]
        if unknown:
            raise ValueError(
                f"class_weight has weights for labels {unknown} that are not "
                f"classes of the data; the classes are {classes.tolist()}."
            )
        weights = np.array([class_weight.get(label, 1.0) for label in classes])
        if not (np.isfinite(weights).all() and (weights >= 0).all()):
            raise ValueError(
                "class_weight values must be finite and non-negative; got "
                f"{class_weight}."
            )
    weighted = sample_weight * weights[y_index].astype(sample_weight.dtype)
    return weighted, class_totals


def kind_of_targets(y, estimator_name, name="y"):
    """type_of_target's name for y, refused unless the network can learn it.

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Class labels, or a multilabel indicator matrix.
    estimator_name : str
        The estimator's class name, for the error message.
    name : str, default="y"
        The name of ``y`` in the error message.

    Returns
    -------
    kind : {"binary", "multiclass", "multilabel-indicator"}
        The kind of targets.
    """
    check_classification_targets(y)
    kind = type_of_target(y, input_name=name)
    if kind not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(
            f"{estimator_name} learns class labels (a 1-D {name}) or "
            f"multilabel targets (a 2-D 0/1 indicator matrix), but {name} is "
            f"{kind!r}: a 2-D {name} with values other than 0 and 1. Train one "
            "model per output column (sklearn.multioutput.MultiOutputClassifier)."
        )
    return kind


def output_activation(multilabel, n_classes):
    """The output layer for the targets: one softmax, or independent logistics.

    Parameters
    ----------
    multilabel : bool
        Whether the targets are a multilabel indicator matrix.
    n_classes : int
        The number of classes (of labels, for multilabel targets).

    Returns
    -------
    out_activation : {"softmax", "logistic"}
        "softmax" for class labels of more than two classes; "logistic" for two
        classes (one output unit) and for multilabel targets.
    """
    return "softmax" if not multilabel and n_classes > 2 else "logistic"


def check_two_classes(classes, estimator_name):
    """Refuse to train on data of one class.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
        The class labels.
    estimator_name : str
        The estimator's class name, for the error message.
    """
    if len(classes) < 2:
        raise ValueError(
            f"{estimator_name} needs samples of at least 2 classes "
            f"in the data, but the data contains only one class: "
            f"{classes[0]!r}."
        )


def encode_labels(y, classes, dtype, name="y"):
    """The network's targets: class indices, or the indicator matrix.

    Labels become their indices into ``classes`` (checking that all are
    known); a multilabel indicator matrix becomes floats of ``dtype``.

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Class labels, or a multilabel indicator matrix.
    classes : ndarray of shape (n_classes,)
        The sorted class labels (``classes_``).
    dtype : numpy dtype
        The dtype of an indicator matrix's targets.
    name : str, default="y"
        The name of ``y`` in the error message.

    Returns
    -------
    targets : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Class indices (integers), or the indicator matrix as ``dtype``.
    """
    if y.ndim == 2:
        return np.asarray(y, dtype=dtype)
    unknown = np.setdiff1d(y, classes)
    if unknown.size:
        raise ValueError(
            f"{name} contains labels {unknown.tolist()} that are not in classes_ "
            f"{classes.tolist()}. The classes are fixed by the first fit "
            "(or by `classes` in the first partial_fit); refit with "
            "warm_start=False to train on new classes."
        )
    return np.searchsorted(classes, y)


def labels_of(targets, classes):
    """The labels that the network's targets encode: ``encode_labels`` undone.

    Parameters
    ----------
    targets : ndarray of shape (n_samples,) or (n_samples, n_labels)
        Class indices, or an indicator matrix of floats.
    classes : ndarray of shape (n_classes,)
        The sorted class labels (``classes_``).

    Returns
    -------
    y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        The class labels, or the indicator matrix as integers.
    """
    return targets.astype(int) if targets.ndim == 2 else classes[targets]


def check_every_class(targets, classes):
    """A warm-started fit, as MLPClassifier's, needs every class in y.

    Parameters
    ----------
    targets : ndarray of shape (n_samples,) or (n_samples, n_labels)
        The network's targets (see ``encode_labels``).
    classes : ndarray of shape (n_classes,)
        The fitted ``classes_``.
    """
    if targets.ndim == 2:
        return  # every label column is there
    present = np.unique(targets)
    if len(present) < len(classes):
        raise ValueError(
            "warm_start=True continues the fitted model, so y must have the "
            f"same classes as the previous fit: {classes.tolist()}; y "
            f"has {classes[present].tolist()}. Use partial_fit to train "
            "on batches that lack some classes, or warm_start=False to start "
            "afresh on these classes."
        )


def training_weights(
    sample_weight, X, targets, class_weight, classes, earlier_class_totals=None
):
    """Each training sample's weight: its sample weight times its class weight.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        The sample weights given to fit; None weighs every sample 1.
    X : ndarray of shape (n_samples, n_features)
        The training data (only its length and dtype matter).
    targets : ndarray of shape (n_samples,) or (n_samples, n_labels)
        The network's targets (see ``encode_labels``).
    class_weight : None, "balanced" or dict
        As the estimator's parameter; must be None for multilabel targets.
    classes : ndarray of shape (n_classes,)
        The sorted class labels (``classes_``).
    earlier_class_totals : ndarray of shape (n_classes,), default=None
        Per-class weight totals of the data passed to partial_fit before.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,)
        The weights, of X's dtype.
    class_totals : ndarray of shape (n_classes,) or None
        Per-class weight totals including this data; None for multilabel
        targets.
    """
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=X.dtype, ensure_non_negative=True
    )
    with np.errstate(over="ignore"):
        overflowed = not np.isfinite(sample_weight.sum())
    if overflowed:
        # Only shares of the total matter: bring the weights into range.
        sample_weight = sample_weight / sample_weight.max()
    if targets.ndim == 2:
        if class_weight is not None:
            raise ValueError(
                "class_weight applies to class labels, not to multilabel "
                "targets. Set class_weight=None, and weight the samples with "
                "fit's sample_weight instead."
            )
        class_totals = None  # no classes to weight
    else:
        sample_weight, class_totals = class_weights_per_sample(
            class_weight, classes, targets, sample_weight, earlier_class_totals
        )
    if not sample_weight.sum() > 0:
        raise ValueError(
            "The sample weights (times the class weights) of all samples are "
            "zero, so there is nothing to learn from. Give at least one sample "
            "a positive weight."
        )
    return sample_weight, class_totals
