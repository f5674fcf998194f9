"""map, reduce, foldl, foldr: Theano's shorthands for common forms of scan.

`map` applies a function to each entry of its sequences; `reduce` carries states
through them and keeps only the last values (a rewrite then stores nothing else);
`foldl` and `foldr` are reduce from the left and from the right.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .basic import scan


def map(fn: Callable, sequences: Any, non_sequences: Any = None, truncate_gradient: int = -1,  # noqa: A001
        go_backwards: bool = False, mode: Any = None, name: str | None = None):
    """fn applied to each entry of `sequences`: `(outputs, updates)`."""
    return scan(fn, sequences=sequences, outputs_info=None, non_sequences=non_sequences,
                truncate_gradient=truncate_gradient, go_backwards=go_backwards, mode=mode,
                name=name)


def reduce(fn: Callable, sequences: Any, outputs_info: Any, non_sequences: Any = None,  # noqa: A001
           go_backwards: bool = False, mode: Any = None, name: str | None = None):
    """The states after the last step of `scan(fn, ...)`: `(last values, updates)`."""
    outputs, updates = scan(fn, sequences=sequences, outputs_info=outputs_info,
                            non_sequences=non_sequences, go_backwards=go_backwards, mode=mode,
                            name=name)
    if isinstance(outputs, (list, tuple)):
        return [o[-1] for o in outputs], updates
    return outputs[-1], updates


def foldl(fn: Callable, sequences: Any, outputs_info: Any, non_sequences: Any = None,
          mode: Any = None, name: str | None = None):
    """reduce from the first entry to the last."""
    return reduce(fn, sequences, outputs_info, non_sequences, go_backwards=False, mode=mode,
                  name=name)


def foldr(fn: Callable, sequences: Any, outputs_info: Any, non_sequences: Any = None,
          mode: Any = None, name: str | None = None):
    """reduce from the last entry to the first."""
    return reduce(fn, sequences, outputs_info, non_sequences, go_backwards=True, mode=mode,
                  name=name)
