"""Array namespaces: NumPy itself for NumPy arrays, the array API for the others.

The network's functions take their namespace ``xp`` from their arrays: NumPy's
own module for NumPy arrays and SciPy sparse matrices (so that the NumPy path
runs exactly the code it always ran, with no wrapper in between), and the
`array API <https://data-apis.org/array-api/>`_ namespace of any other array
(PyTorch, CuPy, array-api-strict), through ``array_api_compat``, which is
imported on the first such array only. Like ``_network``, this module imports
nothing from scikit-learn.
"""

import numpy as np

#: Each array type's namespace, found once (a step asks a few dozen times).
_NAMESPACES = {}


def namespace(array):
    """The namespace of ``array``: ``numpy`` for NumPy arrays and sparse matrices.

    None stands for no array: NumPy.
    """
    if (
        array is None
        or isinstance(array, np.ndarray | np.generic)
        or hasattr(array, "tocsr")
    ):
        return np
    xp = _NAMESPACES.get(type(array))
    if xp is None:
        import array_api_compat

        xp = _NAMESPACES[type(array)] = array_api_compat.array_namespace(array)
    return xp


def is_numpy(array):
    """Whether ``array`` is computed on by NumPy (a NumPy array or sparse matrix)."""
    return namespace(array) is np


def device(array):
    """The device ``array`` lives on (``"cpu"`` for NumPy arrays)."""
    if namespace(array) is np:
        return "cpu"
    import array_api_compat

    return array_api_compat.device(array)


def zeros(shape, like):
    """Zeros of ``like``'s dtype, namespace and device."""
    xp = namespace(like)
    if xp is np:
        return np.zeros(shape, dtype=like.dtype)
    return xp.zeros(shape, dtype=like.dtype, device=device(like))


def zeros_like(array):
    """Zeros shaped like ``array``, in its namespace and on its device."""
    return namespace(array).zeros_like(array)


def arange(n, like):
    """``0, 1, ..., n - 1`` in ``like``'s namespace and on its device."""
    xp = namespace(like)
    if xp is np:
        return np.arange(n)
    return xp.arange(n, device=device(like))


def copy(array):
    """A copy of ``array`` in its namespace and on its device."""
    xp = namespace(array)
    if xp is np:
        return array.copy()
    return xp.asarray(array, copy=True)


def to_numpy(array):
    """``array`` as a NumPy array on the CPU (NumPy arrays are returned as they are).

    What is no array of a namespace (None, a list, a number, a sparse matrix, a
    DataFrame) is returned as it is.
    """
    foreign = hasattr(array, "__dlpack__") or hasattr(array, "__array_namespace__")
    if (
        not foreign
        or namespace(array) is np
        or type(array).__module__.startswith("pandas")  # converted by validation
    ):
        return array
    name = namespace(array).__name__
    if "torch" in name:
        return array.detach().cpu().numpy()
    if "cupy" in name:
        return array.get()
    if "array_api_strict" in name:
        import array_api_strict

        cpu = array_api_strict.Device("CPU_DEVICE")
        return np.asarray(array_api_strict.asarray(array, device=cpu))
    return np.asarray(array)


def numpy_dtype(array):
    """NumPy's dtype for the dtype of ``array``, of any namespace."""
    xp = namespace(array)
    if xp is np:
        return array.dtype
    return to_numpy(xp.reshape(array, (-1,))[:0]).dtype


def from_numpy(array, like):
    """The NumPy ``array`` moved to ``like``'s namespace and device (None stays)."""
    xp = namespace(like)
    if xp is np or array is None:
        return array
    return xp.asarray(array, device=device(like))
