"""Run every benchmark in one process and write benchmarks/RESULTS.md.

    python -m benchmarks.run            # from the repository root

Times are medians per call in microseconds; ratios are against plain torch
measured in the same run. Tests never assert times; this file only reports.
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

import torch

from . import overhead
from .common import Timing

COMMAND = "python -m benchmarks.run"


def table(title: str, rows: list[Timing], baseline: str) -> str:
    base = next(r.median_us for r in rows if r.name.startswith(baseline))
    lines = [f"### {title}", "",
             "| implementation | median per call (µs) | ratio to plain torch | compile (s) |",
             "|---|---:|---:|---:|"]
    for r in rows:
        compile_s = f"{r.compile_s:.3f}" if r.compile_s is not None else ""
        lines.append(f"| {r.name} | {r.median_us:.2f} | {r.median_us / base:.2f}x | {compile_s} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    sections = []
    for mode in ("FAST_COMPILE", "FAST_RUN"):
        acc = overhead.accumulator(mode)
        sections.append(table(f"Accumulator call overhead, {mode}", acc, "plain torch (Python int"))
        chain = overhead.elementwise_chain(mode)
        sections.append(table(f"10-op elementwise chain, float32[100], {mode}", chain, "plain torch"))
    header = (f"# symtorch benchmark results\n\nMade by `{COMMAND}` on "
              f"{datetime.date.today().isoformat()}: Python {platform.python_version()}, "
              f"torch {torch.__version__}, {os.cpu_count()} CPU cores, "
              f"{'CUDA ' + torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU'}."
              f"\n\n")
    text = header + "\n".join(sections)
    out = Path(__file__).with_name("RESULTS.md")
    out.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
