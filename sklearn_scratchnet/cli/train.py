"""``scratchnet train``: fit on MNIST, report, save the model and its figures."""

import difflib
import re
import sys
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.metrics import get_scorer_names
from sklearn.utils._param_validation import Interval, InvalidParameterError

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet._holdout import stratified_hold_out
from sklearn_scratchnet.cli._common import (
    EXIT_CANNOT_WRITE,
    EXIT_NOT_LEARNED,
    EXIT_USAGE,
    CommandError,
    add_command,
    check_output,
    reason,
    require_extras,
)
from sklearn_scratchnet.cli._fitting import (
    DIVERGENCE_HINT,
    fit_with_progress,
    training_device,
)
from sklearn_scratchnet.cli._results import print_test_results, validation_score_name
from sklearn_scratchnet.cli._saving import (
    figure_paths,
    model_format,
    save_figures,
    save_model,
)
from sklearn_scratchnet.datasets import load_data_set, scale_pixels

# The options between --data and --device, in --help's order, by the parameter
# of ScratchMLPClassifier they are named after; each takes the parameter's
# default unless it says otherwise.
_OPTIONS = {
    "hidden_size": dict(
        type=int, metavar="H", help="hidden units, the note's h (default: %(default)s)"
    ),
    "alpha": dict(
        type=float,
        metavar="A",
        help="learning rate, the note's alpha (default: %(default)s); if the "
        "model learns nothing, lower it or use --solver adam with --alpha 0.001",
    ),
    "solver": dict(
        choices=["sgd", "adam", "lbfgs"],
        help="update rule: sgd, the note's W -= alpha dW (with --momentum), "
        "adam, or lbfgs (SciPy's L-BFGS-B on all the digits at once; --max-iter "
        "counts its iterations) (default: %(default)s)",
    ),
    "momentum": dict(
        type=float,
        metavar="MU",
        help="momentum of sgd, in [0, 1] (default: %(default)s: the note's update)",
    ),
    "activation": dict(
        choices=sorted(
            ScratchMLPClassifier._parameter_constraints["activation"][0].options
        ),
        help="hidden activation (default: %(default)s, the note's)",
    ),
    "batch_size": dict(
        type=int,
        metavar="B",
        help="samples per gradient step (default: the whole training set, one "
        "step per pass, as in the note)",
    ),
    "max_iter": dict(
        type=int,
        metavar="N",
        help="passes over the training digits (epochs) (default: %(default)s)",
    ),
    "l2": dict(
        type=float,
        metavar="L2",
        help="L2 penalty on the weights (default: %(default)s)",
    ),
    "dropout": dict(
        type=float,
        metavar="RATE",
        help="share of the hidden units dropped at random in each training step "
        "(inverted dropout; the full network predicts), in [0, 1); with sgd or "
        "adam (default: %(default)s: none, as in the note)",
    ),
    "class_weight": dict(
        choices=["balanced"],
        help="'balanced' weighs each digit inversely to its frequency "
        "(default: all digits weigh the same)",
    ),
    "early_stopping": dict(
        action="store_true",
        help="stop when the validation score (--scoring) stops improving, keep "
        "the best pass's weights (default: train --max-iter passes)",
    ),
    "scoring": dict(
        metavar="SCORER",
        help="the validation score of each pass, which --early-stopping follows "
        "and the summary and the progress bar show: 'loss' (minus the "
        "validation loss) or a scikit-learn scorer name, such as "
        "balanced_accuracy or f1_macro (default: the accuracy)",
    ),
    "validation_fraction": dict(
        type=float,
        metavar="F",
        help="share of the training digits held out to score each pass, in "
        "[0, 1); 0 for none (default: %(default)s)",
    ),
    "random_state": dict(
        type=int,
        default=0,
        metavar="S",
        help="seed of the initial weights, shuffling and hold-out (default: "
        "%(default)s: reproducible)",
    ),
}


def _option(name):
    """The option named after a parameter: ``--hidden-size`` for hidden_size."""
    return "--" + name.replace("_", "-")


# The options that are the classifier's parameters (the command holds out the
# validation digits itself, so --validation-fraction is not one of them).
_TRAIN_PARAMETERS = {
    name: _option(name) for name in _OPTIONS if name != "validation_fraction"
}


def add_parser(commands):
    """Add ``scratchnet train`` to the sub-command parsers ``commands``."""
    train = add_command(
        commands,
        "train",
        train_command,
        model=False,
        data=True,
        help="train a model, report its test accuracy, save it and its figures",
        description="Train ScratchMLPClassifier on MNIST pixels / 255 with a live "
        "progress bar, print the test accuracy and a per-class report, save the "
        "model (as a skops file, or joblib for a .joblib name) and write PNG "
        "figures next to it "
        "(MODEL-loss.png, MODEL-hidden-units.png, MODEL-confusion-matrix.png, "
        "MODEL-misclassified.png). The defaults are the note's algorithm. "
        "Ctrl-C stops the training after the current step and goes on with the "
        "model trained so far.",
    )
    defaults = ScratchMLPClassifier().get_params()
    for name, settings in _OPTIONS.items():
        train.add_argument(_option(name), **{"default": defaults[name], **settings})
    train.add_argument(
        "--device",
        default=None,
        metavar="DEVICE",
        help="train with PyTorch tensors on DEVICE (cuda, cuda:1, mps or cpu): "
        "the same equations run there, through scikit-learn's array API; the "
        "saved model holds NumPy arrays and works anywhere. Needs PyTorch (pip "
        "install torch==2.13.0) (default: NumPy on the CPU)",
    )
    train.add_argument(
        "--out",
        type=Path,
        default=Path("model.skops"),
        metavar="MODEL",
        help="where to save the model: a skops file, safe to share (default: "
        "model.skops), or a pickle for a name ending in .joblib or .pkl",
    )


def train_command(args):
    """``scratchnet train``: fit, report, save the model and the figures."""
    require_extras("sklearn.callback", "rich", "matplotlib")
    if model_format(args.out) == "skops":
        require_extras("skops.io")
    clf = _classifier_from(args)
    device = training_device(args.device)
    _check_validation_arguments(args)
    check_output(args.out, "--out", figures=figure_paths(args.out).values())
    data = load_data_set(args.data)
    print(f"Data: {data.description}")
    X_train, X_test = scale_pixels(data.X_train), scale_pixels(data.X_test)
    y_train, y_test = data.y_train, data.y_test
    X_val = y_val = None
    if args.validation_fraction > 0:
        try:
            X_train, X_val, y_train, y_val = stratified_hold_out(
                X_train,
                y_train,
                fraction=args.validation_fraction,
                random_state=args.random_state,
                remedy="Give a larger --validation-fraction, or --validation-fraction "
                "0 to train on all the training digits without validation.",
            )
        except ValueError as exc:  # too few digits of a class to hold any out
            raise CommandError(str(exc), EXIT_USAGE) from exc
        print(
            f"Held out {len(y_val):,} training digits to score each pass; "
            f"training on {len(y_train):,}."
        )

    print(f"Model: {clf!r}")
    if device is not None:
        print(f"Device: {device} (PyTorch tensors, scikit-learn's array API)")
    clf, seconds, interrupted = fit_with_progress(
        clf, X_train, y_train, X_val, y_val, device
    )
    print(_training_summary(clf, seconds, interrupted))
    y_pred = clf.predict(X_test)
    print_test_results(y_test, y_pred)
    useless = _learned_nothing(clf, y_test, y_pred)

    save_model(clf, args.out)
    print(f"Model saved to {args.out}")
    try:
        written = save_figures(clf, X_test, y_test, args.out)
    except OSError as exc:
        raise CommandError(
            f"cannot write the figure {exc.filename or args.out.parent}: "
            f"{reason(exc)}. The model is saved in {args.out}.",
            EXIT_CANNOT_WRITE,
        ) from exc
    print("Figures:")
    for path, what in written:
        print(f"  {path}  ({what})")
    if useless:
        print(
            f"scratchnet train: warning: the model learned nothing: {useless}. "
            f"{DIVERGENCE_HINT}",
            file=sys.stderr,
        )
        return EXIT_NOT_LEARNED


def _classifier_from(args):
    """The classifier the options describe, its parameters checked before any work.

    Raises
    ------
    CommandError
        With exit code 2 and the option's name, for a value the classifier
        refuses (``--alpha must be > 0; got 0.0``).
    """
    clf = ScratchMLPClassifier(
        **{name: getattr(args, name) for name in _TRAIN_PARAMETERS}
    )
    try:
        clf._validate_params()
    except InvalidParameterError as exc:
        raise CommandError(_option_error(exc), EXIT_USAGE) from exc
    if clf.dropout > 0 and clf.solver == "lbfgs":
        raise CommandError(
            "--dropout needs --solver sgd or adam: lbfgs needs the same loss at "
            "every evaluation, and dropout draws new masks each time.",
            EXIT_USAGE,
        )
    _check_scoring(clf.scoring)
    return clf


def _check_scoring(scoring):
    """Refuse a ``--scoring`` that is neither "loss" nor a scorer's name."""
    names = get_scorer_names()
    if scoring is None or scoring == "loss" or scoring in names:
        return
    close = difflib.get_close_matches(scoring, ["loss", *names], n=3)
    hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
    raise CommandError(
        f"--scoring must be 'loss' or the name of a scikit-learn scorer "
        f"(sklearn.metrics.get_scorer_names()); got {scoring!r}{hint}.",
        EXIT_USAGE,
    )


def _option_error(exc):
    """scikit-learn's message on an invalid parameter, in the option's words."""
    message = str(exc)
    match = re.match(r"The '(\w+)' parameter of \w+ must be (.*)\. Got (.*) instead\.$",
                     message, re.S)  # fmt: skip
    if not match or match.group(1) not in _TRAIN_PARAMETERS:
        return message
    name, requirement, got = match.groups()
    constraint = ScratchMLPClassifier._parameter_constraints[name][-1]
    if isinstance(constraint, Interval):
        requirement = _describe_interval(constraint)
    elif name == "random_state":
        requirement = "an integer >= 0 and <= 4294967295"
    return f"{_TRAIN_PARAMETERS[name]} must be {requirement}; got {got}."


def _describe_interval(interval):
    """``'> 0'``, ``'an integer >= 1'``, ``'>= 0 and < 1'``: an Interval in words."""
    bounds = []
    if interval.left is not None:
        closed = interval.closed in ("left", "both")
        bounds.append(f"{'>=' if closed else '>'} {interval.left:g}")
    if interval.right is not None:
        closed = interval.closed in ("right", "both")
        bounds.append(f"{'<=' if closed else '<'} {interval.right:g}")
    words = " and ".join(bounds)
    return f"an integer {words}" if interval.type is Integral else words


def _check_validation_arguments(args):
    """Refuse a validation fraction out of range, or early stopping without one."""
    if not 0 <= args.validation_fraction < 1:
        raise CommandError(
            f"--validation-fraction must be in [0, 1); got {args.validation_fraction}.",
            EXIT_USAGE,
        )
    for option in ("early_stopping", "scoring"):
        if getattr(args, option) and args.validation_fraction == 0:
            raise CommandError(
                f"{_option(option)} needs validation digits: give a "
                "--validation-fraction above 0.",
                EXIT_USAGE,
            )


def _training_summary(clf, seconds, interrupted=None):
    """Why and after how many passes the training stopped, and its scores."""
    if interrupted:
        why = "interrupted with Ctrl-C"
    elif clf.n_iter_ == clf.max_iter:
        why = "max_iter reached"
    elif clf.early_stopping:
        why = (
            f"{validation_score_name(clf)} did not improve for "
            f"{clf.n_iter_no_change} passes; the best pass's weights are kept"
        )
    else:
        why = f"training loss did not improve for {clf.n_iter_no_change} passes"
    lines = [f"Trained {clf.n_iter_} passes in {seconds:.1f} s ({why})."]
    if interrupted:
        lines.append(interrupted)
    if clf.loss_curve_:
        lines.append(
            f"Training loss: {clf.loss_curve_[-1]:.4f} "
            f"(first pass {clf.loss_curve_[0]:.4f})."
        )
    if clf.validation_scores_:
        name = validation_score_name(clf)
        best = int(np.argmax(clf.validation_scores_))
        lines.append(
            f"{name[0].upper()}{name[1:]}: {clf.validation_scores_[-1]:.4f} "
            f"(best {clf.validation_scores_[best]:.4f} at pass {best + 1})."
        )
    return "\n".join(lines)


def _learned_nothing(clf, y_test, y_pred):
    """Why the trained model is useless, or None: its training loss did not
    fall, or its test accuracy is no better than always answering the most
    frequent test label (what a diverged network does)."""
    losses = clf.loss_curve_
    if not np.all(np.isfinite(losses)) or (len(losses) > 1 and losses[-1] >= losses[0]):
        return (
            f"its training loss did not fall (first pass {losses[0]:.4f}, last "
            f"{losses[-1]:.4f})"
        )
    accuracy = np.mean(y_pred == y_test)
    _, counts = np.unique(y_test, return_counts=True)
    if len(y_test) and accuracy <= counts.max() / len(y_test):
        return (
            f"its test accuracy {accuracy:.4f} is no better than always answering "
            f"the most frequent label ({counts.max() / len(y_test):.4f})"
        )
    return None
