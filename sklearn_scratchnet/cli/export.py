"""``scratchnet export``: a saved model as an ONNX graph, for ONNX runtimes."""

from pathlib import Path

from sklearn_scratchnet.cli._common import (
    EXIT_CANNOT_WRITE,
    EXIT_FAILURE,
    CommandError,
    add_command,
    check_output,
    load_model,
    reason,
)
from sklearn_scratchnet.persistence import classifier_of


def add_export_parser(commands):
    """Add ``scratchnet export`` to the sub-command parsers ``commands``."""
    export = add_command(
        commands,
        "export",
        export_command,
        help="write a model as an ONNX graph, for ONNX runtimes",
        description="Convert a saved model to ONNX with skl2onnx (the onnx extra: "
        'python -m pip install ".[onnx]" in a clone). The graph takes X, pixels / 255 '
        "in the model's dtype, of shape (N, inputs), and gives label (N,) and "
        "probabilities (N, classes), as predict and predict_proba.",
    )
    export.add_argument(
        "out",
        type=Path,
        metavar="OUT.onnx",
        help="the ONNX file to write (replaced if it exists)",
    )


def export_command(args):
    """``scratchnet export``: the model as an ONNX graph, written atomically."""
    model, _ = load_model(args)
    clf = classifier_of(model)
    from sklearn_scratchnet.onnx import save_onnx

    if not args.out.is_dir():
        check_output(args.out, "OUT.onnx")
    try:
        # The input is (N, clf.n_features_in_) in the model's dtype.
        onnx_model = save_onnx(model, args.out)
    except ImportError as exc:
        raise CommandError(str(exc), EXIT_FAILURE) from exc
    except OSError as exc:
        if isinstance(exc, IsADirectoryError):
            raise
        raise CommandError(
            f"cannot write {args.out}: {reason(exc, args.out)}.", EXIT_CANNOT_WRITE
        ) from exc
    opset = next(o.version for o in onnx_model.opset_import if o.domain == "")
    print(
        f"ONNX model written to {args.out} ({args.out.stat().st_size:,} bytes, "
        f"opset {opset})."
    )
    pixels = "pixels / 255" if model is clf else "pixels 0-255: the pipeline scales"
    print(
        f"Input: {onnx_model.graph.input[0].name}, {clf.W1_.dtype} of shape "
        f"(N, {model.n_features_in_}) ({pixels}). Outputs: label (N,) and "
        f"probabilities (N, {len(clf.classes_)}) for the classes "
        f"{clf.classes_.tolist()}."
    )
