"""Compiling graphs into callables: function(), Function, In, Out, shared, Mode."""

from .function import Function, FunctionMaker, In, Out, UnusedInputError, function
from .mode import Mode, get_mode
from .sharedvalue import SharedVariable, shared

__all__ = ["Function", "FunctionMaker", "In", "Mode", "Out", "SharedVariable",
           "UnusedInputError", "function", "get_mode", "shared"]
