"""Side-by-side MNIST benchmark: ScratchMLPClassifier, MLPClassifier and PyTorch.

Every timing is repeated (the median is reported) and the implementations are
interleaved within each repeat, so a slow moment of a shared machine hits them all
alike. Read the ratios, not the seconds.

PyTorch runs as its users run it: each repeat in a fresh Python process with
PyTorch's defaults (this script sets no environment variable and no thread count
for it), which has exited before the next fit of any implementation starts.

Usage::

    python benchmarks/bench_mnist.py [--data DIR] [--quick] [--repeats N]
                                     [--only {first-order,lbfgs}]
                                     [--lbfgs-repeats N]
                                     [--dtypes float32 float64] [--no-torch]
                                     [--plot FILE]

``--data`` is a folder with the four MNIST IDX files (default: $SCRATCHNET_DATA,
else ../shared/mnist). ``--quick`` runs a reduced version (a subset, fewer passes,
one repeat) in well under two minutes. PyTorch is used when installed
(``pip install "sklearn-scratchnet[bench]"``).

Two sections: "first-order", the "sgd" and "adam" configurations with every
implementation (``--repeats``, default 5), and "lbfgs", ScratchMLPClassifier
and MLPClassifier with ``solver="lbfgs"`` on the same objective
(``--lbfgs-repeats``, default 2). ``--only`` runs one of them.
"""

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path
from statistics import median

import numpy as np
import scipy
import sklearn
import threadpoolctl
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from sklearn_scratchnet import ScratchMLPClassifier
from sklearn_scratchnet._optimizers import Adam
from sklearn_scratchnet.datasets import load_idx_folder

N_CLASSES = 10
PREDICT_ROUNDS = 15  # predict_proba calls take milliseconds: many rounds steady them
WARM_UP_ROWS = 512  # PyTorch's untimed warm-up fit: one pass over so many digits


@dataclass(frozen=True)
class Config:
    """One training configuration, run identically by every implementation."""

    hidden: int
    solver: str
    learning_rate: float
    batch_size: int | None  # None: full batch
    epochs: int

    @property
    def name(self):
        if self.batch_size is None:
            steps = f"full-batch {'GD' if self.solver == 'sgd' else self.solver}"
        else:
            steps = (
                f"{'SGD' if self.solver == 'sgd' else 'Adam'} batch {self.batch_size}"
            )
        return (
            f"h={self.hidden}, {steps}, lr {self.learning_rate:g}, {self.epochs} passes"
        )

    def flops_per_epoch(self, n_samples, n_features):
        """Matrix-product FLOPs of one pass: forward, dW2, dZ1 and dW1."""
        h = self.hidden
        forward = 2 * n_samples * (n_features * h + h * N_CLASSES)
        backward = 2 * n_samples * (h * N_CLASSES + N_CLASSES * h + n_features * h)
        return forward + backward


FULL_CONFIGS = [
    Config(10, "sgd", 0.1, None, 500),  # the note's own algorithm
    Config(100, "adam", 1e-3, 200, 10),
    Config(512, "adam", 1e-3, 256, 3),
]


SECTIONS = ["first-order", "lbfgs"]


@dataclass(frozen=True)
class LbfgsConfig:
    """The L-BFGS section's configuration, run identically by both estimators."""

    hidden: int
    max_iter: int
    l2: float = 1e-4  # MLPClassifier's default alpha, set on both sides

    @property
    def name(self):
        return f"h={self.hidden}, lbfgs, L2 {self.l2:g}, max_iter {self.max_iter}"


FULL_LBFGS = LbfgsConfig(100, 100)
QUICK_LBFGS = LbfgsConfig(100, 10)


def quick_configs():
    epochs = {10: 50, 100: 2, 512: 1}
    return [replace(c, epochs=epochs[c.hidden]) for c in FULL_CONFIGS]


# ----------------------------------------------------------------- implementations


def scratch_model(config, seed):
    return ScratchMLPClassifier(
        hidden_size=config.hidden,
        alpha=config.learning_rate,
        solver=config.solver,
        batch_size=config.batch_size,
        max_iter=config.epochs,
        n_iter_no_change=config.epochs + 1,  # always run every pass
        random_state=seed,
    )


def sklearn_model(config, seed, n_samples):
    return MLPClassifier(
        hidden_layer_sizes=(config.hidden,),
        solver=config.solver,
        learning_rate_init=config.learning_rate,
        batch_size=config.batch_size or n_samples,
        max_iter=config.epochs,
        alpha=0.0,  # no L2 penalty, as in the note
        momentum=0.0,
        nesterovs_momentum=False,
        n_iter_no_change=config.epochs + 1,
        random_state=seed,
    )


class TorchModel:
    """The same network and training loop in PyTorch (CPU), with fit/predict_proba."""

    def __init__(self, config, seed):
        self.config = config
        self.seed = seed

    def fit(self, X, y):
        import torch

        torch.manual_seed(self.seed)
        X_t = torch.from_numpy(X)
        y_t = torch.from_numpy(y.astype(np.int64))
        n = X_t.shape[0]
        self.net = torch.nn.Sequential(
            torch.nn.Linear(X.shape[1], self.config.hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(self.config.hidden, N_CLASSES),
        ).to(X_t.dtype)
        optimizer_class = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
        optimizer = optimizer_class[self.config.solver](
            self.net.parameters(), lr=self.config.learning_rate
        )
        loss_fn = torch.nn.CrossEntropyLoss()
        batch = self.config.batch_size or n
        for _ in range(self.config.epochs):
            order = torch.randperm(n) if batch < n else None
            for start in range(0, n, batch):
                index = order[start : start + batch] if order is not None else None
                X_b = X_t[index] if index is not None else X_t[start : start + batch]
                y_b = y_t[index] if index is not None else y_t[start : start + batch]
                optimizer.zero_grad()
                loss_fn(self.net(X_b), y_b).backward()
                optimizer.step()
        return self

    def predict_proba(self, X):
        import torch

        with torch.no_grad():
            return torch.softmax(self.net(torch.from_numpy(X)), dim=1).numpy()

    def score(self, X, y):
        return float(np.mean(np.argmax(self.predict_proba(X), axis=1) == y))


def lbfgs_model(impl, config, seed):
    """ScratchMLPClassifier or MLPClassifier with "lbfgs", options renamed."""
    if impl == "scratch":
        return ScratchMLPClassifier(
            solver="lbfgs",
            hidden_size=config.hidden,
            max_iter=config.max_iter,
            l2=config.l2,
            random_state=seed,
        )
    return MLPClassifier(
        solver="lbfgs",
        hidden_layer_sizes=(config.hidden,),
        max_iter=config.max_iter,
        alpha=config.l2,
        random_state=seed,
    )


def make_model(impl, config, seed, n_samples):
    if impl == "scratch":
        return scratch_model(config, seed)
    if impl == "sklearn":
        return sklearn_model(config, seed, n_samples)
    return TorchModel(config, seed)


def torch_available():
    return importlib.util.find_spec("torch") is not None


def torch_trial(config, seed, files):
    """Run in a fresh process: one PyTorch fit, its test accuracy and predict rate.

    Nothing here changes PyTorch's settings: its thread count and its OpenMP
    runtime's behaviour are its defaults in the environment the benchmark was
    started in. ``import torch``, loading the data and a short warm-up fit come
    before the timing, which covers the ``fit`` call alone, as for the other
    implementations. The warm-up pays PyTorch's first-use costs once, as the
    other implementations' have been paid in the benchmark's process before
    they are timed: the optimizer's first construction imports
    ``torch._dynamo`` (over a second), and each operation's first call is slow.
    """
    import torch

    X_train, y_train, X_test, y_test = (np.load(file) for file in files)
    warm_up = TorchModel(replace(config, epochs=1), seed)
    warm_up.fit(X_train[:WARM_UP_ROWS], y_train[:WARM_UP_ROWS])
    model = TorchModel(config, seed)
    seconds = timed_fit(model, X_train, y_train)
    found = {
        "seconds": seconds,
        "accuracy": model.score(X_test, y_test),
        "rate": predict_rate(model, X_test, PREDICT_ROUNDS),
        "threads": torch.get_num_threads(),
    }
    print(json.dumps(found))


def run_torch_trial(config, seed, files):
    """One PyTorch repeat in a fresh process; returns once that process has exited.

    The process inherits the benchmark's environment unchanged, so PyTorch's
    threads are never alive (nor spinning) while another implementation is timed.
    """
    command = [
        sys.executable, __file__, "--torch-trial", json.dumps(asdict(config)),
        str(seed), *files,
    ]  # fmt: skip
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------- measurements


def matmul_gflops(dtype, size=2048, repeats=3):
    """numpy's rate on a large square matrix product (the hardware's practical peak)."""
    rng = np.random.default_rng(0)
    A = rng.random((size, size), dtype=np.float64).astype(dtype)
    B = rng.random((size, size), dtype=np.float64).astype(dtype)
    A @ B  # warm up the BLAS threads
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        A @ B
        times.append(time.perf_counter() - start)
    return 2 * size**3 / median(times) / 1e9


def products_only_seconds(config, X, repeats, with_update=False):
    """Seconds that the matrix products of one fit take alone, at the fit's shapes.

    Each gradient step of any implementation computes at least these products
    (forward ``X_b W1^T`` and ``A1 W2^T``; backward ``dZ2^T A1``, ``dZ2 W2`` and
    ``dZ1^T X_b``); here numpy runs nothing else: no activation, softmax,
    optimizer, shuffling or Python bookkeeping. Full batches are taken whole or
    in 2,048-row blocks, whichever is faster. The time of a few passes is scaled
    to the configuration's passes. Divided by MLPClassifier's fit time, it is the
    smallest ratio that pure NumPy on this machine can reach.

    With ``with_update``, each step of an Adam configuration also applies the
    library's Adam update (ten element-wise passes over the weights, the fewest
    that NumPy's one-operation functions allow) to the products' gradients:
    the smallest ratio for pure NumPy training with Adam.
    """
    rng = np.random.default_rng(0)
    n_samples, n_features = X.shape
    W1 = rng.standard_normal((config.hidden, n_features)).astype(X.dtype)
    W2 = rng.standard_normal((N_CLASSES, config.hidden)).astype(X.dtype)
    params = [W1, np.zeros(config.hidden, X.dtype), W2, np.zeros(N_CLASSES, X.dtype)]
    bias_grads = [np.zeros_like(params[1]), np.zeros_like(params[3])]
    update = with_update and config.solver == "adam"
    optimizer = Adam(params, config.learning_rate)

    def one_pass(rows):
        for start in range(0, n_samples, rows):
            X_b = X[start : start + rows]
            A1 = X_b @ W1.T
            dZ2 = A1 @ W2.T
            dW2 = dZ2.T @ A1
            dZ1 = dZ2 @ W2
            dW1 = dZ1.T @ X_b
            if update:
                optimizer.update(params, (dW1, bias_grads[0], dW2, bias_grads[1]))

    block_sizes = [config.batch_size] if config.batch_size else [n_samples, 2048]
    passes = 1 if config.batch_size else 5
    best = np.inf
    for rows in block_sizes:
        one_pass(rows)  # warm up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(passes):
                one_pass(rows)
            times.append((time.perf_counter() - start) / passes)
        best = min(best, median(times))
    return best * config.epochs


def predict_products(hidden, X):
    """predict_proba's two matrix products alone (see above), as a callable."""
    rng = np.random.default_rng(0)
    W1 = rng.standard_normal((hidden, X.shape[1])).astype(X.dtype)
    W2 = rng.standard_normal((N_CLASSES, hidden)).astype(X.dtype)
    return lambda: (X @ W1.T) @ W2.T


def timed_fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        return time.perf_counter() - start


def predict_rate(model, X, rounds):
    rates = predict_rates({"model": partial(model.predict_proba, X)}, X, rounds)
    return rates["model"]


def predict_rates(calls, X, rounds):
    """Samples per second of each callable, timed in turns so noise hits all alike."""
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: X.shape[0] / median(seconds) for name, seconds in times.items()}


def peak_rss():
    """Peak resident memory of this process, in bytes.

    Linux's VmHWM starts afresh in a new program; ``ru_maxrss`` would carry over
    the peak of the parent process that started it.
    """
    try:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) * 1024
    except (OSError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_probe(impl, config_index, quick, data_file, labels_file):
    """Run in a child process: peak RSS growth of one fit over the loaded data."""
    X = np.load(data_file)
    y = np.load(labels_file)
    configs = quick_configs() if quick else FULL_CONFIGS
    model = make_model(impl, configs[config_index], 0, X.shape[0])
    if impl == "torch":
        import torch  # noqa: F401  (the library itself is not the fit's memory)
    before = peak_rss()
    timed_fit(model, X, y)
    print(peak_rss() - before)


def peak_fit_memory(impl, config_index, quick, X, y):
    """Bytes that one fit adds to the peak RSS of a fresh process holding X."""
    with tempfile.TemporaryDirectory() as folder:
        data_file, labels_file = Path(folder) / "X.npy", Path(folder) / "y.npy"
        np.save(data_file, X)
        np.save(labels_file, y)
        command = [
            sys.executable, __file__, "--memory-probe", impl, str(config_index),
            str(data_file), str(labels_file),
        ] + (["--quick"] if quick else [])  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    return int(result.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------- report


def each(values, form):
    """The repeats' values, formatted and joined in the order run."""
    return " / ".join(form.format(value) for value in values)


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


class Trials:
    """One configuration's measurements in one dtype, gathered over the repeats."""

    def __init__(self, impls):
        self.times = {impl: [] for impl in impls}
        # Each fit's rate as a share of the matmul peak measured around it.
        self.shares_of_peak = {impl: [] for impl in impls}
        self.peaks = []
        self.floors = {"products": [], "with update": []}
        # Test accuracy of every repeat's model (each repeat has its own seed).
        self.accuracy = {impl: [] for impl in impls}
        # The last repeat's models, for timing predict_proba.
        self.models, self.rates = {}, {}
        self.torch_threads = None  # PyTorch's own default thread count


def run_repeat(config, repeat, trials, train, test, impls, files):
    """One repeat of one configuration: its floors, then each implementation's fit."""
    X, y = train
    # The floors are measured in every repeat too, beside the fits.
    trials.floors["products"].append(products_only_seconds(config, X, 1))
    if config.solver == "adam":
        trials.floors["with update"].append(
            products_only_seconds(config, X, 1, with_update=True)
        )
    flops = config.flops_per_epoch(*X.shape) * config.epochs
    # Each fit's rate is compared with the matmul peak measured just before and
    # just after it, so that a change in the machine's speed between fits moves
    # both sides of the ratio.
    peak_before = matmul_gflops(X.dtype)
    for impl in impls:
        if impl == "torch":
            found = run_torch_trial(config, repeat, files)
            seconds, accuracy = found["seconds"], found["accuracy"]
            trials.rates[impl] = found["rate"]  # the last repeat's is reported
            trials.torch_threads = found["threads"]
        else:
            trials.models[impl] = make_model(impl, config, repeat, X.shape[0])
            seconds = timed_fit(trials.models[impl], X, y)
            accuracy = trials.models[impl].score(*test)
        trials.accuracy[impl].append(accuracy)
        peak_after = matmul_gflops(X.dtype)
        trials.peaks += [peak_before, peak_after]
        beside = (peak_before + peak_after) / 2
        trials.shares_of_peak[impl].append(flops / seconds / 1e9 / beside)
        peak_before = peak_after
        trials.times[impl].append(seconds)
        print(
            f"{config.name}, {X.dtype}, {impl}: {seconds:.2f} s",
            file=sys.stderr,
            flush=True,
        )


def run(args):
    folder = args.data or os.environ.get("SCRATCHNET_DATA") or "../shared/mnist"
    X_train, X_test, y_train, y_test = load_idx_folder(folder)
    if args.quick:
        X_train, y_train = X_train[:6000], y_train[:6000]
        X_test, y_test = X_test[:2000], y_test[:2000]
    sections = [args.only] if args.only else SECTIONS
    repeats = {
        "first-order": 1 if args.quick else args.repeats,
        "lbfgs": 1 if args.quick else args.lbfgs_repeats,
    }

    blas = threadpoolctl.threadpool_info()
    print(f"# MNIST benchmark ({'quick' if args.quick else 'full'})\n")
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    command = " ".join(["python", "benchmarks/bench_mnist.py", *sys.argv[1:]])
    print(f"`{command}`, started {started}.\n")
    print(
        f"{X_train.shape[0]} train / {X_test.shape[0]} test digits, "
        f"{os.cpu_count()} CPUs, numpy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, SciPy {scipy.__version__}, BLAS: "
        + ", ".join(
            f"{b['internal_api']} {b.get('architecture', '')} "
            f"({b['num_threads']} threads)"
            for b in blas
        )
        + "; "
        + ", ".join(f"{repeats[name]} repeat(s) for {name}" for name in sections)
        + ", median reported.\n"
    )
    data = (X_train, X_test, y_train, y_test)
    if "first-order" in sections:
        run_first_order(args, data, repeats["first-order"])
    if "lbfgs" in sections:
        run_lbfgs(args, data, repeats["lbfgs"])


def target_row(config, dtype_name, trials):
    """One configuration's ratios to the floors and to PyTorch (the targets)."""
    fits = trials.times["scratch"]

    def against(floors):
        if not floors:
            return ""
        each_repeat = " / ".join(
            f"{fit / floor:.2f}" for fit, floor in zip(fits, floors, strict=True)
        )
        return f"{median(fits) / median(floors):.2f} ({each_repeat})"

    rates = trials.rates
    torch_times = trials.times.get("torch")
    return [
        config.name, dtype_name, against(trials.floors["products"]),
        against(trials.floors["with update"]),
        f"{rates['products alone'] / rates['scratch']:.2f}",
        f"{median(fits) / median(torch_times):.2f}" if torch_times else "",
    ]  # fmt: skip


def run_first_order(args, data, repeats):
    """The "sgd" and "adam" configurations, with every implementation."""
    X_train, X_test, y_train, y_test = data
    configs = quick_configs() if args.quick else FULL_CONFIGS
    impls = ["scratch", "sklearn"] + (["torch"] if torch_available() else [])
    if args.no_torch and "torch" in impls:
        impls.remove("torch")

    fit_rows, predict_rows, memory_rows, plot_data = [], [], [], []
    floor_rows, repeat_rows, target_rows = [], [], []
    torch_threads = set()
    scratch_folder = tempfile.TemporaryDirectory()
    for dtype_name in args.dtypes:
        dtype = np.dtype(dtype_name)
        all_peaks = []
        X_tr = X_train.astype(dtype) / dtype.type(255)
        X_te = X_test.astype(dtype) / dtype.type(255)
        files = tuple(
            str(Path(scratch_folder.name) / f"{name}_{dtype_name}.npy")
            for name in ("X_train", "y_train", "X_test", "y_test")
        )
        for file, array in zip(files, (X_tr, y_train, X_te, y_test), strict=True):
            np.save(file, array)
        impls_here = [
            impl for impl in impls if impl != "torch" or dtype_name in args.torch_dtypes
        ]
        trials = {config.name: Trials(impls_here) for config in configs}
        # Repeats are the outer loop: each configuration's repeats are spread over
        # the whole run instead of back to back, so that one slow spell of a shared
        # machine (they last seconds to minutes) cannot take all of them.
        for repeat in range(repeats):
            for config in configs:
                run_repeat(
                    config, repeat, trials[config.name], (X_tr, y_train),
                    (X_te, y_test), impls_here, files,
                )  # fmt: skip
        for config in configs:
            found = trials[config.name]
            times, floors, models = found.times, found.floors, found.models
            accuracy, rates = found.accuracy, found.rates
            shares_of_peak, peaks = found.shares_of_peak, found.peaks
            if found.torch_threads is not None:
                torch_threads.add(found.torch_threads)
            flops = config.flops_per_epoch(*X_tr.shape) * config.epochs
            calls = {
                impl: partial(model.predict_proba, X_te)
                for impl, model in models.items()
            }
            calls["products alone"] = predict_products(config.hidden, X_te)
            rates.update(predict_rates(calls, X_te, PREDICT_ROUNDS))
            peak = median(peaks)
            all_peaks += peaks
            reference = median(times["sklearn"])
            products = median(floors["products"])
            with_update = median(floors["with update"] or [np.nan])
            for impl in impls_here:
                repeat_rows.append([
                    config.name, dtype_name, impl, each(times[impl], "{:.2f}"),
                    each([100 * v for v in shares_of_peak[impl]], "{:.0f} %"),
                    each([100 * v for v in accuracy[impl]], "{:.2f}"),
                ])  # fmt: skip
            repeat_rows.append([
                config.name, dtype_name, "products alone",
                each(floors["products"], "{:.2f}"), "", "",
            ])  # fmt: skip
            floor_rows.append([
                config.name, dtype_name, f"{median(times['scratch']):.2f}",
                f"{products:.2f}", f"{median(times['scratch']) / reference:.2f}",
                f"{products / reference:.2f}",
                f"{with_update / reference:.2f}" if config.solver == "adam" else "",
                f"{rates['scratch'] / rates['sklearn']:.2f}",
                f"{rates['products alone'] / rates['sklearn']:.2f}",
            ])  # fmt: skip
            target_rows.append(target_row(config, dtype_name, found))
            for impl in impls_here:
                seconds = median(times[impl])
                gflops = flops / seconds / 1e9
                fit_rows.append([
                    config.name, dtype_name, impl, f"{seconds:.2f}",
                    f"{seconds / reference:.2f}", f"{100 * median(accuracy[impl]):.2f}",
                    f"{gflops:.1f}",
                    f"{100 * median(shares_of_peak[impl]):.0f} % of {peak:.0f}",
                ])  # fmt: skip
                plot_data.append((config.name, dtype_name, impl, seconds))
                predict_rows.append([
                    config.name, dtype_name, impl, f"{rates[impl]:,.0f}",
                    f"{rates[impl] / rates['sklearn']:.2f}",
                ])  # fmt: skip
        fit_rows.append([f"numpy {dtype_name} matmul peak (median)", "", "", "",
                         "", "", f"{median(all_peaks):.1f}", "100 %"])  # fmt: skip
    scratch_folder.cleanup()

    if not args.no_memory:
        X32 = X_train.astype(np.float32) / np.float32(255)
        for index, config in enumerate(configs[:2]):  # full batch, then mini-batches
            for impl in impls:
                extra = peak_fit_memory(impl, index, args.quick, X32, y_train)
                memory_rows.append([
                    config.name, "float32", impl, f"{extra / 2**20:.0f}",
                    f"{extra / X32.nbytes:.2f}",
                ])  # fmt: skip

    print("## Fit\n")
    print(markdown_table(
        ["configuration", "dtype", "implementation", "fit s", "x MLPClassifier",
         "test acc % (median)", "GFLOP/s", "of the matmul peak around each fit"],
        fit_rows))  # fmt: skip
    print(
        "\nfit s: the `fit` call alone, on data already in memory (imports and "
        "data loading excluded)."
    )
    if torch_threads:
        threads = "/".join(map(str, sorted(torch_threads)))
        print(
            "PyTorch: each repeat in a fresh process with PyTorch's defaults (no "
            "environment variable or thread count set by this benchmark; it chose "
            f"{threads} threads), started after the previous fit and exited before "
            "the next; its fit is timed inside that process over the same span "
            "(building the model, then the loop of randperm, index, zero_grad, "
            "forward, backward and step), after an untimed one-pass warm-up fit "
            f"on {WARM_UP_ROWS} digits that pays PyTorch's first-use costs "
            "(the optimizer's import of torch._dynamo, first calls); the process "
            "start, `import torch` and the data loading are not timed either."
        )
    print("\n## predict_proba throughput\n")
    print(markdown_table(
        ["model", "dtype", "implementation", "samples/s", "x MLPClassifier"],
        predict_rows))  # fmt: skip
    if torch_threads:
        print(
            "\nPyTorch's rate is measured in its last repeat's process, after "
            f"its fit ({PREDICT_ROUNDS} rounds), not in turns with the others."
        )
    print("\n## Against the floor: the matrix products alone\n")
    print(markdown_table(
        ["configuration", "dtype", "scratch fit s", "products alone s",
         "fit x MLPClassifier", "products alone x MLPClassifier",
         "products and Adam update alone x MLPClassifier",
         "predict x MLPClassifier", "products alone, predict x MLPClassifier"],
        floor_rows))  # fmt: skip
    print("\n## Targets: ScratchMLPClassifier against the floors and PyTorch\n")
    print(markdown_table(
        ["configuration", "dtype", "fit / products alone (each repeat)",
         "fit / products and Adam update alone (each repeat)",
         "predict_proba / its products alone", "fit x PyTorch"],
        target_rows))  # fmt: skip
    print(
        "\nRatios of the medians; in parentheses each repeat's ratio of its own "
        "fit to the floor measured beside it. Targets: fit within 1.2x of the "
        "products alone, predict_proba within 1.2x of its products alone, "
        "h=100 Adam at most 0.5x PyTorch."
    )
    print("\n## Each repeat, in the order run\n")
    print(markdown_table(
        ["configuration", "dtype", "implementation", "fit s",
         "of the matmul peak around each fit", "test acc %"],
        repeat_rows))  # fmt: skip
    if memory_rows:
        print("\n## Peak memory of fit (growth of peak RSS over the loaded data)\n")
        print(markdown_table(
            ["configuration", "dtype", "implementation", "MiB", "copies of X"],
            memory_rows))  # fmt: skip
    if args.plot:
        plot(plot_data, args.plot)
        print(f"\nFigure: {args.plot}")


def run_lbfgs(args, data, repeats):
    """The L-BFGS section: ScratchMLPClassifier and MLPClassifier with "lbfgs".

    Both minimise the same objective (the cross-entropy plus the same L2 penalty)
    from the same initial weights (same ``random_state``) with SciPy's L-BFGS-B,
    with their defaults otherwise (``tol=1e-4``, ``max_fun=15000``). Repeats are
    the outer loop, then the dtypes; within each, the two fits are timed one
    after the other, in an order that alternates from one repeat to the next.
    """
    X_train, X_test, y_train, y_test = data
    config = QUICK_LBFGS if args.quick else FULL_LBFGS
    impls = ["scratch", "sklearn"]
    found = {
        (dtype_name, impl): {"seconds": [], "accuracy": [], "n_iter": [], "loss": []}
        for dtype_name in args.dtypes
        for impl in impls
    }
    repeat_rows = []
    for repeat in range(repeats):
        for dtype_name in args.dtypes:
            dtype = np.dtype(dtype_name)
            X_tr = X_train.astype(dtype) / dtype.type(255)
            X_te = X_test.astype(dtype) / dtype.type(255)
            order = impls if repeat % 2 == 0 else impls[::-1]
            for impl in order:
                model = lbfgs_model(impl, config, repeat)
                seconds = timed_fit(model, X_tr, y_train)
                here = found[dtype_name, impl]
                here["seconds"].append(seconds)
                here["accuracy"].append(model.score(X_te, y_test))
                here["n_iter"].append(model.n_iter_)
                here["loss"].append(float(model.loss_))
                print(
                    f"{config.name}, {dtype_name}, {impl}: {seconds:.2f} s, "
                    f"{model.n_iter_} iterations, test accuracy "
                    f"{100 * here['accuracy'][-1]:.2f} %",
                    file=sys.stderr,
                    flush=True,
                )
            ours, theirs = found[dtype_name, "scratch"], found[dtype_name, "sklearn"]
            repeat_rows.append([
                config.name, dtype_name, repeat, " then ".join(order),
                f"{ours['seconds'][-1]:.2f}", f"{theirs['seconds'][-1]:.2f}",
                f"{ours['seconds'][-1] / theirs['seconds'][-1]:.2f}",
                f"{ours['n_iter'][-1]} / {theirs['n_iter'][-1]}",
                f"{ours['loss'][-1]:.5f} / {theirs['loss'][-1]:.5f}",
                f"{100 * ours['accuracy'][-1]:.2f}",
                f"{100 * theirs['accuracy'][-1]:.2f}",
                f"{100 * (ours['accuracy'][-1] - theirs['accuracy'][-1]):+.2f}",
            ])  # fmt: skip

    rows = []
    for dtype_name in args.dtypes:
        reference = median(found[dtype_name, "sklearn"]["seconds"])
        reference_accuracy = median(found[dtype_name, "sklearn"]["accuracy"])
        for impl in impls:
            here = found[dtype_name, impl]
            seconds = median(here["seconds"])
            per_iteration = median(
                s / max(n, 1)
                for s, n in zip(here["seconds"], here["n_iter"], strict=True)
            )
            accuracy = median(here["accuracy"])
            rows.append([
                config.name, dtype_name, impl, f"{seconds:.2f}",
                f"{seconds / reference:.2f}", f"{per_iteration:.3f}",
                each(here["n_iter"], "{}"), f"{median(here['loss']):.5f}",
                f"{100 * accuracy:.2f}",
                f"{100 * (accuracy - reference_accuracy):+.2f}",
            ])  # fmt: skip

    print('\n## L-BFGS (solver="lbfgs")\n')
    print(markdown_table(
        ["configuration", "dtype", "implementation", "fit s",
         "x MLPClassifier", "s per iteration", "n_iter_ (each repeat)",
         "loss_ (median)", "test acc % (median)", "acc - MLPClassifier (points)"],
        rows))  # fmt: skip
    print(
        f'\nScratchMLPClassifier(solver="lbfgs", hidden_size={config.hidden}, '
        f"max_iter={config.max_iter}, l2={config.l2:g}, random_state=seed) beside "
        f'MLPClassifier(solver="lbfgs", hidden_layer_sizes=({config.hidden},), '
        f"max_iter={config.max_iter}, alpha={config.l2:g}, random_state=seed): "
        "the same objective (cross-entropy plus the same L2 penalty; "
        "MLPClassifier's `alpha` is `l2` here), the same initial weights, the "
        "other options at their defaults (`tol=1e-4`, `max_fun=15000`). The "
        "seed is the repeat's number. fit s: the `fit` call alone, on data "
        "already in memory. "
        "On float32 data, ScratchMLPClassifier computes in float32, while "
        "MLPClassifier's weights become float64 after L-BFGS-B's first step, "
        "so its products are computed in float64."
    )
    print("\n### Each repeat, in the order run\n")
    print(markdown_table(
        ["configuration", "dtype", "seed", "order", "scratch fit s",
         "sklearn fit s", "x MLPClassifier", "n_iter_ scratch / sklearn",
         "loss_ scratch / sklearn", "scratch test acc %", "sklearn test acc %",
         "acc difference (points)"],
        repeat_rows))  # fmt: skip


def plot(plot_data, path):
    """Bar chart of each configuration's fit times, as multiples of MLPClassifier's.

    A linear axis from zero, so that bar lengths keep the ratios; each bar is
    labelled with its median seconds and its ratio.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = {"scratch": "ScratchMLPClassifier", "sklearn": "MLPClassifier",
             "torch": "PyTorch"}  # fmt: skip
    labels = list(dict.fromkeys((c, d) for c, d, _, _ in plot_data))
    impls = sorted({i for _, _, i, _ in plot_data})
    seconds = {(c, d, i): s for c, d, i, s in plot_data}
    fig, ax = plt.subplots(figsize=(10, 1.1 * len(labels) + 1.8), layout="constrained")
    height = 0.8 / len(impls)
    largest = 0.0
    for k, impl in enumerate(impls):
        drawn = [(row, c, d) for row, (c, d) in enumerate(labels)
                 if (c, d, impl) in seconds]  # fmt: skip
        ratios = [seconds[c, d, impl] / seconds[c, d, "sklearn"] for _, c, d in drawn]
        largest = max([largest, *ratios])
        bars = ax.barh(
            [row + k * height for row, _, _ in drawn], ratios, height,
            label=names.get(impl, impl),
        )  # fmt: skip
        ax.bar_label(
            bars,
            [f" {seconds[c, d, impl]:.2f} s, {ratio:.2f}x"
             for (_, c, d), ratio in zip(drawn, ratios, strict=True)],
            fontsize=7,
        )  # fmt: skip
    ax.axvline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_xlim(0, largest * 1.3)
    ax.set_yticks(np.arange(len(labels)) + (len(impls) - 1) * height / 2)
    ax.set_yticklabels([f"{c}\n{d}" for c, d in labels], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("fit time / MLPClassifier's fit time (linear; 1 = MLPClassifier, "
                  "shorter is faster)")  # fmt: skip
    ax.set_title("MNIST fit time as a multiple of scikit-learn's MLPClassifier's\n"
                 "(median of the repeats, implementations interleaved)")  # fmt: skip
    ax.legend(loc="lower right")
    fig.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with the four MNIST IDX files")
    parser.add_argument("--quick", action="store_true", help="reduced run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--dtypes", nargs="+", default=["float32", "float64"],
        choices=["float32", "float64"],
    )  # fmt: skip
    parser.add_argument(
        "--only", choices=SECTIONS,
        help="run one section: the 'sgd' and 'adam' configurations "
        "(first-order) or the L-BFGS comparison (lbfgs); default: both",
    )  # fmt: skip
    parser.add_argument(
        "--lbfgs-repeats", type=int, default=2,
        help="repeats of the L-BFGS section (default: 2)",
    )  # fmt: skip
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument(
        "--torch-dtypes", nargs="+", default=["float32"],
        help="dtypes to run PyTorch in (default: float32)",
    )  # fmt: skip
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--plot", help="write a bar chart of fit times (PNG)")
    parser.add_argument("--memory-probe", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--torch-trial", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_trial:
        config, seed, *files = args.torch_trial
        torch_trial(Config(**json.loads(config)), int(seed), tuple(files))
    elif args.memory_probe:
        impl, config_index, data_file, labels_file = args.memory_probe
        memory_probe(impl, int(config_index), args.quick, data_file, labels_file)
    else:
        run(args)


if __name__ == "__main__":
    main()
