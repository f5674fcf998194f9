"""CUDA-graph capture of a whole compiled step, for small programs on the GPU.

A training step of a small model launches a few dozen kernels, and on a GPU
the time to launch them from Python exceeds the time they run. A CUDA graph
records the launches once and replays them with one call. What makes this
safe for a symtorch function is that its state already lives in fixed places:
shared variables are persistent device tensors, updated in place, so the
graph reads and writes them where they are. The user's arguments are copied
into input buffers the graph was recorded with, and its outputs are read from
the buffers it writes.

A graph is recorded per signature (the arguments' shapes and dtypes, and the
addresses of the shared tensors, which `set_value` with a new shape changes),
up to `MAX_GRAPHS`; beyond that, and for programs that cannot be captured
(those that read values back to the host), the program runs uncaptured.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch

MAX_GRAPHS = 8


class CapturedStep:
    """Runs `forward(*values)` by replaying a CUDA graph recorded for the values'
    signature. Values at the positions in `fixed` (shared tensors, inputs with
    storage) are used where they are, and may be written by the step; the others
    are the user's arguments, copied into the graph's buffers. `borrowed[i]` says
    output i may be the graph's own buffer (overwritten by the next call); other
    outputs are copied out."""

    def __init__(self, forward: Callable, fixed: Sequence[int], borrowed: Sequence[bool]):
        self.forward = forward
        self.fixed = frozenset(fixed)
        self.borrowed = tuple(borrowed)
        self.graphs: dict[tuple, _Recording] = {}
        self.failure: str | None = None

    def __call__(self, *values: torch.Tensor) -> Any:
        if self.failure is not None:
            return self.forward(*values)
        key = tuple((v.data_ptr() if i in self.fixed else None, v.shape, v.dtype)
                    for i, v in enumerate(values))
        recording = self.graphs.get(key)
        if recording is None:
            if len(self.graphs) >= MAX_GRAPHS:
                return self.forward(*values)
            recording = self._record(values)
            if recording is None:
                return self.forward(*values)
            self.graphs[key] = recording
        return recording.replay(values, self.borrowed)

    def _record(self, values: Sequence[torch.Tensor]) -> _Recording | None:
        inputs = [v if i in self.fixed else v.clone() for i, v in enumerate(values)]
        # Warming up runs the step, which writes the fixed tensors: keep their values.
        saved = [(v, v.clone()) for i, v in enumerate(values) if i in self.fixed]
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        graph = torch.cuda.CUDAGraph()
        try:
            with torch.cuda.stream(side):
                self.forward(*inputs)  # lazy initialisation happens outside the graph
            torch.cuda.current_stream().wait_stream(side)
            _restore(saved)
            with torch.cuda.graph(graph):
                outputs = self.forward(*inputs)
        except Exception as err:  # noqa: BLE001 - a program that cannot be captured runs as is
            _restore(saved)
            self.failure = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"
            warnings.warn(f"this program cannot be captured in a CUDA graph ({self.failure}); "
                          f"it runs uncaptured", RuntimeWarning, stacklevel=3)
            return None
        copied = [(buffer, i) for i, buffer in enumerate(inputs) if i not in self.fixed]
        return _Recording(graph, copied, tuple(outputs))


def _restore(saved: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
    for tensor, value in saved:
        tensor.copy_(value)


class _Recording:
    def __init__(self, graph: torch.cuda.CUDAGraph, copied: list[tuple[torch.Tensor, int]],
                 outputs: tuple[torch.Tensor, ...]):
        self.graph, self.copied, self.outputs = graph, copied, outputs

    def replay(self, values: Sequence[torch.Tensor], borrowed: Sequence[bool]) -> tuple:
        for buffer, i in self.copied:
            buffer.copy_(values[i])
        self.graph.replay()
        return tuple(out if borrow else out.clone() for out, borrow in zip(self.outputs, borrowed))
