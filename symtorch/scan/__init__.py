"""Loops: `scan` (Theano's symbolic for/while loop), `map`, `reduce`, `foldl`, `foldr`
and `until`.

`scan` builds one Scan node (op.py) whose step is an inner graph; its gradient and
R_op (grad.py) are Scans too, so loops can be differentiated again. The torch rule is
in link/torch/scan.py, the loop rewrites in rewriting/scan_rewrites.py.
"""

from .basic import scan
from .op import Scan
from .utils import InnerGraph, ScanParts, until
from .views import foldl, foldr, map, reduce  # noqa: A004

# `symtorch.scan` is the function (as `theano.scan` is); these make `symtorch.scan.until`
# and friends work on it too.
scan.until = until
scan.map = map
scan.reduce = reduce
scan.foldl = foldl
scan.foldr = foldr
scan.scan = scan
scan.Scan = Scan

__all__ = ["InnerGraph", "Scan", "ScanParts", "foldl", "foldr", "map", "reduce", "scan", "until"]
