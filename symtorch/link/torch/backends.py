"""Backends: how a lowered program runs. Plain torch, or compiled by Inductor.

The last box of DESIGN.md's flow. `runner(program, linker)` returns the
callable a Function calls. `eager` is the FX module's own forward.
`inductor` hands the FX graph straight to Inductor (`standalone_compile`,
which runs `compile_fx` in a tracing context of its own): symtorch's
graph is already static and typed, so it pays neither Dynamo's bytecode
tracing nor its per-call guards. Inductor specializes on input shapes, so a
program is compiled once per signature of the lengths that its types leave
unknown, and after `MAX_SIGNATURES` of them once more with dynamic shapes
(through the public `torch.compile`, which is also the fallback where the
private entry point is missing). Compiled programs are shared within the
process by structure, and torch's disk caches serve later processes (cache.py).
"""

from __future__ import annotations

import hashlib
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.fx

from .cache import compile_or_repair, mark_cacheable, use_disk_cache

MAX_SIGNATURES = 8

# Compiled programs of this process, by structure: (code, constants, input signature).
_COMPILED: dict[tuple, Callable] = {}


def _compile_fx() -> Callable | None:
    """Inductor's entry point for an FX graph with example inputs, or None on a torch
    that lacks it. `standalone_compile` sets up the tracing context that lets the
    result enter Inductor's and AOTAutograd's disk caches."""
    try:
        from torch._inductor import standalone_compile
    except ImportError:  # a torch where the entry point moved
        return None

    def compile_fx(module: torch.fx.GraphModule, args: list) -> Callable:
        artifact = standalone_compile(module, args, dynamic_shapes="from_example_inputs")
        return getattr(artifact, "_compiled_fn", artifact)  # one call less per run

    return compile_fx


class InductorProgram:
    """Runs a program compiled by Inductor: one compiled callable per shape signature.

    `dynamic` lists the positions of inputs whose type leaves some length unknown
    (and shared inputs, whose shape set_value may change): only their shapes are
    looked at per call. When `buffered` names outputs (borrowed ones), `module`
    takes one more input per such output, a persistent tensor it writes the
    result into; `plain` is the same program without them, run on fake tensors
    to learn the outputs' shapes for each signature. A program without dynamic
    inputs has one signature: once its runner is chosen, `on_final` hands it to the
    caller, which then calls it directly.
    """

    def __init__(self, module: torch.fx.GraphModule, dynamic: Sequence[int],
                 entry: str = "compile_fx", plain: torch.fx.GraphModule | None = None,
                 buffered: Sequence[int] = (),
                 on_final: Callable[[Callable], None] | None = None):
        self.module = module
        self.on_final = on_final
        self.plain = plain if plain is not None else module
        self.buffered = tuple(buffered)
        self.dynamic = tuple(dynamic)
        self.entry = entry
        self.by_signature: dict[tuple, Callable] = {}
        self.general: Callable | None = None
        self.compile_seconds = 0.0
        self.compiles = 0
        self.fallback_reason: str | None = None
        self._structure = _structure_key(module)

    def __call__(self, *args: torch.Tensor) -> Any:
        key = tuple([args[i].shape for i in self.dynamic])
        fn = self.by_signature.get(key)
        if fn is None:
            fn = self._compiled_for(key, args)
        return fn(*args)

    def _compiled_for(self, key: tuple, args: Sequence[torch.Tensor]) -> Callable:
        if len(self.by_signature) >= MAX_SIGNATURES and not self.buffered:
            if self.general is None:
                self.general = self._timed(lambda: _torch_compile(self.module, dynamic=True))
            return self.general
        fake_outputs, problem = _dry_run(self.plain, args)
        buffers = tuple(torch.empty(fake_outputs[i].shape, dtype=fake_outputs[i].dtype,
                                    device=fake_outputs[i].device) for i in self.buffered)
        full_args = (*args, *buffers)
        if problem is None and self.module is not self.plain:
            _dry_run(self.module, full_args)  # leaves the metadata on the program compiled
        if problem is not None:  # data-dependent Python values: the program stays eager
            self.fallback_reason = problem
            fn = self.module.forward
        else:
            # Every input's shape counts: two programs of the same code may differ in
            # the lengths their types fix.
            cache_key = (self._structure, tuple((a.shape, a.stride(), a.dtype, a.device) for a in args))
            fn = _COMPILED.get(cache_key)
            if fn is None:
                fn = self._timed(lambda: self._compile(full_args))
                _COMPILED[cache_key] = fn

        def settle(chosen: Callable) -> None:
            self.by_signature[key] = _with_buffers(chosen, buffers)
            if not self.dynamic and not isinstance(chosen, _FasterOfTwo) and self.on_final:
                self.on_final(self.by_signature[key])  # one signature: the caller may skip us

        if fn is not self.module.forward and all(a.device.type == "cpu" for a in args):
            settle(_FasterOfTwo(fn, self.module.forward, settle))
        else:
            settle(fn)
        return self.by_signature[key]

    def _compile(self, args: Sequence[torch.Tensor]) -> Callable:
        compile_fx = _compile_fx() if self.entry == "compile_fx" else None
        if compile_fx is not None:
            mark_cacheable(self.module)
            try:
                return compile_or_repair(lambda: compile_fx(self.module, list(args)))
            except Exception as err:  # noqa: BLE001 - any tracing failure falls back
                reason = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"
                warnings.warn(f"Inductor could not compile this program directly ({reason}); "
                              f"using torch.compile instead", RuntimeWarning, stacklevel=4)
        return _torch_compile(self.module, dynamic=False)

    def _timed(self, build: Callable[[], Callable]) -> Callable:
        start = time.perf_counter()
        fn = build()
        self.compile_seconds += time.perf_counter() - start
        self.compiles += 1
        return fn


def _with_buffers(fn: Callable, buffers: tuple) -> Callable:
    if not buffers:
        return fn

    def run(*args: torch.Tensor) -> Any:
        return fn(*args, *buffers)

    run.inner = fn  # type: ignore[attr-defined]
    return run


class _FasterOfTwo:
    """For the first calls, alternate the compiled program and the plain one, timing
    both; then keep the faster for this signature. On tiny programs the compiled
    wrapper's own overhead can exceed the work it saves. Both compute the same
    thing, so alternating real calls is safe. (CPU only: CUDA timing is async.)"""

    TRIALS = 6

    def __init__(self, compiled: Callable, eager: Callable, settle: Callable[[Callable], None]):
        self.candidates = (compiled, eager)
        self.times: tuple[list[float], list[float]] = ([], [])
        self.settle = settle
        self.calls = 0
        self.chosen: str | None = None

    def __call__(self, *args: torch.Tensor) -> Any:
        which = self.calls % 2
        self.calls += 1
        start = time.perf_counter()
        result = self.candidates[which](*args)
        self.times[which].append(time.perf_counter() - start)
        if self.calls >= 2 * self.TRIALS and self.chosen is None:
            compiled, eager = (sorted(t)[len(t) // 2] for t in self.times)
            best = 1 if eager < 0.8 * compiled else 0  # plain torch only when clearly faster
            self.chosen = ("compiled", "plain torch")[best]
            self.settle(self.candidates[best])
        return result


def _dry_run(module: torch.fx.GraphModule, args: Sequence[torch.Tensor]) -> tuple[list, str | None]:
    """Run the program on fake tensors of the arguments' shapes before compiling it.

    Returns the fake outputs (their shapes and dtypes) and None; or, for a program
    that needs data-dependent Python values (`.item()`) or lengths (`nonzero`) and
    so cannot be traced, no outputs and the reason: the caller then runs it as
    plain torch. Inconsistent arguments (lengths that do not broadcast, an update
    of the wrong shape) raise torch's error here, before anything is compiled or
    written.

    Each node keeps its fake value as `example_value`, the metadata Dynamo would
    have left: AOTAutograd's cache accepts only graphs whose method calls are on
    values it can see are tensors.
    """
    from torch._subclasses.fake_tensor import (
        DataDependentOutputException,
        DynamicOutputShapeException,
        FakeTensorMode,
    )
    from torch.fx.passes.fake_tensor_prop import FakeTensorProp

    fake_mode = FakeTensorMode(allow_non_fake_inputs=True)
    try:
        outputs = FakeTensorProp(module, fake_mode).propagate(
            *[fake_mode.from_tensor(a) for a in args])
    except (DataDependentOutputException, DynamicOutputShapeException) as err:
        return [], f"needs data-dependent values or lengths ({err})"
    except RuntimeError as err:
        if type(err) is not RuntimeError:
            raise
        # torch's message, without the dump of FX nodes that follows it
        shapes = ", ".join(str(tuple(a.shape)) for a in args)
        raise RuntimeError(f"arguments of shapes {shapes} do not fit this program: "
                           f"{str(err).splitlines()[0]}") from err
    for node in module.graph.nodes:
        if "val" in node.meta:
            node.meta["example_value"] = node.meta["val"]
    return list(outputs), None


def _torch_compile(module: torch.fx.GraphModule, dynamic: bool) -> Callable:
    """The public route: Dynamo traces the module's generated forward."""
    compiled = torch.compile(module.forward, fullgraph=True, dynamic=dynamic)

    def run(*args: torch.Tensor):
        try:
            return compiled(*args)
        except Exception as err:  # noqa: BLE001
            warnings.warn(f"torch.compile failed on this program ({type(err).__name__}); "
                          f"running it as plain torch", RuntimeWarning, stacklevel=2)
            return module.forward(*args)

    return run


def _structure_key(module: torch.fx.GraphModule) -> str:
    """What makes two programs the same: their code and their constants' values."""
    digest = hashlib.sha256(module.code.encode())
    for name in sorted(n.target for n in module.graph.nodes if n.op == "get_attr"):
        tensor = getattr(module, name)
        digest.update(name.encode())
        digest.update(str((tensor.dtype, tuple(tensor.shape), tensor.device)).encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
                      if tensor.numel() else b"")
    return digest.hexdigest()


def runner(module: torch.fx.GraphModule, linker: str, dynamic: Sequence[int],
           plain: torch.fx.GraphModule | None = None, buffered: Sequence[int] = (),
           on_final: Callable[[Callable], None] | None = None) -> Callable:
    """The callable that runs `module` for a Function of this linker (see InductorProgram
    for `plain`, `buffered` and `on_final`)."""
    if linker in ("inductor", "torch_compile"):
        use_disk_cache()
        entry = "compile_fx" if linker == "inductor" else "torch.compile"
        return InductorProgram(module, dynamic, entry, plain, buffered, on_final)
    return module.forward
