"""symtorch.tensor (Theano's `theano.tensor`, usually imported as T).

Types and constructors, and the op library: one module per family.
"""

from . import scalar
from .basic import (NotScalarConstantError, as_tensor, as_tensor_variable, constant,
                    get_scalar_constant_value)
from .elemwise import DimShuffle, Elemwise, dimshuffle
from .math import *  # noqa: F401,F403  elementwise functions, one per scalar-table row
from .math import cast
from .type import TensorType, constructors, tensor
from .variable import TensorConstant, TensorVariable

globals().update(constructors)

for _module in ("reduction", "shape", "construction", "join", "subtensor", "blas", "sort",
                "extra_ops"):
    try:
        _m = __import__(f"{__name__}.{_module}", fromlist=["__all__"])
    except ModuleNotFoundError as _err:
        if _err.name != f"{__name__}.{_module}":
            raise
        continue
    globals().update({k: getattr(_m, k) for k in getattr(_m, "__all__", ())})

from . import nnet  # noqa: E402

# Theano offers the differentiation functions on T as well.
from ..gradient import Lop, Rop, grad, hessian, jacobian, verify_grad  # noqa: E402,F401
