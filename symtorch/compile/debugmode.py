"""DebugMode: check every node's torch value against its NumPy reference.

The program is built to return, besides the function's outputs, the value of
every node; each node's `perform` is then run on the torch values of its
inputs and compared. The first node whose values differ is reported, with
where the user built it (`tag.trace`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..graph.basic import Constant, Variable
from .sharedvalue import tensor_to_numpy

_TOL = {"float16": 1e-2, "bfloat16": 5e-2, "float32": 1e-4, "complex64": 1e-4}


class DebugModeError(AssertionError):
    """A node's torch result differs from its NumPy reference."""


def checked_forward(program: Any, fgraph_inputs: list[Variable]):
    """A callable like the program's forward that verifies each captured node."""
    forward = program.module.forward
    n_out = program.n_outputs
    captured = program.captured

    def forward_and_check(*args: torch.Tensor):
        # Keep the values before the call: updates write into the shared tensors.
        inputs = {v: tensor_to_numpy(a) for v, a in zip(fgraph_inputs, args)}
        results = forward(*args)
        values: dict[Variable, np.ndarray] = dict(inputs)
        values.update({v: tensor_to_numpy(t) for v, t in zip(captured, results[n_out:])})
        seen = set()
        for var in captured:
            node = var.owner
            if node in seen:
                continue
            seen.add(node)
            args_np = [v.data if isinstance(v, Constant) else values[v] for v in node.inputs]
            try:
                expected = node.op.perform(node, args_np)
            except NotImplementedError:
                continue
            for out, ref in zip(node.outputs, expected):
                _compare(node, out, values[out], np.asarray(ref))
        return results[:n_out]

    return forward_and_check


def _compare(node: Any, out: Variable, got: np.ndarray, ref: np.ndarray) -> None:
    where = ""
    trace = node.tag.get("trace") if hasattr(node.tag, "get") else None
    if trace:
        where = f" (built at {trace[0]}:{trace[1]} in {trace[2]})"
    if got.shape != ref.shape:
        raise DebugModeError(f"{node.op}{where}: torch gives shape {got.shape}, the NumPy "
                             f"reference {ref.shape}")
    if str(got.dtype) != str(ref.dtype) and not (out.dtype == "bfloat16"):
        raise DebugModeError(f"{node.op}{where}: torch gives dtype {got.dtype}, the NumPy "
                             f"reference {ref.dtype}")
    if got.dtype.kind in "fc":
        tol = _TOL.get(out.dtype, 1e-7)
        ok = np.allclose(got, ref, rtol=tol, atol=tol, equal_nan=True)
    else:
        ok = np.array_equal(got, ref)
    if not ok:
        bad = np.argwhere(~np.isclose(got, ref, equal_nan=True)) if got.dtype.kind in "fc" \
            else np.argwhere(got != ref)
        first = tuple(bad[0]) if len(bad) else ()
        raise DebugModeError(
            f"{node.op}{where}: torch and the NumPy reference differ at {first}: "
            f"{got[first] if got.ndim else got} vs {ref[first] if ref.ndim else ref}")
