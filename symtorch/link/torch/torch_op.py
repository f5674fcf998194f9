"""Torch rule for TorchOp (mirrors tensor/torch_op.py): call the user's function."""

from __future__ import annotations

from ...graph.basic import Apply
from ...tensor.torch_op import TorchOp
from .lowering import LoweringContext, lower


@lower(TorchOp)
def _torch_op(ctx: LoweringContext, node: Apply, *args):
    tensors = [ctx.tensor(a, v) for a, v in zip(args, node.inputs)]
    result = ctx.call(node.op.fn, *tensors)
    if len(node.outputs) == 1:
        return result
    return tuple(result[i] for i in range(len(node.outputs)))
