"""scikit-learn's callback API (``sklearn.callback``, new in scikit-learn 1.9).

With scikit-learn >= 1.9 the estimator inherits the real ``CallbackSupportMixin``,
so ``set_callbacks`` and callbacks such as ``ProgressBar`` and ``ScoringMonitor``
work. With an older scikit-learn the stand-ins below keep the training loop
unchanged and simply have no callbacks to call. :class:`PassCallbacks` is a
fit's callback task and gives the training loop its hooks: one callback subtask
per pass.
"""

from sklearn_scratchnet import _namespace

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9

    class _NoCallbackContext:
        """A task context whose hooks do nothing."""

        def subcontext(self, **kwargs):
            return self

        def call_on_fit_task_begin(self, **kwargs):
            return self

        def call_on_fit_task_end(self, **kwargs):
            return False

    class CallbackSupportMixin:
        """Stand-in for scikit-learn's mixin: no callbacks before 1.9."""

        def _init_callback_context(self, **kwargs):
            return _NoCallbackContext()


__all__ = ["CallbackSupportMixin", "PassCallbacks", "weights_as_attributes"]


def weights_as_attributes(params):
    """Copies of ``(W1, b1, W2, b2)`` under the fitted attributes' names."""
    names = ("W1_", "b1_", "W2_", "b2_")
    return dict(zip(names, (_namespace.copy(p) for p in params), strict=True))


class PassCallbacks:
    """The callbacks of a fit: its task, and the training loop's hooks.

    The fit is a callback task with a subtask for each pass; :meth:`fit_begun`
    and :meth:`fit_ended` open and close it, the loop calls
    :meth:`pass_begun` and :meth:`pass_ended`.

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted, handed to the callbacks.
    X : array-like
        The training data.
    labels : callable
        Returns the training labels (computed only if a callback asks).
    max_passes : int
        The most passes of the fit.
    """

    def __init__(self, estimator, X, labels, max_passes):
        self.fit_task = estimator._init_callback_context(max_subtasks=max_passes)
        self.estimator = estimator
        self.X = X
        self.labels = labels
        self._pass_task = None

    def fit_begun(self):
        """Open the fit's task."""
        self.fit_task.call_on_fit_task_begin(
            estimator=self.estimator, X=self.X, y=self.labels
        )

    def fit_ended(self, params):
        """Close the fit's task, whose model has the weights ``params``."""
        self._end(self.fit_task, params)

    def pass_begun(self):
        """Open the pass's subtask."""
        self._pass_task = self.fit_task.subcontext(task_name="epoch")
        self._pass_task.call_on_fit_task_begin(
            estimator=self.estimator, X=self.X, y=self.labels
        )

    def pass_ended(self, params):
        """Close the pass's subtask; True when a callback asks to stop."""
        return self._end(self._pass_task, params)

    def _end(self, task, params):
        return task.call_on_fit_task_end(
            estimator=self.estimator,
            X=self.X,
            y=self.labels,
            reconstruction_attributes=lambda: weights_as_attributes(params),
        )
