"""scikit-learn's callback API (``sklearn.callback``, new in scikit-learn 1.9).

With scikit-learn >= 1.9 the estimator inherits the real ``CallbackSupportMixin``,
so ``set_callbacks`` and callbacks such as ``ProgressBar`` and ``ScoringMonitor``
work. With an older scikit-learn the stand-ins below keep the training loop
unchanged and simply have no callbacks to call.
"""

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


__all__ = ["CallbackSupportMixin"]
