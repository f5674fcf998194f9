"""Timing helpers shared by the benchmarks: medians over many calls, in microseconds."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass
class Timing:
    name: str
    median_us: float
    compile_s: float | None = None
    peak_mb: float | None = None
    note: str = ""


def reset_peak_memory() -> None:
    """Reset the process's peak resident memory (Linux), and CUDA's peak counter."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def peak_memory_mb() -> float | None:
    """Peak memory since the last reset: CUDA allocations on a GPU, else process RSS."""
    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def measure(name: str, fn: Callable[[], object], compile_s: float | None = None,
            note: str = "") -> Timing:
    """Time `fn` (median per call) and record the peak memory while it ran."""
    reset_peak_memory()
    median = time_call(fn)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return Timing(name, median, compile_s, peak_memory_mb(), note)


def time_call(fn: Callable[[], object], *, min_time: float = 0.2, repeats: int = 7) -> float:
    """Median time of one call of `fn`, in microseconds (calls batched to beat timer noise)."""
    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    # Warm up past symtorch's first calls, where a compiled program and the plain one
    # alternate while the faster is being chosen (12 calls on CPU).
    for _ in range(14):
        fn()
    sync()
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed > min_time / repeats or number > 1 << 20:
            break
        number *= 4
    samples = []
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            sync()
            samples.append((time.perf_counter() - start) / number)
    finally:
        gc.enable()
    return statistics.median(samples) * 1e6


def timed_compile(build: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = build()
    return result, time.perf_counter() - start


def print_rows(title: str, rows: list[Timing]) -> None:
    """A workload's rows on the terminal, with ratios to the first row (the modules' own CLIs)."""
    print(title)
    base = rows[0].median_us
    width = max(len(r.name) for r in rows)
    for r in rows:
        time_ = f"{r.median_us / 1000:8.2f} ms" if r.median_us >= 1000 else f"{r.median_us:8.1f} µs"
        compile_s = f"{r.compile_s:7.2f} s" if r.compile_s is not None else ""
        print(f"  {r.name:{width}s} {time_}  {r.median_us / base:6.2f}x  compile {compile_s}")
