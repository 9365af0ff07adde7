"""The ``scratchnet`` command: train, evaluate and use the note's network on MNIST.

::

    scratchnet train [--data mnist|sample|DIR] [--hidden-size H] [--alpha A]
                     [--solver sgd|adam|lbfgs] [--momentum MU]
                     [--activation relu|tanh|logistic|identity] [--batch-size B]
                     [--max-iter N] [--l2 L2] [--dropout RATE]
                     [--class-weight balanced]
                     [--early-stopping] [--scoring loss|SCORER]
                     [--validation-fraction F]
                     [--random-state S] [--device DEVICE] [--out MODEL]
    scratchnet evaluate MODEL [--data mnist|sample|DIR] [--trust-pickle]
    scratchnet predict MODEL IMAGE [IMAGE ...] [--save-input DIR] [--trust-pickle]
    scratchnet info MODEL [--trust-pickle]
    scratchnet export MODEL OUT.onnx|OUT.html [--trust-pickle]

For example ``scratchnet train --out model.skops``, then ``scratchnet evaluate
model.skops``, ``scratchnet predict model.skops digit.png``, ``scratchnet
export model.skops model.onnx`` or ``scratchnet export model.skops page.html``
(a page that runs the model on digits drawn in a browser, offline).

Also ``python -m sklearn_scratchnet``. Models are the fitted
:class:`~sklearn_scratchnet.ScratchMLPClassifier` saved as skops files (safe to
load from anyone; ``--out model.joblib`` saves a pickle instead, which the other
commands load only with ``--trust-pickle``); they take pixels scaled to [0, 1]
(MNIST pixels / 255). ``evaluate``, ``predict``, ``info`` and ``export`` also take
a fitted :class:`~sklearn.pipeline.Pipeline` whose last step is the classifier,
such as ``make_pipeline(MinMaxScaler(), ScratchMLPClassifier())`` saved with
:func:`~sklearn_scratchnet.persistence.dump`; ``evaluate`` gives it the raw
pixels 0-255, which its first steps scale. The commands need the ``cli`` extra
(scikit-learn >= 1.9 for the progress bar, rich, matplotlib, Pillow and skops):
``python -m pip install ".[cli]"`` in a clone of sklearn-scratchnet; ``export``
to ONNX needs the ``onnx`` extra.

Exit codes: 0 success; 1 another failure (such as a missing dependency); 2 bad
usage or parameter value; 3 a file, folder, data set or device not found; 4 a file that
is not what it should be (corrupt data, not a model, not an image, a pickle not
trusted, a folder where a file is expected); 5 a file or folder that cannot be
written or read (permissions, a read-only or full disk: ``train`` checks its
output folder before training, and a model it then cannot save is saved in the
working directory or the temporary folder, as the message says); 130
interrupted by a second Ctrl-C (the first one stops training after the current
step, and the command goes on with the model trained so far); 6 ``train``'s
training diverged, or its model learned nothing (the training loss did not fall,
or the test accuracy is no better than always answering the most frequent
digit): a warning on standard error says to lower ``--alpha`` or use ``--solver
adam``, and a model that finished training is still saved with its figures.
"""

import argparse
import os
import sys

from sklearn_scratchnet import __version__
from sklearn_scratchnet.cli import evaluate, export, info, predict, train
from sklearn_scratchnet.cli._common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    HANDLED,
    report,
)


def main(argv=None):
    """Run the ``scratchnet`` command.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the command name; ``sys.argv[1:]`` when None.

    Returns
    -------
    exit_code : int
        0 on success; see the module's documentation for the others.
    """
    args = build_parser().parse_args(argv)
    device = getattr(args, "device", None)
    if argv is None and device is not None and os.environ.get("SCIPY_ARRAY_API") != "1":
        # Training on another array library: SciPy reads SCIPY_ARRAY_API once,
        # when first imported (it is already): start again with it set, as
        # scikit-learn's array API dispatch needs.
        command = [sys.executable, "-m", "sklearn_scratchnet", *sys.argv[1:]]
        os.execve(sys.executable, command, {**os.environ, "SCIPY_ARRAY_API": "1"})
    try:
        return args.run(args) or EXIT_OK
    except HANDLED as exc:
        return report(args.command, exc)
    except KeyboardInterrupt:
        print(f"scratchnet {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def build_parser():
    """The argument parser of the ``scratchnet`` command and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="scratchnet",
        description="Train, evaluate and use the origin note's two-layer network "
        "(784 pixels -> hidden ReLU layer -> softmax) on MNIST digits.",
        epilog="Exit codes: 0 success, 1 other failure, 2 bad usage, 3 file, "
        "data or device not found, 4 invalid file (corrupt data, not a model, not "
        "an image, a pickle without --trust-pickle, untrusted types), 5 cannot "
        "write or "
        "read a file (the message says where a trained model was kept), 6 the "
        "training diverged or learned nothing (lower --alpha), 130 a second "
        "Ctrl-C.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (train, evaluate, predict, info, export):
        command.add_parser(commands)
    return parser


__all__ = ["build_parser", "main"]
