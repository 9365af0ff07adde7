"""Sphinx configuration.

Sphinx with numpydoc and sphinx-gallery, as scikit-learn: the docstrings are
numpydoc, the API pages are generated from them, ``literalinclude`` shows the code
that runs next to the note's equations, the ``doctest`` builder runs the examples
on the pages, the scripts in ``examples/`` run as the gallery is built (on the
MNIST sample shipped in the package) with their output and figures, and ``-W``
turns every warning into an error. Nothing needs the network, neither to build
nor to read the site: MathJax is served from the site itself
(``sphinx-mathjax-offline``), not from a CDN.
"""

import contextlib
import io
import os
import re
import sys
from pathlib import Path

# The examples run on the shipped MNIST sample, in seconds, offline.
os.environ.setdefault("SCRATCHNET_QUICK", "1")
# scikit-learn's array API dispatch (the array API page) needs it before SciPy
# is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import sklearn_scratchnet
from sklearn_scratchnet.cli import main

project = "sklearn-scratchnet"
author = "the sklearn-scratchnet developers"
copyright = "the sklearn-scratchnet developers, BSD-3-Clause"
version = release = sklearn_scratchnet.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "sphinx_gallery.gen_gallery",
]
exclude_patterns = ["_build", "_generated", "_extra"]
nitpicky = False
templates_path = []

autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# Short trainings in the examples stop before convergence on purpose.
doctest_global_setup = """
import warnings
try:
    import torch
except ImportError:  # the array API page's doctests are skipped
    torch = None
from sklearn.exceptions import ConvergenceWarning
warnings.simplefilter("ignore", ConvergenceWarning)
"""

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-scratchnet {version}"
html_theme_options = {
    "navigation_with_keys": False,
    # The math page's table of equations and code needs the width.
    "secondary_sidebar_items": {"math": []},
}
html_static_path = []
# The gallery's index was examples.html: the old address leads there. The
# "draw a digit" page's model is written to _generated/site as the site builds.
html_extra_path = ["_extra", "_generated/site"]

# MathJax's SVG output draws the glyphs as paths: no web fonts to load, which a
# browser may refuse for a page opened from disk (file://). sphinx-mathjax-offline
# sets its own (CHTML) path as it loads: setup() sets this one back.
mathjax_path = "mathjax/tex-svg.js"

_EXAMPLES = Path(__file__).parent.parent / "examples"
sys.path.insert(0, str(Path(__file__).parent))  # for gallery_order

sphinx_gallery_conf = {
    "examples_dirs": str(_EXAMPLES),
    "gallery_dirs": "auto_examples",
    # Run every example but the out-of-core one, which writes half a gigabyte
    # and needs the dask extra (CI runs it as a script).
    "filename_pattern": re.escape(os.sep) + r"(?!out_of_core_dask)\w+\.py$",
    "within_subsection_order": "gallery_order.ExampleOrder",
    "capture_repr": (),
    "download_all_examples": False,
    "show_memory": False,
    "remove_config_comments": True,
    # Its page of run times loads scripts from a CDN.
    "write_computation_times": False,
}


# The examples write their figures to the folder they run in, which the gallery
# makes the examples' own folder: the build removes those it wrote.
_FIGURES_BEFORE = set(_EXAMPLES.glob("*.png"))


def _remove_example_figures(app, exception):
    for path in set(_EXAMPLES.glob("*.png")) - _FIGURES_BEFORE:
        path.unlink(missing_ok=True)


def _use_svg_mathjax(app, config):
    config.mathjax_path = mathjax_path


def setup(app):
    app.connect("config-inited", _use_svg_mathjax)
    app.connect("build-finished", _remove_example_figures)


def _write_cli_help():
    """What ``--help`` prints for every command, for the CLI page."""
    os.environ["COLUMNS"] = "88"
    folder = Path(__file__).parent / "_generated"
    folder.mkdir(exist_ok=True)
    for command in ["", "train", "evaluate", "predict", "info", "export"]:
        text = io.StringIO()
        with contextlib.redirect_stdout(text), contextlib.suppress(SystemExit):
            main([command, "--help"] if command else ["--help"])
        (folder / f"scratchnet_{command or 'help'}.txt").write_text(text.getvalue())


def _write_draw_a_digit_page():
    """The page the "Draw a digit" page embeds: a model trained now, offline, on
    the MNIST sample shipped in the package."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from sklearn_scratchnet import ScratchMLPClassifier
    from sklearn_scratchnet.datasets import load_mnist_sample, scale_pixels
    from sklearn_scratchnet.page import save_html

    sample = load_mnist_sample()
    X_train, X_test = scale_pixels(sample.X_train), scale_pixels(sample.X_test)
    clf = ScratchMLPClassifier(
        hidden_size=64, solver="adam", alpha=0.01, batch_size=200, max_iter=20,
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, sample.y_train)
    accuracy = clf.score(X_test, sample.y_test)
    folder = Path(__file__).parent / "_generated" / "site"
    folder.mkdir(parents=True, exist_ok=True)
    save_html(
        clf,
        folder / "draw-a-digit-model.html",
        accuracy=(accuracy, f"the {len(X_test):,} test digits of the shipped sample"),
    )


_write_cli_help()
_write_draw_a_digit_page()
