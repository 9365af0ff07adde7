"""scratchnet predict on photos: the likeliest digits, and the inputs it saw."""

import re
import warnings

import numpy as np
import pytest
from PIL import Image
from sklearn.exceptions import ConvergenceWarning
from test_cli import run
from test_images import PHOTOS, photo

from sklearn_scratchnet import ScratchMLPClassifier, persistence
from sklearn_scratchnet.datasets import load_mnist_sample
from sklearn_scratchnet.images import load_digit_image

# "path: 7 (probability 0.930); then 1 (0.040), 2 (0.010)"
LINE = re.compile(
    r"^(?P<path>.+): (?P<digit>\d) \(probability (?P<p>[01]\.\d{3})\); "
    r"then (?P<d2>\d) \((?P<p2>[01]\.\d{3})\), (?P<d3>\d) \((?P<p3>[01]\.\d{3})\)$",
    re.M,
)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A model trained on the MNIST sample, saved: (path, X_test, y_test)."""
    sample = load_mnist_sample()
    clf = ScratchMLPClassifier(
        hidden_size=64, solver="adam", alpha=0.01, batch_size=64, max_iter=10,
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(sample.X_train / 255, sample.y_train)
    path = tmp_path_factory.mktemp("model") / "digits.skops"
    persistence.dump(clf, path)
    return path, sample.X_test / 255, sample.y_test


@pytest.fixture(scope="module")
def photos(model, tmp_path_factory):
    """Photo-like JPEG files of test digits, one of each kind: (paths, labels)."""
    _, X_test, y_test = model
    folder = tmp_path_factory.mktemp("photos")
    paths, labels = [], []
    for i, kind in enumerate(PHOTOS):
        for j in range(2):
            n = 2 * i + j
            path = folder / f"photo{n}.jpg"
            pixels = np.uint8(np.rint(photo(X_test[n], seed=n, **PHOTOS[kind]) * 255))
            Image.fromarray(pixels).save(path, quality=90)
            paths.append(path)
            labels.append(y_test[n])
    return paths, np.array(labels)


def test_predict_prints_the_three_likeliest_digits(model, photos):
    path, _, _ = model
    paths, labels = photos
    clf = persistence.load(path)
    code, out, err = run("predict", path, *paths)
    assert code == 0, err
    lines = {m["path"]: m for m in LINE.finditer(out)}
    assert len(lines) == len(paths) == len(out.splitlines())
    for image in paths:
        line = lines[str(image)]
        proba = clf.predict_proba(load_digit_image(image)[np.newaxis])[0]
        top = np.argsort(-proba)[:3]
        assert [int(line[k]) for k in ("digit", "d2", "d3")] == list(top)
        shown = [float(line[k]) for k in ("p", "p2", "p3")]
        np.testing.assert_allclose(shown, proba[top], atol=5e-4)
    predicted = np.array([int(lines[str(image)]["digit"]) for image in paths])
    # Measured: 13 of 16 (two photos of each kind in test_images.PHOTOS).
    assert np.mean(predicted == labels) >= 0.7


def test_predict_saves_the_input_the_model_sees(model, photos, tmp_path):
    path, _, _ = model
    paths, _ = photos
    seen = tmp_path / "seen" / "inputs"
    twin = tmp_path / "twin"
    twin.mkdir()
    (twin / paths[0].name).write_bytes(paths[0].read_bytes())
    code, out, err = run("predict", path, *paths, twin / paths[0].name,
                         "--save-input", seen)  # fmt: skip
    assert code == 0, err
    for image in paths:
        with Image.open(seen / f"{image.stem}.png") as saved:
            assert saved.size == (28, 28) and saved.mode == "L"
            pixels = np.asarray(saved) / 255
        # Saved as 8 bits: within half a level of what the model sees.
        np.testing.assert_allclose(
            pixels.ravel(), load_digit_image(image), atol=0.5 / 255 + 1e-6
        )
    # Two images of the same name are both kept.
    assert (seen / f"{paths[0].stem}-2.png").is_file()
    assert len(list(seen.iterdir())) == len(paths) + 1


def test_predict_refuses_a_file_as_the_input_folder(model, photos, tmp_path):
    path, _, _ = model
    paths, _ = photos
    taken = tmp_path / "inputs"
    taken.write_text("not a folder")
    code, out, err = run("predict", path, paths[0], "--save-input", taken)
    assert code == 2 and out == ""
    assert f"--save-input {taken}: this is a file, not a folder" in err


def test_a_model_of_two_classes_shows_both(tmp_path):
    sample = load_mnist_sample()
    keep = np.isin(sample.y_train, [0, 1])
    clf = ScratchMLPClassifier(solver="adam", alpha=0.01, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(sample.X_train[keep] / 255, sample.y_train[keep])
    path = tmp_path / "zero-one.skops"
    persistence.dump(clf, path)
    image = tmp_path / "one.png"
    one = sample.X_test[sample.y_test == 1][0] / 255
    Image.fromarray(np.uint8(np.rint(photo(one, seed=1) * 255))).save(image)
    code, out, err = run("predict", path, image)
    assert code == 0, err
    pattern = r": 1 \(probability [01]\.\d{3}\); then 0 \([01]\.\d{3}\)\n"
    assert re.fullmatch(re.escape(str(image)) + pattern, out)


def test_predict_gives_a_saved_pipeline_the_raw_pixels_it_was_trained_on(
    photos, tmp_path
):
    """A Pipeline scales the pixels itself: it gets them 0-255, as in evaluate."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    sample = load_mnist_sample()
    pipeline = make_pipeline(
        MinMaxScaler(),
        ScratchMLPClassifier(
            hidden_size=32, solver="adam", alpha=0.01, batch_size=64, max_iter=5,
            random_state=0,
        ),
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(sample.X_train, sample.y_train)
    path = tmp_path / "pipeline.skops"
    persistence.dump(pipeline, path)
    image = photos[0][0]
    code, out, _ = run("predict", path, image)
    assert code == 0
    expected = pipeline.predict_proba(load_digit_image(image)[np.newaxis] * 255)[0]
    printed = LINE.search(out)
    assert int(printed["digit"]) == int(np.argmax(expected))
    assert float(printed["p"]) == pytest.approx(expected.max(), abs=5e-4)
