"""Exporting a compiled function: an nn.Module, TorchScript, or a torch.export program.

The module's parameters and buffers are the function's shared tensors
themselves (same storage): floating-point shared variables become
parameters, so a torch optimizer can train them, the rest buffers. Its
`forward(*tensors)` computes the function's outputs and new values, writes
the new values into the shared tensors, and returns the outputs.
TorchScript and torch.export programs are traced from that module and run
without symtorch.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx

from ..link.torch.lowering import sanitize


class FunctionModule(torch.nn.Module):
    """A compiled symtorch function as a torch module (see `Function.to_module`)."""

    def __init__(self, function: Any):
        super().__init__()
        maker = function.maker
        program = maker.lower(updates_as_outputs=True)
        self.program = program.module
        self.n_outputs = program.n_outputs
        self.single_output = maker.spec.single_output
        self.n_inputs = len(maker.spec.inputs)
        self._state_names: list[str] = []
        used: set[str] = set()
        for i, sv in enumerate(maker.spec.shared):
            name = sanitize(sv.name or f"shared{i}")
            while name in used or hasattr(self, name):
                name += "_"
            used.add(name)
            tensor = sv.get_value(return_internal_type=True)
            if tensor.is_floating_point() or tensor.is_complex():
                self.register_parameter(name, torch.nn.Parameter(tensor))
            else:
                self.register_buffer(name, tensor)
            self._state_names.append(name)
        # Which state each update writes: positions among the program's inputs.
        self._update_targets = [pos - self.n_inputs for pos, _ in maker.update_positions]
        if any(t < 0 for t in self._update_targets):
            raise ValueError("functions with In(..., update=...) inputs cannot be exported; "
                             "use a shared variable for the state")

    def state_tensors(self) -> list[torch.Tensor]:
        return [getattr(self, name) for name in self._state_names]

    def forward(self, *inputs: torch.Tensor) -> Any:
        if len(inputs) != self.n_inputs:
            raise TypeError(f"this module takes {self.n_inputs} input tensor(s); got {len(inputs)}")
        state = self.state_tensors()
        results = self.program(*inputs, *state)
        outputs, new_values = results[:self.n_outputs], results[self.n_outputs:]
        with torch.no_grad():
            for target, value in zip(self._update_targets, new_values):
                state[target].copy_(value)
        if self.single_output:
            return outputs[0]
        return tuple(outputs)


class _TraceableModule(torch.nn.Module):
    """The same computation with every shared tensor a buffer, for tracing and export
    (parameters that require grad cannot be written in place inside a traced graph)."""

    def __init__(self, module: FunctionModule):
        super().__init__()
        self.program = module.program
        self.n_outputs = module.n_outputs
        self.single_output = module.single_output
        self._update_targets = module._update_targets
        self._names = list(module._state_names)
        for name, tensor in zip(module._state_names, module.state_tensors()):
            self.register_buffer(name, tensor.detach())

    def forward(self, *inputs: torch.Tensor) -> Any:
        state = [getattr(self, name) for name in self._names]
        results = self.program(*inputs, *state)
        outputs, new_values = results[:self.n_outputs], results[self.n_outputs:]
        for target, value in zip(self._update_targets, new_values):
            state[target].copy_(value)
        if self.single_output:
            return outputs[0]
        return tuple(outputs)


def to_module(function: Any) -> FunctionModule:
    return FunctionModule(function)


def _example_tensors(function: Any, args: tuple) -> tuple:
    if len(args) != len(function.maker.spec.inputs):
        raise TypeError(f"give one example argument per input ({len(function.maker.spec.inputs)}); "
                        f"got {len(args)}")
    return tuple(convert(a) for convert, a in zip(function._converters, args))


def to_torchscript(function: Any, *example_args: Any) -> torch.jit.ScriptModule:
    """A TorchScript module traced on the example arguments (`torch.jit.save` it)."""
    module = _TraceableModule(FunctionModule(function))
    examples = _example_tensors(function, example_args)
    # Tracing runs the program once: keep the shared values as they are.
    saved = [t.clone() for t in module.buffers()]
    try:
        with torch.no_grad():
            traced = torch.jit.trace(module, examples, check_trace=False)
    finally:
        with torch.no_grad():
            for t, s in zip(module.buffers(), saved):
                t.copy_(s)
    return traced


def to_exported_program(function: Any, *example_args: Any) -> torch.export.ExportedProgram:
    """A `torch.export.ExportedProgram` (updates are buffer mutations in its signature)."""
    module = _TraceableModule(FunctionModule(function))
    examples = _example_tensors(function, example_args)
    return torch.export.export(module, examples)
