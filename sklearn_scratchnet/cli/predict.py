"""``scratchnet predict``: the likeliest digits in image files."""

from pathlib import Path

import numpy as np

from sklearn_scratchnet import images
from sklearn_scratchnet.cli._common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    add_command,
    check_features,
    report,
    require_extras,
)
from sklearn_scratchnet.persistence import classifier_of, load_model


def add_parser(commands):
    """Add ``scratchnet predict`` to the sub-command parsers ``commands``."""
    predict = add_command(
        commands,
        "predict",
        predict_command,
        help="predict the digit in image files",
        description="Read photos or drawings of single digits (PNG, JPEG, ...; "
        "any size; dark on light or light on dark, shaded or noisy), preprocess "
        "them the MNIST way (background and ink separated, scaled into 20x20, "
        "centred by mass in 28x28) and print, for each, the predicted digit and "
        "its probability, then the next two most likely digits: "
        "'digit.png: 7 (probability 0.930); then 1 (0.040), 2 (0.010)'.",
    )
    predict.add_argument("images", type=Path, nargs="+", metavar="IMAGE")
    predict.add_argument(
        "--save-input",
        type=Path,
        metavar="DIR",
        help="also save the 28x28 image the model sees for each IMAGE, as "
        "DIR/<IMAGE's name>.png (white digit on black, as MNIST's); DIR is "
        "created if missing",
    )


def predict_command(args):
    """``scratchnet predict``: each image's likeliest digits, with probabilities."""
    require_extras("PIL")
    if args.save_input is not None and args.save_input.is_file():
        raise CommandError(
            f"--save-input {args.save_input}: this is a file, not a folder. "
            "Give a folder to save the 28x28 inputs in (it is created if "
            "missing).",
            EXIT_USAGE,
        )
    model, _ = load_model(args.model, trust_pickle=args.trust_pickle)
    pixels = images.IMAGE_SIZE * images.IMAGE_SIZE
    check_features(model, pixels, f"the {pixels} pixels of a 28x28 image")
    exit_code = EXIT_OK
    saved = set()
    for path in args.images:
        try:
            digit = images.load_digit_image(path)
        except (FileNotFoundError, images.DigitImageError) as exc:
            # Report it and go on with the other images; the first error decides
            # the exit code.
            code = report("predict", exc)
            exit_code = exit_code or code
            continue
        print(_likeliest_digits(model, digit, path))
        if args.save_input is not None:
            _save_input(digit, path, args.save_input, saved)
    return exit_code


def _likeliest_digits(model, digit, path):
    """``'digit.png: 7 (probability 0.930); then 1 (0.040), 2 (0.010)'``."""
    # The digit's pixels are in [0, 1]; a Pipeline scales 0-255 pixels itself.
    X = digit[np.newaxis] if model is classifier_of(model) else digit[np.newaxis] * 255
    proba = model.predict_proba(X)[0]
    classes = classifier_of(model).classes_
    best, *others = np.argsort(-proba, kind="stable")[:3]
    line = f"{path}: {classes[best]} (probability {proba[best]:.3f})"
    if others:
        line += "; then " + ", ".join(f"{classes[i]} ({proba[i]:.3f})" for i in others)
    return line


def _save_input(digit, path, folder, saved):
    """Save the 28x28 input read from ``path`` in ``folder``, under a name not in
    ``saved`` (the names already used, which it extends)."""
    from PIL import Image

    name = Path(path).stem
    copies = 1
    while name in saved:
        copies += 1
        name = f"{Path(path).stem}-{copies}"
    saved.add(name)
    folder.mkdir(parents=True, exist_ok=True)
    side = images.IMAGE_SIZE
    Image.fromarray(np.uint8(np.rint(digit.reshape(side, side) * 255))).save(
        folder / f"{name}.png"
    )
