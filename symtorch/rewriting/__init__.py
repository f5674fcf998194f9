"""Graph rewrites: the engine, the database, and the rewrites grouped by purpose.

`rewrite_for_mode(fgraph, mode)` is what `function()` calls. The rewrites
themselves live in `merge`, `canonicalize` (with `shape_rewrites`), `stabilize` and
`specialize`; importing this package registers all of them.
"""

from . import merge  # noqa: E402,F401  (registers)
from .basic import (
    NodeRewriter,
    PatternNodeRewriter,
    RewriteTypeError,
    apply_node_rewriter,
    equilibrium,
    node_rewriter,
    walk,
)
from .db import PHASES, register, rewrite_db, rewrite_for_mode

for _module in ("canonicalize", "shape_rewrites", "stabilize", "specialize", "scan_rewrites",
                "inner_rewrites"):
    try:
        __import__(f"{__name__}.{_module}")
    except ModuleNotFoundError as _err:
        if _err.name != f"{__name__}.{_module}":
            raise

__all__ = ["PHASES", "NodeRewriter", "PatternNodeRewriter", "RewriteTypeError",
           "apply_node_rewriter", "equilibrium", "node_rewriter", "register", "rewrite_db",
           "rewrite_for_mode", "walk"]
