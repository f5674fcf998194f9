"""Configuration flags: `config.floatX`, `config.device`, `config.mode`, ...

The bottom of the stack: every module may read `config`, and this module
imports nothing from symtorch. Flags are read from the environment variable
SYMTORCH_FLAGS ("floatX=float32,device=cuda") once, at import, and can be
changed for a block with `config.change_flags(...)`.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Flag:
    """One configuration flag: its default and a function that checks a value."""

    name: str
    default: Any
    check: Callable[[Any], Any]
    doc: str


def _one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        value = str(value)
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}; got {value!r}")
        return value

    return check


def _device(value: Any) -> str:
    value = str(value)
    if value in ("cpu", "cuda", "auto") or (value.startswith("cuda:") and value[5:].isdigit()):
        return value
    raise ValueError(f"expected 'cpu', 'cuda', 'cuda:N' or 'auto'; got {value!r}")


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected a boolean; got {value!r}")
    return bool(value)


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v for v in value.replace(":", " ").split() if v)
    return tuple(value)


def _default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "symtorch")


FLAGS = {
    flag.name: flag
    for flag in [
        Flag("floatX", "float64", _one_of("float64", "float32", "float16", "bfloat16"),
             "dtype of floating variables made without a dtype prefix"),
        Flag("device", "cpu", _device, "where shared values and computations live"),
        Flag("mode", "FAST_RUN", _one_of("FAST_RUN", "FAST_COMPILE", "FAST_RUN_TORCH", "DebugMode"),
             "the default compilation mode"),
        Flag("output_type", "numpy", _one_of("numpy", "torch"),
             "what compiled functions return by default"),
        Flag("compiledir", _default_cache_dir(), str, "folder of the on-disk compile cache"),
        Flag("optimizer_including", (), _names, "extra rewrite tags or names to include"),
        Flag("optimizer_excluding", (), _names, "rewrite tags or names to exclude"),
        Flag("compute_test_value", "off", _one_of("off", "ignore", "warn", "raise"),
             "accepted for Theano compatibility; symtorch checks types eagerly"),
        Flag("profile", False, _bool, "profile every compiled function"),
    ]
}

# Theano flags with no meaning here: accepted and ignored, so old scripts run.
IGNORED_PREFIXES = ("warn", "linker", "cxx", "gcc", "blas", "nvcc", "cuda", "dnn", "lib",
                    "openmp", "optimizer", "exception_verbosity", "traceback", "cmodule",
                    "scan", "tensor", "on_opt_error", "allow_gc", "base_compiledir", "config")


class Config:
    """The flag values in force. Attribute access reads them; assignment checks them."""

    def __init__(self) -> None:
        object.__setattr__(self, "_values", {name: f.default for name, f in FLAGS.items()})

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"symtorch.config has no flag {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in FLAGS:
            raise AttributeError(f"symtorch.config has no flag {name!r}; flags: {', '.join(FLAGS)}")
        try:
            self._values[name] = FLAGS[name].check(value)
        except ValueError as err:
            raise ValueError(f"config.{name}: {err}") from None

    @contextlib.contextmanager
    def change_flags(self, **changes: Any) -> Iterator[None]:
        """Set flags for the duration of a `with` block, then restore them."""
        saved = dict(self._values)
        try:
            for name, value in changes.items():
                setattr(self, name, value)
            yield
        finally:
            self._values.clear()
            self._values.update(saved)

    def parse_flags(self, text: str, *, source: str = "SYMTORCH_FLAGS") -> None:
        """Apply "name=value,name=value"; unknown Theano-only flags are ignored."""
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep:
                raise ValueError(f"{source}: expected name=value, got {item!r}")
            if name in FLAGS:
                setattr(self, name, value.strip())
            elif name.split(".")[0] in IGNORED_PREFIXES or name.split("__")[0] in IGNORED_PREFIXES:
                continue
            else:
                warnings.warn(f"{source}: unknown flag {name!r} ignored", stacklevel=2)

    def __repr__(self) -> str:
        return "\n".join(f"{name} = {value!r}" for name, value in self._values.items())


config = Config()
change_flags = config.change_flags
config.parse_flags(os.environ.get("SYMTORCH_FLAGS", ""))
