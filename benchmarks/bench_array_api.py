"""The note's network through the array API: PyTorch tensors on the CPU and a GPU.

Two tables, from one run:

* **PyTorch CPU tensors** (informative): ScratchMLPClassifier on NumPy arrays
  beside the same estimator on PyTorch CPU tensors under
  ``sklearn.config_context(array_api_dispatch=True)``: the same equations, run
  by another array library. Interleaved repeats, medians.
* **CUDA** (when PyTorch sees a CUDA device): ScratchMLPClassifier on CUDA
  tensors beside PyTorch's own training loop (``torch.nn`` layers,
  ``torch.optim``, autograd) on the same GPU with the same settings: the same
  network, initialisation scale, optimizer, learning rate, batch size and
  passes. PyTorch runs as its users run it: each repeat in a fresh process with
  PyTorch's defaults. Times cover ``fit`` and end with a device synchronisation.

Usage::

    python benchmarks/bench_array_api.py [--data DIR] [--quick] [--repeats N]

``--quick`` runs a subset with few passes and one repeat (seconds). Needs
PyTorch (``pip install torch==2.13.0``); without a CUDA device the GPU table is
skipped with a line that says so.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from dataclasses import asdict, replace
from pathlib import Path
from statistics import median

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # before SciPy is imported

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from bench_mnist import FULL_CONFIGS, Config, scratch_model  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sklearn_scratchnet.datasets import load_idx_folder  # noqa: E402

QUICK_EPOCHS = {10: 20, 100: 1, 512: 1}


def synchronize(device):
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def fit_scratch(config, seed, X, y, device=None):
    """Fit ours on NumPy arrays (device None) or on PyTorch tensors on device.

    Returns the fit's seconds and its test-set callable.
    """
    model = scratch_model(config, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if device is None:
            start = time.perf_counter()
            model.fit(X, y)
            return time.perf_counter() - start, model
        with sklearn.config_context(array_api_dispatch=True):
            synchronize(device)
            start = time.perf_counter()
            model.fit(X, y)
            synchronize(device)
            return time.perf_counter() - start, model


def accuracy(model, X, y, device=None):
    if device is None:
        return float(np.mean(model.predict(X) == y))
    with sklearn.config_context(array_api_dispatch=True):
        return float((model.predict(X) == y).double().mean())


def torch_loop_trial(config, seed, device, data_file):
    """PyTorch's own loop on ``device``, in a fresh process: prints its figures.

    The same network (Linear, ReLU, Linear), softmax cross-entropy, optimizer,
    learning rate, batch size and passes; mini-batches drawn with ``randperm``.
    An untimed one-pass warm-up on a few batches pays the first-use costs.
    """
    import torch

    data = np.load(data_file)
    X = torch.from_numpy(data["X_train"]).to(device)
    y = torch.from_numpy(data["y_train"].astype(np.int64)).to(device)
    X_test = torch.from_numpy(data["X_test"]).to(device)
    y_test = torch.from_numpy(data["y_test"].astype(np.int64)).to(device)

    def fit(X, y, epochs):
        torch.manual_seed(seed)
        net = torch.nn.Sequential(
            torch.nn.Linear(X.shape[1], config.hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(config.hidden, 10),
        ).to(device)
        optimizer_class = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
        optimizer = optimizer_class[config.solver](
            net.parameters(), lr=config.learning_rate
        )
        loss_fn = torch.nn.CrossEntropyLoss()
        n = X.shape[0]
        batch = config.batch_size or n
        for _ in range(epochs):
            order = torch.randperm(n, device=device) if batch < n else None
            for start in range(0, n, batch):
                if order is None:
                    X_b, y_b = X[start : start + batch], y[start : start + batch]
                else:
                    index = order[start : start + batch]
                    X_b, y_b = X[index], y[index]
                optimizer.zero_grad()
                loss_fn(net(X_b), y_b).backward()
                optimizer.step()
        return net

    fit(X[:2048], y[:2048], 1)
    synchronize(device)
    start = time.perf_counter()
    net = fit(X, y, config.epochs)
    synchronize(device)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        correct = (net(X_test).argmax(dim=1) == y_test).double().mean()
    print(json.dumps({"seconds": seconds, "accuracy": float(correct)}))


def run_torch_loop(config, seed, device, data_file):
    command = [
        sys.executable, __file__, "--torch-loop", json.dumps(asdict(config)),
        str(seed), device, str(data_file),
    ]  # fmt: skip
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def cpu_section(configs, repeats, data, torch):
    """Ours on NumPy arrays and on PyTorch CPU tensors, interleaved."""
    X, y, X_test, y_test = data
    tensors = [torch.from_numpy(a) for a in (X, y.astype(np.int64), X_test)]
    y_test_t = torch.from_numpy(y_test.astype(np.int64))
    rows = []
    for config in configs:
        times = {"numpy": [], "torch": []}
        scores = {}
        for repeat in range(repeats):
            seconds, model = fit_scratch(config, repeat, X, y)
            times["numpy"].append(seconds)
            scores["numpy"] = accuracy(model, X_test, y_test)
            seconds, model = fit_scratch(config, repeat, *tensors[:2], device="cpu")
            times["torch"].append(seconds)
            scores["torch"] = accuracy(model, tensors[2], y_test_t, device="cpu")
        numpy_s, torch_s = median(times["numpy"]), median(times["torch"])
        rows.append([
            config.name, f"{numpy_s:.2f}", f"{torch_s:.2f}",
            f"{torch_s / numpy_s:.2f}",
            f"{scores['numpy']:.4f}", f"{scores['torch']:.4f}",
        ])  # fmt: skip
    header = [
        "configuration", "NumPy arrays (s)", "PyTorch CPU tensors (s)",
        "ratio tensors / NumPy", "accuracy NumPy", "accuracy tensors",
    ]  # fmt: skip
    return markdown_table(header, rows)


def cuda_section(configs, repeats, data, torch, data_file):
    """Ours on CUDA tensors against PyTorch's own loop on the same GPU."""
    X, y, X_test, y_test = data
    device = "cuda"
    X_t, y_t, X_test_t = (
        torch.from_numpy(a).to(device) for a in (X, y.astype(np.int64), X_test)
    )
    y_test_t = torch.from_numpy(y_test.astype(np.int64)).to(device)
    fit_scratch(replace(configs[0], epochs=1), 0, X_t[:2048], y_t[:2048], device)
    rows = []
    for config in configs:
        ours, theirs, scores = [], [], {}
        for repeat in range(repeats):
            seconds, model = fit_scratch(config, repeat, X_t, y_t, device)
            ours.append(seconds)
            scores["ours"] = accuracy(model, X_test_t, y_test_t, device)
            found = run_torch_loop(config, repeat, device, data_file)
            theirs.append(found["seconds"])
            scores["torch"] = found["accuracy"]
        ours_s, theirs_s = median(ours), median(theirs)
        rows.append([
            config.name, f"{ours_s:.3f}", f"{theirs_s:.3f}",
            f"{ours_s / theirs_s:.2f}",
            f"{scores['ours']:.4f}", f"{scores['torch']:.4f}",
        ])  # fmt: skip
    header = [
        "configuration", "ScratchMLPClassifier on CUDA (s)",
        "PyTorch nn/optim loop on CUDA (s)", "ratio ours / PyTorch",
        "accuracy ours", "accuracy PyTorch",
    ]  # fmt: skip
    return markdown_table(header, rows) + f"\n\nGPU: {torch.cuda.get_device_name()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--torch-loop", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_loop:
        config, seed, device, data_file = args.torch_loop
        torch_loop_trial(Config(**json.loads(config)), int(seed), device, data_file)
        return

    try:
        import torch
    except ImportError:
        sys.exit("This benchmark needs PyTorch: python -m pip install torch==2.13.0")
    folder = args.data or Path(
        os.environ.get("SCRATCHNET_DATA")
        or Path(__file__).resolve().parents[2] / "shared" / "mnist"
    )
    X, X_test, y, y_test = load_idx_folder(folder)
    X, X_test = (np.asarray(a, dtype=np.float32) / 255 for a in (X, X_test))
    configs, repeats = FULL_CONFIGS, args.repeats or 3
    if args.quick:
        X, y = X[:5000], y[:5000]
        configs = [replace(c, epochs=QUICK_EPOCHS[c.hidden]) for c in FULL_CONFIGS]
        repeats = args.repeats or 1
    data = (X, y, X_test, y_test)

    print("# The note's network through the array API\n")
    print(
        f"{X.shape[0]} training digits, float32; medians of {repeats} repeat(s); "
        f"torch {torch.__version__}, scikit-learn {sklearn.__version__}, "
        f"NumPy {np.__version__}; {os.cpu_count()} CPU cores.\n"
    )
    print("## PyTorch CPU tensors beside NumPy arrays (informative)\n")
    print(cpu_section(configs, repeats, data, torch))
    print("\n## CUDA: ScratchMLPClassifier against PyTorch's own loop\n")
    if not torch.cuda.is_available():
        print("Skipped: PyTorch sees no CUDA device on this machine.")
        return
    data_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"mnist-{os.getpid()}.npz"
    np.savez(data_file, X_train=X, y_train=y, X_test=X_test, y_test=y_test)
    try:
        print(cuda_section(configs, repeats, data, torch, data_file))
    finally:
        data_file.unlink()


if __name__ == "__main__":
    main()
