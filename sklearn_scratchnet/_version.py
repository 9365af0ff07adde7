"""The library's version, in a module of its own so that any module can import it."""

__version__ = "0.3.0"


def library_versions():
    """``{library: version}`` of the libraries a saved model records.

    A fitted :class:`~sklearn_scratchnet.ScratchMLPClassifier` stores these
    versions when it is saved and compares them with the running ones when it
    is loaded (:class:`~sklearn_scratchnet.exceptions.InconsistentVersionWarning`).

    Returns
    -------
    versions : dict
        The versions of sklearn-scratchnet and scikit-learn running now.
    """
    import sklearn  # here: reading __version__ above must not import scikit-learn

    return {"sklearn-scratchnet": __version__, "scikit-learn": sklearn.__version__}
