"""Ctrl-C during training: finish the current step, then stop cleanly."""

import signal
import threading
from contextlib import contextmanager


class InterruptRequest:
    """Whether Ctrl-C was pressed, and whether a gradient step is under way.

    The training loop checks ``requested`` after each step and keeps
    ``in_step`` up to date, so that a ``KeyboardInterrupt`` raised anyway can
    tell whether the weights are whole.
    """

    def __init__(self):
        self.requested = False
        self.in_step = False


@contextmanager
def deferred_keyboard_interrupt():
    """Turn the first SIGINT into a request to stop after the current step.

    Within the block, the first Ctrl-C sets ``request.requested`` instead of
    raising ``KeyboardInterrupt`` in the middle of a weight update, and puts the
    previous handler back so that a second Ctrl-C interrupts at once. Only
    Python's default handler in the main thread is replaced; elsewhere (another
    thread, a program with its own SIGINT handler) nothing changes and the loop
    sees interrupts only as ``KeyboardInterrupt`` exceptions.

    Yields
    ------
    request : InterruptRequest
        Whether Ctrl-C was pressed.
    """
    request = InterruptRequest()
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield request
        return

    def ask_to_stop(signum, frame):
        request.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, ask_to_stop)
    try:
        yield request
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
