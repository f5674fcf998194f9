"""Lowering of FunctionGraphs to torch programs.

`lowering.py` holds the registry and the FX builder; every other module here
holds the rules for the ops of the tensor module of the same name.
"""

from . import elemwise  # noqa: F401  (registers rules)
from .lowering import LOWERINGS, Program, build_program, lower

for _module in ("math", "reduction", "shape", "construction", "join", "subtensor", "blas", "sort",
                "extra_ops", "nnet", "torch_op", "gradient", "blas_fused", "ifelse", "scan"):
    try:
        __import__(f"{__name__}.{_module}")
    except ModuleNotFoundError as _err:
        if _err.name != f"{__name__}.{_module}":
            raise

__all__ = ["LOWERINGS", "Program", "build_program", "lower"]
