"""Profiling compiled functions: time per graph node (`function(..., profile=True)`).

A profiled function runs its FX program through an interpreter that times
each torch call and charges it to the symtorch node whose rule emitted it
(the lowering tags every FX node). `f.profile.summary()` prints the table.
Profiling costs Python time per node, so it is only on when asked for.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from typing import Any, TextIO

import torch
import torch.fx


class ProfileStats:
    """Accumulated calls and time, per node and for whole calls."""

    def __init__(self, name: str | None):
        self.name = name
        self.calls = 0
        self.call_time = 0.0
        self.node_time: dict[str, float] = defaultdict(float)
        self.node_calls: dict[str, int] = defaultdict(int)

    def summary(self, file: TextIO | None = None, n_nodes: int = 20) -> str:
        lines = [f"Function profile: {self.name or '<unnamed>'}",
                 f"  {self.calls} call(s), {self.call_time:.6f} s in all, "
                 f"{(self.call_time / max(self.calls, 1)) * 1e6:.1f} us per call", "",
                 "  time (s)  share  calls  node"]
        total = sum(self.node_time.values()) or 1.0
        ranked = sorted(self.node_time.items(), key=lambda kv: -kv[1])[:n_nodes]
        for label, seconds in ranked:
            lines.append(f"  {seconds:8.6f}  {seconds / total:5.1%}  {self.node_calls[label]:5d}  {label}")
        text = "\n".join(lines)
        print(text, file=file or sys.stdout)
        return text


class _TimingInterpreter(torch.fx.Interpreter):
    def __init__(self, module: torch.fx.GraphModule, stats: ProfileStats):
        super().__init__(module)
        self.stats = stats

    def run_node(self, n: torch.fx.Node) -> Any:
        start = time.perf_counter()
        result = super().run_node(n)
        apply = n.meta.get("symtorch_apply")
        if apply is not None:
            label = str(apply)
            self.stats.node_time[label] += time.perf_counter() - start
            self.stats.node_calls[label] += 1
        return result


def profiled_forward(module: torch.fx.GraphModule, stats: ProfileStats):
    """A callable like `module.forward` that records timings into `stats`."""
    def forward(*args: Any) -> Any:
        start = time.perf_counter()
        result = _TimingInterpreter(module, stats).run(*args)
        stats.calls += 1
        stats.call_time += time.perf_counter() - start
        return result

    return forward
