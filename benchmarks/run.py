"""Run every benchmark in one process and write benchmarks/RESULTS.md.

    python -m benchmarks.run [--only NAME ...] [--runs N]

Times are medians per call, each row's best of `--runs` runs (default 2: the
machine is noisy); "vs torch" is the ratio to plain torch and "vs best peer"
the ratio to the fastest non-symtorch implementation, all measured in the same
process. Tests never assert times; this file only reports. PyTensor and JAX
are compared when installed (optional extras); a plot of the ratios is
written when matplotlib is installed.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import platform
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch

from . import compile_cache, derivatives, elementwise, jacobian, overhead, peers, rewriting, rnn, training
from .common import Timing

COMMAND = "python -m benchmarks.run"

WORKLOADS: dict[str, tuple[str, Callable[[], list[Timing]]]] = {
    "accumulator": ("Per-call overhead: the accumulator (one in-place update)",
                    lambda: overhead.accumulator("FAST_COMPILE")
                    + [r for r in overhead.accumulator("FAST_RUN") if r.name.startswith("symtorch")]
                    + peers.accumulator()),
    "chain_small": ("10-op elementwise chain on float32[100] (call overhead)",
                    lambda: overhead.elementwise_chain("FAST_COMPILE")
                    + overhead.elementwise_chain("FAST_RUN")[1:]),
    "logistic": ("Logistic-regression training step (N=400, 784 features, float64)",
                 training.logistic_regression),
    "mlp": ("MLP training step (784-500-10, tanh, softmax, batch 128, float32)", training.mlp),
    "hvp": ("Hessian-vector product (x of size 1000, y = sum(tanh(x)**2 * c))",
            derivatives.hessian_vector),
    "jacobian": ("Vectorized Jacobian of x**2, n = 200", jacobian.jacobian_square),
    "rnn": ("RNN trained by BPTT: 100 steps, batch 32, 64 inputs, 128 hidden, float32",
            rnn.rnn_bptt),
    "chain_large": ("Memory-bound elementwise chain on float32[4096, 4096]",
                    elementwise.elementwise_chain),
}

# On a CUDA machine, the training steps run once more on the GPU, with CUDA graphs too.
GPU_MODES = ("FAST_COMPILE", "FAST_RUN", "FAST_RUN_CUDA_GRAPHS")
GPU_WORKLOADS: dict[str, tuple[str, Callable[[], list[Timing]]]] = {
    "gpu_logistic": ("GPU: logistic-regression training step (N=400, 784 features, float64)",
                     lambda: training.logistic_regression(GPU_MODES, device="cuda")),
    "gpu_mlp": ("GPU: MLP training step (784-500-10, batch 128, float32)",
                lambda: training.mlp(GPU_MODES, device="cuda")),
}


def best_of(runs: list[list[Timing]]) -> list[Timing]:
    """Each row's fastest median over several runs of a workload; its compile time is the
    first run's (the later ones find warm caches)."""
    best = []
    for rows in zip(*runs):
        fastest = min(rows, key=lambda r: r.median_us)
        best.append(replace(fastest, compile_s=rows[0].compile_s))
    return best


def _is_peer(name: str) -> bool:
    return not name.startswith("symtorch") and not name.startswith("bare")


def table(title: str, rows: list[Timing]) -> str:
    base = next((r.median_us for r in rows if r.name.startswith("plain torch")), rows[0].median_us)
    peers = [r.median_us for r in rows if _is_peer(r.name)]
    best = min(peers) if peers else base
    lines = [f"### {title}", "",
             "| implementation | median per call | vs torch | vs best peer | compile (s) "
             "| peak memory (MiB) | note |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        compile_s = f"{r.compile_s:.2f}" if r.compile_s is not None else ""
        peak = f"{r.peak_mb:.0f}" if r.peak_mb is not None else ""
        lines.append(f"| {r.name} | {_format_time(r.median_us)} | {r.median_us / base:.2f}x | "
                     f"{r.median_us / best:.2f}x | {compile_s} | {peak} | {r.note} |")
    return "\n".join(lines) + "\n"


def _format_time(us: float) -> str:
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.1f} µs"


def plot(results: dict[str, list[Timing]], path: Path) -> bool:
    if importlib.util.find_spec("matplotlib") is None:
        return False
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 0.4 * sum(len(r) for r in results.values()) + 1))
    labels, ratios = [], []
    for key, rows in results.items():
        base = next((r.median_us for r in rows if r.name.startswith("plain torch")), rows[0].median_us)
        for r in rows:
            labels.append(f"{key}: {r.name}")
            ratios.append(r.median_us / base)
    ax.barh(range(len(ratios)), ratios)
    ax.set_yticks(range(len(ratios)), labels, fontsize=7)
    ax.axvline(1.0, color="k", linewidth=0.8)
    ax.set_xlabel("time per call relative to plain torch (lower is better)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*",
                        choices=sorted(WORKLOADS) + sorted(GPU_WORKLOADS) + ["rewriting", "compile_cache"],
                        help="workloads to run")
    parser.add_argument("--runs", type=int, default=2,
                        help="run each workload this many times and keep each row's best median "
                             "(the machine is noisy)")
    args = parser.parse_args(argv)
    workloads = {**WORKLOADS, **(GPU_WORKLOADS if torch.cuda.is_available() else {})}
    chosen = [k for k in (args.only or list(workloads)) if k in workloads]
    results: dict[str, list[Timing]] = {}
    sections = []
    for key in chosen:
        title, run = workloads[key]
        print(f"running {key} ...", file=sys.stderr, flush=True)
        results[key] = best_of([run() for _ in range(args.runs)])
        sections.append(table(title, results[key]))
    optional = [name for name in ("pytensor", "jax") if importlib.util.find_spec(name) is None]
    device = (f"CUDA {torch.cuda.get_device_name()}" if torch.cuda.is_available() else "no GPU")
    command = (f"PYTENSOR_FLAGS={os.environ['PYTENSOR_FLAGS']} " if "PYTENSOR_FLAGS" in os.environ
               else "") + COMMAND + (f" --only {' '.join(args.only)}" if args.only else "") \
        + (f" --runs {args.runs}" if args.runs != 2 else "")
    header = (f"# symtorch benchmark results\n\nMade by `{command}` on "
              f"{datetime.date.today().isoformat()}: Python {platform.python_version()}, "
              f"torch {torch.__version__}, {os.cpu_count()} CPU cores, {device}, "
              f"{torch.get_num_threads()} torch threads.\n\n"
              + (f"Not installed, so not compared: {', '.join(optional)}.\n\n" if optional else "")
              + "Compile times in the workload tables include the disk cache as earlier runs "
                "left it; the compile-cache table measures a cold and a warm process.\n\n")
    if args.only is None or "rewriting" in args.only:
        print("running rewriting ...", file=sys.stderr, flush=True)
        sections.append(rewriting.section())
    if args.only is None or "compile_cache" in args.only:
        print("running compile_cache ...", file=sys.stderr, flush=True)
        sections.append(compile_cache.section())
    out = Path(__file__).with_name("RESULTS.md")
    text = header + "\n".join(sections)
    if plot(results, out.with_name("ratios.png")):
        text += "\n![ratios to plain torch](ratios.png)\n"
    out.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
