"""Modes: which rewrites run and which backend runs the lowered program.

`FAST_COMPILE` runs few rewrites and the FX program as plain torch.
`FAST_RUN` runs all rewrites and compiles the program with Inductor;
`FAST_RUN_CUDA_GRAPHS` also replays it as a CUDA graph on a GPU.
`FAST_RUN_TORCH` runs all rewrites and the program as plain torch (what the
test suite uses for speed of compilation). `DebugMode` runs every node's
NumPy reference beside the torch program and reports the first mismatch.
Part of compile/; imports nothing above graph/.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..config import config

OPTIMIZERS = ("fast_run", "fast_compile", "merge", None)
LINKERS = ("torch", "inductor", "torch_compile", "debug")

# Theano's and Aesara's linker names, mapped to ours.
_LINKER_ALIASES = {"vm": "inductor", "cvm": "inductor", "c": "inductor", "py": "torch",
                   "c|py": "inductor", "vm_nogc": "inductor", "cvm_nogc": "inductor",
                   "c|py_nogc": "inductor", "pytorch": "torch", "numba": "inductor",
                   "jax": "inductor", "eager": "torch"}


@dataclass(frozen=True)
class Mode:
    """A choice of rewrites (`optimizer` plus tags included/excluded) and backend (`linker`).

    With `cuda_graphs`, a function compiled for a CUDA device records its whole
    step as a CUDA graph and replays it (link/torch/cudagraphs.py): for small
    programs, whose time goes to launching kernels. Elsewhere it changes nothing.
    """

    linker: str = "inductor"
    optimizer: str | None = "fast_run"
    included: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    name: str | None = None
    cuda_graphs: bool = False

    def __post_init__(self) -> None:
        linker = _LINKER_ALIASES.get(self.linker, self.linker)
        if linker not in LINKERS:
            raise ValueError(f"Mode: unknown linker {self.linker!r}; expected one of {LINKERS}")
        object.__setattr__(self, "linker", linker)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"Mode: unknown optimizer {self.optimizer!r}; expected one of "
                             f"{OPTIMIZERS}")

    def including(self, *tags: str) -> Mode:
        return replace(self, included=self.included + tags, name=None)

    def excluding(self, *tags: str) -> Mode:
        return replace(self, excluded=self.excluded + tags, name=None)

    def __str__(self) -> str:
        return self.name or f"Mode(linker={self.linker!r}, optimizer={self.optimizer!r})"


PREDEFINED = {
    "FAST_RUN": Mode("inductor", "fast_run", name="FAST_RUN"),
    "FAST_RUN_TORCH": Mode("torch", "fast_run", name="FAST_RUN_TORCH"),
    "FAST_RUN_CUDA_GRAPHS": Mode("inductor", "fast_run", name="FAST_RUN_CUDA_GRAPHS",
                                 cuda_graphs=True),
    "FAST_COMPILE": Mode("torch", "fast_compile", name="FAST_COMPILE"),
    "DebugMode": Mode("debug", "fast_run", name="DebugMode"),
    "DEBUG_MODE": Mode("debug", "fast_run", name="DebugMode"),
}


def get_mode(mode: Any = None) -> Mode:
    """A Mode from None (config.mode), a name, or a Mode."""
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    if isinstance(mode, str) and mode in PREDEFINED:
        return PREDEFINED[mode]
    raise ValueError(f"unknown mode {mode!r}; expected a Mode or one of {', '.join(PREDEFINED)}")
