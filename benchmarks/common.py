"""Timing helpers shared by the benchmarks: medians over many calls, in microseconds."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Timing:
    name: str
    median_us: float
    compile_s: float | None = None


def time_call(fn: Callable[[], object], *, min_time: float = 0.2, repeats: int = 7) -> float:
    """Median time of one call of `fn`, in microseconds (calls batched to beat timer noise)."""
    fn()
    fn()
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
            samples.append((time.perf_counter() - start) / number)
    finally:
        gc.enable()
    return statistics.median(samples) * 1e6


def timed_compile(build: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = build()
    return result, time.perf_counter() - start
