"""symtorch: Theano's symbolic tensor language on a PyTorch engine.

    import symtorch
    import symtorch.tensor as T
    x, y = T.dscalars('x', 'y')
    f = symtorch.function([x, y], x + y)
    f(2, 3)  # array(5.)
"""

from . import tensor
from .compile import Function, In, Mode, Out, SharedVariable, function, shared
from .config import change_flags, config
from .graph import Apply, Constant, FunctionGraph, Op, Type, Variable

__version__ = "0.1.0"

__all__ = ["Apply", "Constant", "Function", "FunctionGraph", "In", "Mode", "Op", "Out",
           "SharedVariable", "Type", "Variable", "change_flags", "config", "function",
           "shared", "tensor"]
