"""The symbolic graph: Variables, Apply nodes, Ops, Types, and the FunctionGraph.

The top of DESIGN.md's flow. Nothing here knows about tensors, rewrites,
lowering or torch.
"""

from .basic import Apply, Constant, Op, Type, Variable
from .fg import FunctionGraph, MissingInputError, clone_graph
from .traversal import ancestors, clone_replace, graph_inputs, io_toposort

__all__ = [
    "Apply", "Constant", "FunctionGraph", "MissingInputError", "Op", "Type", "Variable",
    "ancestors", "clone_graph", "clone_replace", "graph_inputs", "io_toposort",
]
