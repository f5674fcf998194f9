"""symtorch: Theano's symbolic tensor language on a PyTorch engine.

    import symtorch
    import symtorch.tensor as T
    x, y = T.dscalars('x', 'y')
    f = symtorch.function([x, y], x + y)
    f(2, 3)  # array(5.)
"""

from . import gradient, ifelse, printing, tensor
from . import scan as scan_module  # Theano's theano.scan_module: symtorch.scan_module.until
from .compile import Function, In, Mode, Out, SharedVariable, function, shared
from .config import change_flags, config
from .gradient import (Lop, Rop, consider_constant, disconnected_grad, grad, grad_clip,
                       grad_scale, hessian, jacobian, verify_grad, zero_grad)
from .graph import Apply, Constant, FunctionGraph, Op, Type, Variable
from .printing import debugprint, dprint, pp, pprint, pydotprint
from .scan import foldl, foldr, map, reduce, scan, until  # noqa: A004  (scan: the function)
from .tensor.torch_op import TorchOp, torch_op

__version__ = "0.1.0"

__all__ = ["Apply", "Constant", "Function", "FunctionGraph", "In", "Lop", "Mode", "Op", "Out",
           "Rop", "SharedVariable", "TorchOp", "Type", "Variable", "change_flags", "config",
           "consider_constant", "debugprint", "disconnected_grad", "dprint", "foldl", "foldr",
           "function", "grad", "grad_clip", "grad_scale", "gradient", "hessian", "ifelse",
           "jacobian", "map", "pp", "pprint", "printing", "pydotprint", "reduce", "scan",
           "scan_module", "shared", "tensor", "torch_op", "until", "verify_grad", "zero_grad"]
