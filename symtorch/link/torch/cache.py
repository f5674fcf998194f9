"""Compiled programs across processes: torch's disk caches, made to work for symtorch.

Inductor keeps what it compiles in a cache folder, and AOTAutograd keeps the
traced graph beside it, so that a later process loads the compiled program
instead of tracing and compiling it again. Both caches key a program by its
FX graph and the example inputs' metadata (torch's version included), and an
index entry that does not unpickle is a miss, rebuilt and written again;
`compile_or_repair` covers the generated files, which Inductor trusts by name.
Three things stood between symtorch's programs and those caches:

- the folder: symtorch points the caches at its own compile folder
  (`config.compiledir`), unless the user chose one with TORCHINDUCTOR_CACHE_DIR;
- the helpers: the caches refuse graphs that call Python functions they do
  not know, since a function's code is not part of their key. symtorch's
  helpers are fixed by symtorch's source, so `mark_cacheable` keys them with a
  fingerprint of it;
- the probe: on x86 CPUs, Inductor learns which vector instruction sets the
  C++ compiler can build for by compiling and loading test programs in
  subprocesses, a second of every new process. `settle_vector_probe` keeps
  a probe that passed, keyed by torch, the CPU's flags and the compiler.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pathlib
import platform
import shutil
import warnings
from collections.abc import Callable
from typing import TypeVar

import torch
import torch.fx

from ...config import config

T = TypeVar("T")


def use_disk_cache() -> None:
    """Point Inductor's caches at symtorch's compile folder, unless the user chose one,
    and settle the vector-instruction probe (see `settle_vector_probe`)."""
    if os.environ.get("TORCHINDUCTOR_CACHE_DIR") in (None, _torch_default_folder()):
        # (Importing torch._dynamo fills in torch's default: that is not a user's choice.)
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(config.compiledir, "inductor")
    settle_vector_probe()


def settle_vector_probe() -> None:
    """Tell Inductor the vector instruction sets build (`cpp.vec_isa_ok`) when they do.

    The first process on a machine runs Inductor's probe and, if every instruction
    set the CPU reports builds and loads, leaves a marker; later processes read the
    marker instead of probing. Every process then compiles with the same setting,
    which is part of the caches' key. Where a probe fails, nothing is remembered
    and each process probes as Inductor does by default.
    """
    marker = _vector_probe_marker()
    if marker is None:
        return
    from torch._inductor import config as inductor_config
    if inductor_config.cpp.vec_isa_ok is not None:  # the user decided
        return
    if not marker.exists():
        from torch._inductor import cpu_vec_isa
        flags = cpu_vec_isa.x86_isa_checker()
        reported = [isa for isa in cpu_vec_isa.supported_vec_isa_list
                    if all(flag in flags for flag in str(isa).split())]
        if not reported or reported != cpu_vec_isa.valid_vec_isa_list():
            return
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("every vector instruction set the CPU reports builds and loads\n")
    inductor_config.cpp.vec_isa_ok = True


def _torch_default_folder() -> str | None:
    try:
        from torch._inductor.runtime.cache_dir_utils import default_cache_dir
    except ImportError:
        return None
    return os.path.abspath(default_cache_dir())


def compile_or_repair(compile: Callable[[], T]) -> T:
    """Run `compile`. If it fails, run it once more in a new, empty cache folder beside
    the shared one, which other processes may be using and is left alone. If the
    second try fails too, the error was not the cache's: the new folder is removed
    and the first error raised. If it succeeds, the shared folder held an entry that
    does not load (Inductor trusts the files it finds under their content's hash),
    so it is renamed to `<folder>.broken` and the new folder takes its name."""
    try:
        return compile()
    except Exception as first:
        folder = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
        if not folder or not os.path.isdir(folder):
            raise
        from torch._inductor.utils import fresh_cache
        parent = os.path.dirname(os.path.abspath(folder))
        fresh = None
        try:
            with fresh_cache(dir=parent, delete=False):
                fresh = os.environ["TORCHINDUCTOR_CACHE_DIR"]
                result = compile()
        except Exception:
            if fresh is not None:
                shutil.rmtree(fresh, ignore_errors=True)
            raise first from None
        aside = folder.rstrip(os.sep) + ".broken"
        shutil.rmtree(aside, ignore_errors=True)
        os.replace(folder, aside)
        os.replace(fresh, folder)
        warnings.warn(f"the compile cache {folder} held an entry that does not load; it was "
                      f"moved to {aside} and is rebuilt", RuntimeWarning, stacklevel=2)
        return result


def _vector_probe_marker() -> pathlib.Path | None:
    return _vector_probe_marker_in(config.compiledir)


@functools.cache
def _vector_probe_marker_in(compiledir: str) -> pathlib.Path | None:
    """Where a passed probe is remembered, or None where symtorch does not remember it
    (not x86 Linux, or Inductor's probe has moved)."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return None
    try:
        from torch._inductor import cpp_builder, cpu_vec_isa
        compiler = shutil.which(cpp_builder.get_cpp_compiler())
        flags = sorted(cpu_vec_isa.x86_isa_checker())
    except (ImportError, AttributeError, RuntimeError):
        return None
    if compiler is None:
        return None
    stat = os.stat(compiler)
    key = hashlib.sha256(repr((torch.__version__, flags, compiler, stat.st_size,
                               stat.st_mtime_ns)).encode()).hexdigest()[:24]
    return pathlib.Path(compiledir) / "vector-probe" / key


def mark_cacheable(module: torch.fx.GraphModule) -> None:
    """Let Inductor's and AOTAutograd's disk caches keep this program.

    symtorch's helpers (the functions its rules call) are plain module-level
    functions, so their behaviour is fixed by symtorch's source: they are marked
    with a fingerprint of it, through torch's hook for wrapped functions.
    Closures and users' functions stay unmarked, and a program calling them is
    compiled afresh in each process.
    """
    for node in module.graph.nodes:
        fn = node.target
        if (node.op == "call_function" and getattr(fn, "__module__", "").startswith("symtorch.")
                and "<locals>" not in getattr(fn, "__qualname__", "<locals>")
                and getattr(fn, "__closure__", None) is None):
            node.meta["is_wrapped"] = True
            node.meta["user_cache_hash"] = source_fingerprint()


@functools.cache
def source_fingerprint() -> str:
    """A digest of symtorch's own source files: any change invalidates cached programs."""
    root = pathlib.Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
