"""Warnings and errors raised by sklearn-scratchnet."""


class InconsistentVersionWarning(UserWarning):
    """A model was loaded by another version of a library than it was saved with.

    Like scikit-learn's warning of the same name: the model may still work, but
    nothing guarantees it. Refit it, or use the versions it was saved with.

    Parameters
    ----------
    estimator_name : str
        The class of the loaded model.
    library : str
        The library whose version differs ("sklearn-scratchnet" or
        "scikit-learn").
    original_version : str
        The version the model was saved with.
    current_version : str
        The version running now.
    """

    def __init__(self, *, estimator_name, library, original_version, current_version):
        self.estimator_name = estimator_name
        self.library = library
        self.original_version = original_version
        self.current_version = current_version

    def __str__(self):
        return (
            f"Trying to unpickle estimator {self.estimator_name} from {self.library} "
            f"version {self.original_version} when using version "
            f"{self.current_version}. This might lead to breaking code or invalid "
            "results. Use at your own risk: refit the model, or load it with the "
            "version it was saved with."
        )


class FitInterruptedWarning(UserWarning):
    """Training was interrupted (Ctrl-C) and stopped early with usable weights."""


class UnscaledInputWarning(UserWarning):
    """Training data has features far outside the range the network trains well on."""


class ValidationSplitWarning(UserWarning):
    """The validation set could not be stratified: it was held out another way."""


class UntrustedModelError(ValueError):
    """A model file is refused before anything in it is loaded.

    It would need types or code that were not trusted to load it, or it would
    inflate far beyond what any model file does (a zip bomb).
    """


class ModelFileError(ValueError):
    """A file that should hold a fitted ScratchMLPClassifier does not."""


__all__ = [
    "FitInterruptedWarning",
    "InconsistentVersionWarning",
    "ModelFileError",
    "UnscaledInputWarning",
    "UntrustedModelError",
    "ValidationSplitWarning",
]
