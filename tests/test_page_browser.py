"""The "draw a digit" page in headless Chromium (Debian's ``chromium``), offline.

Each test writes the exported page with a test script added at its end, opens
it from disk with every network request sent to a closed port, and reads back
the JSON the script leaves in the page (``--dump-dom``): the page's
probabilities against ``predict_proba``, strokes drawn with pointer events
against :func:`sklearn_scratchnet.images.load_digit_image` on a PNG of the same
canvas, the keyboard, a phone-sized screen and the forward pass's time. The
tests skip where Chromium is absent; ``.ci/run`` runs them after installing it
and fails if they skip there.
"""

import base64
import html
import json
import re
import subprocess
import warnings

import numpy as np
import pytest
from PIL import Image, ImageDraw
from sklearn.exceptions import ConvergenceWarning
from test_docs_site import chromium

from sklearn_scratchnet import ScratchMLPClassifier, images
from sklearn_scratchnet.datasets import load_mnist_sample, scale_pixels
from sklearn_scratchnet.page import to_html

# A digit's strokes on the 280 x 280 canvas: lists of (x, y) points.
STROKES = {
    "seven": [[(80, 60), (140, 58), (205, 62), (170, 140), (135, 235)]],
    "one": [[(150, 40), (148, 120), (146, 240)]],
    "zero": [
        [
            (140 + 60 * np.sin(t), 140 - 95 * np.cos(t))
            for t in np.linspace(0, 2 * np.pi, 40)
        ]
    ],
    "four, two strokes": [
        [(170, 40), (90, 170), (200, 170)],
        [(170, 110), (170, 250)],
    ],
    "small two, far from the centre": [
        [(20, 30), (40, 15), (60, 30), (25, 75), (65, 75)],
    ],
}

# The test script's helpers: draw strokes with pointer events as a pen does,
# press a key, read the digit shown, in this page or another window's (a frame).
HELPERS = """
const pad = document.getElementById("pad");
function draw(strokes, win = window) {
  const canvas = win.document.getElementById("pad");
  const box = canvas.getBoundingClientRect();
  const at = ([x, y]) => ({
    clientX: box.left + (x * box.width) / canvas.width,
    clientY: box.top + (y * box.height) / canvas.height,
    pointerId: 1, pointerType: "pen", isPrimary: true, buttons: 1,
    bubbles: true, cancelable: true,
  });
  const send = (type, point) =>
    canvas.dispatchEvent(new win.PointerEvent(type, at(point)));
  for (const stroke of strokes) {
    send("pointerdown", stroke[0]);
    for (const point of stroke.slice(1)) send("pointermove", point);
    send("pointerup", stroke[stroke.length - 1]);
  }
}
const press = (key, win = window) =>
  win.document.dispatchEvent(new win.KeyboardEvent("keydown", {key, bubbles: true}));
const shown = (win = window) =>
  win.document.querySelector("#answer .digit").textContent;
const report = () => {
  const out = document.getElementById("scratchnet-test-results");
  out.textContent = JSON.stringify(results);
};
"""


def fitted(X, y, **params):
    settings = dict(
        hidden_size=32, solver="adam", alpha=0.01, batch_size=200, max_iter=10,
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ScratchMLPClassifier(**{**settings, **params}).fit(X, y)


@pytest.fixture(scope="module")
def browser():
    return chromium()


@pytest.fixture(scope="module")
def digits_model():
    sample = load_mnist_sample()
    return fitted(scale_pixels(sample.X_train), sample.y_train)


def run_page(browser, page, script, tmp_path, *flags):
    """Open ``page`` with ``script`` run at its end in headless Chromium, with
    no network; return the ``results`` object the script fills."""
    test = (
        "<script>\n{\nconst results = {};\ntry {\n" + HELPERS + script + "\n} catch "
        "(error) {\n  results.error = `${error}\\n${error.stack}`;\n}\n"
        # Every resource the page asked for, loaded or not: there must be none.
        "results.resources = performance.getEntriesByType('resource')"
        ".map((entry) => entry.name);\n"
        "const out = document.createElement('pre');\n"
        "out.id = 'scratchnet-test-' + 'results';\n"
        "out.hidden = true;\n"
        "out.textContent = JSON.stringify(results);\n"
        "document.body.append(out);\n}\n</script>\n"
    )
    harness = tmp_path / "harness.html"
    harness.write_text(page.replace("</body>", test + "</body>"), encoding="utf-8")
    command = [
        browser,
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # No network: every request goes to a proxy on a closed port, and no
        # host name resolves.
        "--proxy-server=http://127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp_path / 'profile'}",
        *flags,
        harness.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    if "--dump-dom" not in flags:
        return None
    match = re.search(
        r'<pre id="scratchnet-test-results"[^>]*>(.*?)</pre>', result.stdout, re.S
    )
    assert match, result.stdout[-2000:]
    results = json.loads(html.unescape(match[1]))
    assert "error" not in results, results["error"]
    assert results.pop("resources") == []
    return results


def png_of(data_url, path):
    path.write_bytes(base64.b64decode(data_url.split(",", 1)[1]))
    return path


@pytest.mark.mnist
@pytest.mark.parametrize(
    "activation, labels",
    [
        ("relu", "digits"),
        ("tanh", "digits"),
        ("logistic", "digits"),
        ("identity", "digits"),
        ("relu", "even or odd"),
    ],
)
def test_predict_proba_in_the_page_equals_predict_proba(
    browser, mnist_subset, tmp_path, activation, labels
):
    # 1,000 MNIST test digits; a binary model has one logistic output unit.
    X_train, X_test, y_train, _ = mnist_subset
    if labels == "even or odd":
        y_train = np.where(y_train % 2, "odd", "even")
    clf = fitted(X_train, y_train, activation=activation)
    grey_levels = np.rint(X_test * 255).astype(int)
    script = (
        f"const digits = {json.dumps(grey_levels.tolist())};\n"
        "results.proba = digits.map((d) => Array.from(scratchnet.predictProba(d)));\n"
    )
    results = run_page(browser, to_html(clf), script, tmp_path, "--dump-dom")
    proba = np.array(results["proba"])

    expected = clf.predict_proba(X_test)
    assert proba.shape == expected.shape == (1000, len(clf.classes_))
    assert np.abs(proba - expected).max() <= 1e-5
    predicted = clf.classes_[proba.argmax(axis=1)]
    np.testing.assert_array_equal(predicted, clf.predict(X_test))


def test_a_drawn_digit_is_preprocessed_as_scratchnet_predict_does(
    browser, digits_model, tmp_path
):
    # Strokes drawn with pointer events: the page's 28 x 28 input is what
    # images.load_digit_image makes of a PNG of the same canvas, and the
    # page shows the digit the model predicts from that input.
    script = (
        f"const digits = {json.dumps(STROKES)};\n"
        "results.digits = {};\n"
        "for (const [name, strokes] of Object.entries(digits)) {\n"
        "  draw(strokes);\n"
        "  const read = scratchnet.read();\n"
        "  results.digits[name] = {pixels: Array.from(read.pixels), "
        "proba: read.proba, png: pad.toDataURL('image/png'), shown: shown()};\n"
        "  scratchnet.clear();\n"
        "}\n"
    )
    results = run_page(browser, to_html(digits_model), script, tmp_path, "--dump-dom")
    for name, drawn in results["digits"].items():
        canvas = png_of(drawn["png"], tmp_path / f"{name}.png")
        assert np.asarray(Image.open(canvas).convert("L")).min() == 0, name  # ink
        expected = images.load_digit_image(canvas)
        pixels = np.array(drawn["pixels"], dtype=np.float32)
        assert np.abs(pixels - expected).max() * 255 <= 3, name  # grey levels
        predicted = digits_model.predict(expected[np.newaxis])[0]
        page_predicted = digits_model.classes_[np.argmax(drawn["proba"])]
        assert page_predicted == predicted, name
        assert drawn["shown"] == str(predicted), name
        np.testing.assert_allclose(
            drawn["proba"], digits_model.predict_proba(pixels[np.newaxis])[0], atol=1e-5
        )


def grey_images():
    """Images of digits (white background), as uint8 grey levels: MNIST's
    own digits enlarged, and lines far thinner, thicker, smaller or larger
    than a drawing's, which preprocess_digit thickens, thins or shrinks."""
    sample = load_mnist_sample()
    found = {}
    for i in range(6):
        digit = Image.fromarray(255 - sample.X_test[i].reshape(28, 28))
        found[f"MNIST digit {i}"] = digit.resize((280, 280), Image.Resampling.BILINEAR)
    lines = {
        "thin": ((280, 280), [(80, 60), (200, 60), (120, 230)], 3),
        "thick": ((280, 280), [(80, 60), (200, 60), (120, 230)], 60),
        "small": ((280, 280), [(120, 120), (150, 120), (130, 160)], 8),
        "large image": ((700, 650), [(100, 100), (500, 100), (300, 600)], 40),
        "wide image": ((300, 200), [(150, 20), (150, 180)], 12),
        "blank": ((100, 100), [(0, 0), (0, 0)], 0),
    }
    for name, (size, points, width) in lines.items():
        image = Image.new("L", size, 255)
        if width:
            ImageDraw.Draw(image).line(points, fill=0, width=width, joint="curve")
        found[name] = image
    return {name: np.asarray(image) for name, image in found.items()}


def test_preprocess_in_the_page_equals_preprocess_digit(
    browser, digits_model, tmp_path
):
    cases = grey_images()
    script = (
        f"const cases = {json.dumps({k: v.tolist() for k, v in cases.items()})};\n"
        "results.digits = {};\n"
        "for (const [name, rows] of Object.entries(cases)) {\n"
        "  const gray = Float32Array.from(rows.flat(), (v) => v / 255);\n"
        "  const digit = scratchnet.preprocess(gray, rows[0].length, rows.length);\n"
        "  results.digits[name] = digit && Array.from(digit);\n"
        "}\n"
    )
    results = run_page(browser, to_html(digits_model), script, tmp_path, "--dump-dom")
    for name, grey in cases.items():
        digit = results["digits"][name]
        if name == "blank":
            with pytest.raises(images.DigitImageError):
                images.preprocess_digit(grey / np.float32(255))
            assert digit is None
            continue
        expected = images.preprocess_digit(grey.astype(np.float32) / 255).ravel()
        assert np.abs(np.array(digit) - expected).max() * 255 <= 3, name


def test_the_page_fits_a_phone_and_clears_with_the_keyboard(
    browser, digits_model, tmp_path
):
    # The page in a frame as wide as a phone (headless Chromium's own window
    # is never narrower than 500 pixels), driven with the pen and the keyboard.
    page = to_html(digits_model)
    source = json.dumps(page).replace("</", "<\\/")  # a string in a script
    script = f"""
const frame = document.createElement("iframe");
frame.style.cssText = "width: 360px; height: 740px; border: 0";
frame.srcdoc = {source};
results.loaded = false;
frame.addEventListener("load", () => {{
  const inner = frame.contentWindow;
  const doc = frame.contentDocument;
  const read = () => [inner.scratchnet.read().pixels, shown(inner)];
  results.width = inner.innerWidth;
  results.scrollWidth = doc.documentElement.scrollWidth;
  results.pad = doc.getElementById("pad").getBoundingClientRect().width;
  results.hiddenCells = doc.querySelectorAll("#hidden span").length;
  draw({json.dumps(STROKES["seven"])}, inner);
  results.drawn = [inner.scratchnet.read().pixels !== null, shown(inner)];
  press("Escape", inner);
  results.afterEscape = read();
  draw({json.dumps(STROKES["one"])}, inner);
  press("Delete", inner);
  results.afterDelete = read();
  draw({json.dumps(STROKES["one"])}, inner);
  const button = doc.getElementById("clear");
  results.button = [button.tagName, button.type, button.textContent];
  button.click();
  results.afterButton = read();
  results.loaded = true;
  report();
}});
document.body.append(frame);
"""
    results = run_page(browser, page, script, tmp_path, "--dump-dom")
    assert results["loaded"], "the frame's checks did not run"
    assert results["width"] == 360
    assert results["scrollWidth"] <= results["width"]  # no sideways scrolling
    assert 250 <= results["pad"] <= 360
    assert results["hiddenCells"] == digits_model.hidden_size
    assert results["drawn"][0] and results["drawn"][1] != "?"
    assert results["afterEscape"] == [None, "?"]
    assert results["afterDelete"] == [None, "?"]
    assert results["button"] == ["BUTTON", "button", "Clear"]  # keyboard-operable
    assert results["afterButton"] == [None, "?"]


def test_the_forward_pass_of_100_hidden_units_takes_less_than_a_frame(
    browser, tmp_path
):
    sample = load_mnist_sample()
    clf = fitted(scale_pixels(sample.X_train), sample.y_train, hidden_size=100)
    page = to_html(clf)
    assert len(page.encode("utf-8")) < 600_000
    script = f"""
const x = Float64Array.from({json.dumps(scale_pixels(sample.X_test[0]).tolist())});
for (let i = 0; i < 200; i++) scratchnet.forward(x);  // warm up
const calls = 2000;
let start = performance.now();
for (let i = 0; i < calls; i++) scratchnet.forward(x);
results.forward = (performance.now() - start) / calls;
draw({json.dumps(STROKES["seven"])});
for (let i = 0; i < 5; i++) scratchnet.read();  // warm up
results.updates = [];
for (let i = 0; i < 20; i++) results.updates.push(scratchnet.read().milliseconds);
"""
    results = run_page(browser, page, script, tmp_path, "--dump-dom")
    update = np.median([u["preprocess"] + u["forward"] for u in results["updates"]])
    print(
        f"h=100 page: {len(page.encode()):,} bytes; forward pass "
        f"{results['forward'] * 1000:.0f} us per image; preprocessing and forward "
        f"pass of a drawing {update:.1f} ms (median of 20)"
    )
    assert results["forward"] < 1000 / 60  # milliseconds: well within a frame


def test_a_screenshot_shows_the_drawn_digit_and_its_answer(
    browser, digits_model, tmp_path
):
    script = f"draw({json.dumps(STROKES['seven'])});"
    screenshot = tmp_path / "page.png"
    run_page(
        browser,
        to_html(digits_model),
        script,
        tmp_path,
        "--window-size=1200,900",
        "--hide-scrollbars",
        f"--screenshot={screenshot}",
    )
    pixels = np.asarray(Image.open(screenshot).convert("RGB")).astype(int)
    assert pixels.shape == (900, 1200, 3)
    # The stroke (black), and the answer and its bar in the accent colour.
    assert (pixels.sum(axis=2) == 0).sum() > 2000
    accent = np.abs(pixels - [230, 120, 20]).sum(axis=2) < 30
    assert accent.sum() > 1000
