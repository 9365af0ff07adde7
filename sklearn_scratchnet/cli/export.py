"""``scratchnet export``: a saved model as an ONNX graph, for ONNX runtimes, or as
one offline HTML page that runs it on digits drawn in a browser."""

from pathlib import Path

from sklearn_scratchnet.cli._common import (
    EXIT_CANNOT_WRITE,
    EXIT_FAILURE,
    EXIT_INVALID_FILE,
    CommandError,
    add_command,
    check_output,
    reason,
)
from sklearn_scratchnet.persistence import classifier_of, load_model


def add_parser(commands):
    """Add ``scratchnet export`` to the sub-command parsers ``commands``."""
    export = add_command(
        commands,
        "export",
        export_command,
        help="write a model as an ONNX graph, or as a page to draw digits on",
        description="Convert a saved model to ONNX with skl2onnx (the onnx extra: "
        'python -m pip install ".[onnx]" in a clone). The graph takes X, pixels / 255 '
        "in the model's dtype, of shape (N, inputs), and gives label (N,) and "
        "probabilities (N, classes), as predict and predict_proba. For OUT.html "
        "(or .htm), write instead one self-contained HTML page that runs the model "
        "on digits drawn in a browser, with no network (models of 784 pixels).",
    )
    export.add_argument(
        "out",
        type=Path,
        metavar="OUT",
        help="the file to write (replaced if it exists): OUT.onnx an ONNX graph, "
        "OUT.html the page",
    )


def export_command(args):
    """``scratchnet export``: the model as an ONNX graph, or as a page for an
    .html file, written atomically; a model the format cannot carry is an
    invalid input (exit code 4)."""
    model, _ = load_model(args.model, trust_pickle=args.trust_pickle)
    clf = classifier_of(model)
    from sklearn_scratchnet.onnx import save_onnx
    from sklearn_scratchnet.page import SUFFIXES, save_html

    page = args.out.suffix.lower() in SUFFIXES  # the suffix chooses
    if not args.out.is_dir():
        check_output(args.out, "OUT.html" if page else "OUT.onnx")
    try:
        # The ONNX graph's input is (N, clf.n_features_in_) in the model's dtype.
        written = (save_html if page else save_onnx)(model, args.out)
    except ImportError as exc:
        raise CommandError(str(exc), EXIT_FAILURE) from exc
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_INVALID_FILE) from exc
    except OSError as exc:
        if isinstance(exc, IsADirectoryError):
            raise
        raise CommandError(
            f"cannot write {args.out}: {reason(exc, args.out)}.", EXIT_CANNOT_WRITE
        ) from exc
    size = f"{args.out.stat().st_size:,} bytes"
    if page:
        print(
            f"Page written to {args.out} ({size}): open it in a browser and draw "
            "a digit (it loads nothing from the network)."
        )
        print(
            f"Model: {clf.n_features_in_} pixels -> {clf.W1_.shape[0]} hidden units "
            f"({clf.activation}) -> {len(clf.classes_)} classes "
            f"{clf.classes_.tolist()}."
        )
        return
    opset = next(o.version for o in written.opset_import if o.domain == "")
    print(f"ONNX model written to {args.out} ({size}, opset {opset}).")
    pixels = "pixels / 255" if model is clf else "pixels 0-255: the pipeline scales"
    print(
        f"Input: {written.graph.input[0].name}, {clf.W1_.dtype} of shape "
        f"(N, {model.n_features_in_}) ({pixels}). Outputs: label (N,) and "
        f"probabilities (N, {len(clf.classes_)}) for the classes "
        f"{clf.classes_.tolist()}."
    )
