"""ONNX export: the note's network as an ONNX graph, through skl2onnx.

Importing this module registers a converter for
:class:`~sklearn_scratchnet.ScratchMLPClassifier` with skl2onnx
(``skl2onnx.update_registered_converter``), so that skl2onnx converts the
classifier on its own and inside a ``Pipeline`` like any scikit-learn model.
:func:`to_onnx` and :func:`save_onnx` are the short way to do it. The graph is
the note's forward pass in standard ONNX operators, run by any ONNX runtime
(onnxruntime, for one)::

    Z1 = Gemm(X, W1, b1, transB=1)       # Z1 = W1 . A0 + b1, one row per sample
    A1 = Relu(Z1) | Tanh(Z1) | Sigmoid(Z1) | Identity(Z1)
    Z2 = Gemm(A1, W2, b2, transB=1)      # Z2 = W2 . A1 + b2
    probabilities = Softmax(Z2, axis=1)  # A2
    label = Gather(classes_, ArgMax(Z2, axis=1))

A 2-class model's output is one logistic unit, the second class's probability
p: ``probabilities = Concat(1 - Sigmoid(Z2), Sigmoid(Z2))``. The weights keep
the model's dtype: a model trained on float32 data gives a float32 graph, any
other a float64 graph. Models of multilabel targets are not exported.

Needs the ``onnx`` extra (skl2onnx, onnx and onnxruntime):
``python -m pip install ".[onnx]"`` in a clone of sklearn-scratchnet.
Importing ``sklearn_scratchnet`` does not import skl2onnx; importing this module
works without it, and
:func:`to_onnx` then raises an ImportError that says what to install.

The converter takes skl2onnx's usual classifier options: ``zipmap`` (True,
False or "columns"), ``nocl`` (labels replaced by class indices) and
``output_class_labels`` (an extra output with ``classes_``).
"""

from pathlib import Path

import numpy as np
from sklearn.utils.validation import check_is_fitted

from sklearn_scratchnet._classifier import ScratchMLPClassifier
from sklearn_scratchnet._namespace import numpy_dtype, to_numpy
from sklearn_scratchnet.persistence import write_atomically

__all__ = ["to_onnx", "save_onnx"]

#: The alias under which skl2onnx knows the classifier.
ALIAS = "SklearnScratchMLPClassifier"

#: The ONNX operator of each hidden activation g.
ONNX_ACTIVATIONS = {
    "relu": "Relu",
    "tanh": "Tanh",
    "logistic": "Sigmoid",
    "identity": "Identity",
}

#: The options the converter accepts, with their allowed values.
OPTIONS = {
    "zipmap": [True, False, "columns"],
    "nocl": [False, True],
    "output_class_labels": [False, True],
}

_INSTALL = 'python -m pip install ".[onnx]" (in a clone of sklearn-scratchnet)'


def _require_skl2onnx():
    """Import skl2onnx and register the converter, or say what to install."""
    try:
        import onnx  # noqa: F401
        import skl2onnx
    except ImportError as exc:
        raise ImportError(
            "ONNX export needs skl2onnx and onnx (and onnxruntime to run the "
            f"graph), but they could not be imported ({exc}). Install the onnx "
            f"extra: {_INSTALL}"
        ) from exc
    # Registering again (cheap) keeps ours if something registered another.
    skl2onnx.update_registered_converter(
        ScratchMLPClassifier,
        ALIAS,
        _calculate_output_shapes,
        _convert,
        options=OPTIONS,
    )
    return skl2onnx


def _calculate_output_shapes(operator):
    """skl2onnx shape calculator: label (N,) and probabilities (N, n_classes),
    as skl2onnx's own for classifiers, of a fitted model on a float or int64 X."""
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
    )
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
    )
    from skl2onnx.common.utils import check_input_and_output_types

    check_input_and_output_types(
        operator,
        good_input_types=[FloatTensorType, DoubleTensorType, Int64TensorType],
    )
    check_is_fitted(operator.raw_operator)
    calculate_linear_classifier_output_shapes(operator)


def _convert(scope, operator, container):
    """skl2onnx converter: the note's forward pass as ONNX nodes."""
    from onnx.helper import np_dtype_to_tensor_dtype
    from skl2onnx.common.data_types import guess_proto_type
    from skl2onnx.common.utils_classifier import get_label_classes
    from skl2onnx.proto import onnx_proto

    clf = operator.raw_operator
    dtype = numpy_dtype(clf.W1_)  # float32 or float64
    proto = np_dtype_to_tensor_dtype(dtype)

    def name(base):
        return scope.get_unique_variable_name(base)

    def node(op_type, inputs, **attrs):
        output = name(op_type.lower())
        container.add_node(
            op_type, inputs, output, name=scope.get_unique_operator_name(op_type),
            **attrs,
        )  # fmt: skip
        return output

    def weights(base, array):
        array = np.asarray(to_numpy(array), dtype=dtype)  # from any namespace
        initializer = name(base)
        container.add_initializer(initializer, proto, array.shape, array.ravel())
        return initializer

    X = operator.inputs[0].full_name
    if guess_proto_type(operator.inputs[0].type) != proto:
        X = node("Cast", [X], to=proto)
    Z1 = node("Gemm", [X, weights("W1", clf.W1_), weights("b1", clf.b1_)], transB=1)
    A1 = node(ONNX_ACTIVATIONS[clf.activation], [Z1])
    Z2 = node("Gemm", [A1, weights("W2", clf.W2_), weights("b2", clf.b2_)], transB=1)
    if clf.out_activation_ == "softmax":
        A2 = node("Softmax", [Z2], axis=1)
    else:  # one logistic unit, the second class's probability p: [1 - p, p]
        p = node("Sigmoid", [Z2])
        A2 = node("Concat", [node("Sub", [weights("one", [1.0]), p]), p], axis=1)

    label, probabilities = operator.outputs[0], operator.outputs[1]
    out_proto = guess_proto_type(probabilities.type)
    if out_proto == proto:
        container.add_node("Identity", [A2], probabilities.full_name)
    else:
        container.add_node("Cast", [A2], probabilities.full_name, to=out_proto)

    # The label is the most probable class, as in predict: the largest logit,
    # or, for one logistic unit, a probability p above 0.5.
    scores = Z2 if clf.out_activation_ == "softmax" else A2
    index = node("ArgMax", [scores], axis=1, keepdims=0)
    # As the shape calculator declared the label: strings or int64.
    classes, label_proto = get_label_classes(scope, clf), guess_proto_type(label.type)
    if label_proto == onnx_proto.TensorProto.STRING:
        values = [str(c).encode("utf-8") for c in classes]
    else:
        values = np.array([int(c) for c in classes], dtype=np.int64)
    classes_name = name("classes")
    container.add_initializer(classes_name, label_proto, [len(values)], values)
    container.add_node(
        "Gather",
        [classes_name, index],
        label.full_name,
        name=scope.get_unique_operator_name("Gather"),
        axis=0,
    )


def to_onnx(
    model, X_sample=None, *, zipmap=False, options=None, target_opset=None, name=None
):
    """Convert a fitted model to an ONNX graph.

    The model is a fitted :class:`~sklearn_scratchnet.ScratchMLPClassifier` or
    any model skl2onnx converts that holds one (a ``Pipeline`` with a scaler
    before the classifier...). From its input ``X`` (N, n_features), the graph
    gives ``label`` (N,) and ``probabilities`` (N, n_classes), as ``predict``
    and ``predict_proba``.

    Parameters
    ----------
    model : estimator
        A fitted ScratchMLPClassifier, or a fitted model that contains one.
    X_sample : array-like of shape (n_samples, n_features), default=None
        Sample input: gives the number of features and, if float32 or float64,
        the input's dtype (None: ``model.n_features_in_`` features in the
        classifier's dtype, float32 for a model trained on float32 data). The
        classifier computes in its own dtype; the probabilities come out in
        the input's.
    zipmap : bool or "columns", default=False
        False: ``probabilities`` is a tensor, as ``predict_proba``'s array. True:
        skl2onnx's ``output_probability``, a list of ``{label: probability}``
        dictionaries (float32 only). "columns": one output per class.
    options : dict, default=None
        Further skl2onnx converter options by estimator class or ``id``, such as
        ``{ScratchMLPClassifier: {"nocl": True}}``; they override ``zipmap``.
    target_opset : int or dict, default=None
        ONNX opset to target; None lets skl2onnx choose (the latest it supports).
    name : str, default=None
        Name of the graph; the model's class name by default.

    Returns
    -------
    onnx_model : onnx.ModelProto
        The graph (``onnx_model.SerializeToString()`` gives its bytes).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the model, or a ScratchMLPClassifier in it, is not fitted.
    ImportError
        If skl2onnx or onnx is not installed.
    ValueError
        If ``X_sample`` does not have the model's number of features, or
        ``zipmap=True`` is asked of a float64 graph.

    See Also
    --------
    save_onnx : Convert and write to a file.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_scratchnet import ScratchMLPClassifier
    >>> from sklearn_scratchnet.onnx import to_onnx
    >>> X, y = load_digits(return_X_y=True)
    >>> X = (X / 16).astype(np.float32)
    >>> clf = ScratchMLPClassifier(hidden_size=32, solver="adam", alpha=0.01,
    ...                            batch_size=64, max_iter=10, random_state=0)
    >>> onnx_model = to_onnx(clf.fit(X, y))
    >>> session = ort.InferenceSession(onnx_model.SerializeToString())
    >>> label, proba = session.run(None, {"X": X})
    >>> bool((label == clf.predict(X)).all())
    True
    >>> bool(np.abs(proba - clf.predict_proba(X)).max() < 1e-5)
    True
    """
    skl2onnx = _require_skl2onnx()
    n_features, dtype = _graph_input(model, X_sample)
    return skl2onnx.to_onnx(
        model,
        initial_types=[("X", _tensor_type(dtype)([None, n_features]))],
        options=_converter_options(zipmap, options, dtype),
        target_opset=target_opset,
        name=name or type(model).__name__,
    )


def _fitted_classifiers(model):
    """The ScratchMLPClassifiers in the fitted ``model`` (itself, or its steps),
    each fitted on class labels (multilabel targets have no ONNX classifier
    outputs)."""
    check_is_fitted(model)
    classifiers = [model] if isinstance(model, ScratchMLPClassifier) else []
    if hasattr(model, "get_params"):
        classifiers += [
            value
            for value in model.get_params(deep=True).values()
            if isinstance(value, ScratchMLPClassifier)
        ]
    for clf in classifiers:
        check_is_fitted(clf)
        if clf._is_multilabel():
            raise ValueError(
                "ONNX export covers models of class labels; this model was "
                "fitted on multilabel targets (an indicator matrix), which "
                "skl2onnx's classifier outputs cannot represent."
            )
    return classifiers


def _graph_input(model, X_sample):
    """The graph input's number of features and dtype: ``X_sample``'s when
    given, else the model's (the classifier's dtype, float32 without one)."""
    classifiers = _fitted_classifiers(model)
    n_features = getattr(model, "n_features_in_", None)
    dtype = numpy_dtype(classifiers[0].W1_) if classifiers else np.dtype(np.float32)
    if X_sample is not None:
        shape = np.shape(X_sample)
        if len(shape) != 2:
            raise ValueError(
                f"X_sample must be 2-dimensional (n_samples, n_features); got "
                f"shape {shape}."
            )
        if n_features is not None and shape[1] != n_features:
            raise ValueError(
                f"X_sample has {shape[1]} features, but {type(model).__name__} is "
                f"expecting {n_features} features as input."
            )
        n_features = shape[1]
        sample_dtype = getattr(X_sample, "dtype", None)
        if sample_dtype in (np.float32, np.float64):
            dtype = np.dtype(sample_dtype)
    if n_features is None:
        raise ValueError(
            f"{type(model).__name__} does not record its number of features "
            "(n_features_in_); give X_sample."
        )
    return n_features, dtype


def _tensor_type(dtype):
    """skl2onnx's tensor type of the graph input: float32 or float64."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    return FloatTensorType if dtype == np.float32 else DoubleTensorType


def _converter_options(zipmap, options, dtype):
    """skl2onnx's options: ``zipmap`` for the classifier, then ``options``."""
    all_options = {ScratchMLPClassifier: {"zipmap": zipmap}}
    for key, value in (options or {}).items():
        all_options[key] = {**all_options.get(key, {}), **value}
    if all_options[ScratchMLPClassifier].get("zipmap") is True and dtype != np.float32:
        raise ValueError(
            "zipmap=True needs float32 probabilities (ONNX's ZipMap takes float32 "
            "only), but the graph's input is float64. Use zipmap=False, or give a "
            "float32 X_sample."
        )
    return all_options


def save_onnx(model, path, X_sample=None, **kwargs):
    """Convert a fitted model to ONNX and write it to a file.

    The file is written whole or not at all: to a temporary file in the same
    folder first, then renamed over ``path``.

    Parameters
    ----------
    model : estimator
        A fitted ScratchMLPClassifier, or a fitted model that contains one.
    path : str or path-like
        The ``.onnx`` file to write; replaced if it exists.
    X_sample : array-like of shape (n_samples, n_features), default=None
        Sample input, as in :func:`to_onnx`.
    **kwargs : dict
        ``zipmap``, ``options``, ``target_opset`` and ``name``, as in
        :func:`to_onnx`.

    Returns
    -------
    onnx_model : onnx.ModelProto
        The graph written.

    Raises
    ------
    IsADirectoryError
        If ``path`` is a folder.
    sklearn.exceptions.NotFittedError, ImportError, ValueError
        As :func:`to_onnx`; the file is then left as it was.

    See Also
    --------
    to_onnx : Convert without writing.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(
            f"{path} is a folder; give the path of the .onnx file to write."
        )
    onnx_model = to_onnx(model, X_sample, **kwargs)
    content = onnx_model.SerializeToString()
    write_atomically(path, lambda temporary: Path(temporary).write_bytes(content))
    return onnx_model


# Register the converter on import when skl2onnx is there, so that
# ``skl2onnx.to_onnx`` converts ScratchMLPClassifier after
# ``import sklearn_scratchnet.onnx``.
try:
    _require_skl2onnx()
except ImportError:
    pass
