"""scikit-learn's array API dispatch for ScratchMLPClassifier.

Under ``sklearn.config_context(array_api_dispatch=True)``, X of a namespace
other than NumPy's (PyTorch, CuPy, array-api-strict...) is trained on and
predicted from in its namespace, on its device. These functions find that
namespace, move arrays to it and back, and convert the estimator's state.
Unlike :mod:`sklearn_scratchnet._namespace`, which the math uses, this module
may use scikit-learn.
"""

import copy

from sklearn import get_config

from sklearn_scratchnet import _training
from sklearn_scratchnet._namespace import from_numpy

#: The private and fitted attributes that hold arrays, beside ``classes_``.
ARRAY_STATE = ("W1_", "b1_", "W2_", "b2_", "_class_totals")


def array_namespace(X):
    """``(xp, device)`` of X when it is computed on outside NumPy, else None.

    That is under scikit-learn's ``array_api_dispatch=True``, for arrays of a
    namespace other than NumPy's (PyTorch, CuPy, array-api-strict...).

    Parameters
    ----------
    X : array-like
        The input.

    Returns
    -------
    where : tuple (xp, device) or None
        X's namespace and device, or None when NumPy computes on X.
    """
    if not get_config()["array_api_dispatch"]:
        return None
    from sklearn.utils._array_api import _is_numpy_namespace, get_namespace_and_device

    try:
        xp, is_array_api, device_ = get_namespace_and_device(X)
    except TypeError as exc:
        raise TypeError(
            f"ScratchMLPClassifier cannot compute on {type(X).__qualname__} "
            "input under array_api_dispatch=True: it accepts NumPy arrays, SciPy "
            "sparse matrices, DataFrames and arrays of the array API namespaces "
            "scikit-learn supports (PyTorch, CuPy, array-api-strict). Convert X, "
            f"or turn array_api_dispatch off. ({exc})"
        ) from exc
    if not is_array_api or _is_numpy_namespace(xp):
        return None
    return xp, device_


def check_same_namespace(X, estimator, method):
    """scikit-learn's rule: X must be where the weights are (under dispatch).

    Parameters
    ----------
    X : array-like
        The input of ``method``.
    estimator : ScratchMLPClassifier
        A fitted estimator.
    method : str
        The method's name, for the error message.
    """
    from sklearn.utils._array_api import check_same_namespace as check

    check(X, estimator, attribute="W1_", method=method)


def mover(xp, device_):
    """A converter that moves arrays to namespace ``xp`` and ``device_``.

    Parameters
    ----------
    xp : module
        An array API namespace.
    device_ : object
        A device of ``xp``.

    Returns
    -------
    move : callable
        ``move(array)``: the array in ``xp``, on ``device_``.
    """
    from sklearn.utils._array_api import move_to

    def move(array):
        return move_to(array, xp=xp, device=device_)

    return move


def moved_like(array, like, name):
    """``array`` in the namespace and on the device of ``like`` (X's: all follow X).

    Parameters
    ----------
    array : array-like
        The array to move (X_val, for instance).
    like : array
        An array of a namespace other than NumPy's (X).
    name : str
        The name of ``array``, for the error message.

    Returns
    -------
    moved : array
        ``array`` in ``like``'s namespace, on its device.
    """
    xp, device_ = array_namespace(like)
    try:
        return mover(xp, device_)(array)
    except TypeError as exc:
        raise TypeError(
            f"{name} is a {type(array).__qualname__}, which cannot be moved to "
            f"the namespace of X ({xp.__name__}, device {device_}): under array "
            f"API dispatch, give {name} as an array of X's namespace or as a "
            "dense NumPy array."
        ) from exc


def take(X, rows):
    """Rows ``rows`` (NumPy indices) of X of any namespace.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        An array of any namespace.
    rows : ndarray of shape (n_rows,)
        Row indices, a NumPy array.

    Returns
    -------
    X_rows : array of shape (n_rows, n_features)
        Those rows, in X's namespace.
    """
    return _training.take_rows(X, from_numpy(rows, like=X))


def converted_arrays(state, converter):
    """``state`` with its weights and training state's arrays converted.

    ``classes_`` stays a NumPy array: labels may be strings.

    Parameters
    ----------
    state : dict
        The estimator's state (its ``__dict__``, or ``__getstate__``'s).
    converter : callable
        ``converter(array)``: the array converted (to NumPy, to a device...).

    Returns
    -------
    state : dict
        A new dict; the arrays of ``ARRAY_STATE`` and the optimizer's are
        converted (the optimizer is copied), the rest is shared.
    """
    state = dict(state)
    for name in ARRAY_STATE:
        if state.get(name) is not None:
            state[name] = converter(state[name])
    optimizer = state.get("_optimizer")
    if optimizer is not None:
        optimizer = copy.copy(optimizer)
        for name, value in vars(optimizer).items():
            if isinstance(value, list) and value and hasattr(value[0], "shape"):
                setattr(optimizer, name, [converter(a) for a in value])
        state["_optimizer"] = optimizer
    return state


def moved_for_training(X, targets, sample_weight, validation):
    """The targets and weights (NumPy arrays) moved to X's namespace and device.

    Those of the ``validation`` set, if any, are moved in place.
    """
    if validation is not None:
        validation.y = from_numpy(validation.y, like=X)
        validation.sample_weight = from_numpy(validation.sample_weight, like=X)
    return from_numpy(targets, like=X), from_numpy(sample_weight, like=X)
