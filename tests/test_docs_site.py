"""Tests of the documentation: the math page's table, and the built site offline.

The tests on the built site build nothing: they check ``docs/_build/html`` as the
``sphinx -b html`` command of the README leaves it, and skip where it is absent.
The rendering test opens the math page in headless Chromium (Debian's
``chromium``) with every network request sent to a closed port, and skips where
Chromium is absent.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sklearn_scratchnet import _network

ROOT = Path(__file__).parent.parent
SITE = ROOT / "docs" / "_build" / "html"
CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome"]


def docstring_table_rows(text):
    """The body rows of the first reST simple table in ``text``, as lists of cells."""
    lines = text.splitlines()
    rules = [i for i, line in enumerate(lines) if re.fullmatch(r"=+( +=+)+", line)]
    top, header, bottom = rules[:3]
    columns = [match.span() for match in re.finditer(r"=+", lines[top])]
    rows = []
    for line in lines[header + 1 : bottom]:
        if set(line) <= {"=", " "}:
            continue
        ends = [start for start, _ in columns[1:]] + [None]
        cells = [
            line[start:end].strip()
            for (start, _), end in zip(columns, ends, strict=True)
        ]
        rows.append(cells)
    return rows


def test_math_page_shows_every_line_of_the_network_table():
    # The page's table is a copy of the one in _network's docstring: every line of
    # code there appears on the page, so the two cannot drift apart unseen.
    page = (ROOT / "docs" / "math.rst").read_text()
    rows = docstring_table_rows(_network.__doc__)
    assert len(rows) >= 11, rows  # A0, the forward and the backward lines
    missing = [code for _, code, _ in rows if f"``{code.split('``')[1]}``" not in page]
    assert not missing, f"lines of the _network table missing from math.rst: {missing}"


def built_page(name):
    page = SITE / name
    if not page.exists():
        pytest.skip(
            f"{page.relative_to(ROOT)} is not built: run "
            "'python -m sphinx -b html docs docs/_build/html' first"
        )
    return page


def chromium():
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(f"no Chromium to open the site with (looked for {CHROMIUM_NAMES})")


def run_chromium(browser, page, *args, tmp_path):
    """Run headless Chromium on ``page`` with no network; return its stdout."""
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
        "--virtual-time-budget=20000",  # let MathJax typeset before the dump
        *args,
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def remote_resources(html):
    """The scripts, images and styles that ``html`` loads from another host."""
    remote = r'="(?:https?:)?//[^"]*"'
    tags = re.findall(rf"<(?:script|img)\b[^>]*\bsrc{remote}[^>]*>", html)
    links = re.findall(rf"<link\b[^>]*\bhref{remote}[^>]*>", html)
    return tags + [
        link for link in links if re.search(r"rel=\"[^\"]*(?:stylesheet|preload)", link)
    ]


def test_remote_resources_finds_what_a_page_loads_from_another_host():
    html = """
    <script src="https://cdn.example.org/mathjax/tex-svg.js"></script>
    <link rel="stylesheet" href="//cdn.example.org/theme.css">
    <img alt="" src="http://example.org/logo.png">
    <script src="_static/mathjax/tex-svg.js"></script>
    <link rel="stylesheet" href="_static/theme.css">
    <a href="https://www.sphinx-doc.org/">Sphinx</a>
    <link rel="canonical" href="https://example.org/math.html">
    """
    found = remote_resources(html)
    assert len(found) == 3
    assert all("example.org" in tag for tag in found)


def test_no_page_of_the_site_loads_anything_from_the_network():
    built_page("index.html")
    pages = {
        str(path.relative_to(SITE)): remote_resources(path.read_text())
        for path in SITE.rglob("*.html")
    }
    pages = {name: tags for name, tags in pages.items() if tags}
    assert not pages, f"pages that load scripts, styles or images remotely: {pages}"


def test_math_renders_offline_in_headless_chromium(tmp_path):
    page = built_page("math.html")
    browser = chromium()
    source = page.read_text()
    assert "_static/mathjax/tex-svg.js" in source
    n_math = len(re.findall(r'class="math notranslate nohighlight"', source))
    assert n_math > 10

    dom = run_chromium(browser, page, "--dump-dom", tmp_path=tmp_path)
    # MathJax replaced each \( ... \) or \[ ... \] with an <mjx-container> holding
    # an SVG drawing; raw TeX left on the page means it did not run.
    containers = re.findall(r"<mjx-container\b[^>]*>\s*<svg\b", dom)
    assert len(containers) >= n_math
    assert "<mjx-merror" not in dom, "MathJax reported a TeX error"
    text = re.sub(r"<mjx-container\b.*?</mjx-container>", "", dom, flags=re.S)
    for raw in [r"\frac", r"\(", r"\[", r"\alpha", r"\operatorname"]:
        assert raw not in text, f"raw TeX {raw!r} left on the rendered page"

    screenshot = tmp_path / "math.png"
    run_chromium(
        browser,
        page,
        f"--screenshot={screenshot}",
        "--window-size=1200,2400",
        tmp_path=tmp_path,
    )
    assert screenshot.stat().st_size > 10_000
