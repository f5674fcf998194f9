"""The symbolic graph: Type, Variable, Constant, Apply and Op.

The first box of DESIGN.md's flow. A graph is a bipartite DAG: Variables are
produced by at most one Apply (their `owner`), an Apply applies an Op to
input Variables. Graphs are immutable once built. Imports only `config`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, ClassVar


class Type:
    """What a Variable may hold. Types compare by value and are hashable."""

    def filter(self, value: Any, strict: bool = False, allow_downcast: bool | None = None) -> Any:
        """Return `value` converted to this type's runtime form, or raise TypeError."""
        raise NotImplementedError

    def is_valid_value(self, value: Any) -> bool:
        try:
            self.filter(value, strict=True)
            return True
        except (TypeError, ValueError):
            return False

    def make_variable(self, name: str | None = None) -> Variable:
        return Variable(self, name=name)

    def make_constant(self, value: Any, name: str | None = None) -> Constant:
        return Constant(self, value, name=name)

    def __call__(self, name: str | None = None) -> Variable:
        """Calling a type makes a fresh variable of that type: `T.dscalar('x')`."""
        return self.make_variable(name)


class Variable:
    """A symbolic value of a given Type: an input, or the output of an Apply."""

    __array_priority__ = 1000  # NumPy defers to our operators: ndarray + x calls x.__radd__
    __hash__ = object.__hash__

    def __init__(self, type: Type, owner: Apply | None = None, index: int | None = None,
                 name: str | None = None):
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.tag = Tag()

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        if self.owner is not None:
            op = self.owner.op
            if len(self.owner.outputs) == 1:
                return f"{op}.0"
            return f"{op}.{self.index}"
        return f"<{self.type}>"

    def __repr__(self) -> str:
        return str(self)

    def describe(self) -> str:
        """A phrase naming this variable for error messages."""
        if self.name is not None:
            return repr(self.name)
        if self.owner is not None:
            return f"the result of {self._short()}"
        return f"an unnamed {self.type}"

    def _short(self, depth: int = 2) -> str:
        """`op(a, b)` with named inputs by name and others abbreviated."""
        if self.name is not None:
            return repr(self.name)
        if self.owner is None or depth == 0:
            return str(self) if self.owner is None else "..."
        args = ", ".join(v._short(depth - 1) for v in self.owner.inputs)
        return f"{self.owner.op}({args})"

    def clone(self, name: str | None = None) -> Variable:
        """A new variable of the same type, with no owner (used to make graph inputs)."""
        cp = type(self).__new__(type(self))
        cp.__dict__.update(self.__dict__)
        cp.owner, cp.index = None, None
        cp.tag = self.tag.copy()
        if name is not None:
            cp.name = name
        return cp


class Constant(Variable):
    """A variable with a fixed value, held in `.data`. Constants have no owner."""

    __hash__ = object.__hash__

    def __init__(self, type: Type, data: Any, name: str | None = None):
        super().__init__(type, name=name)
        self.data = type.filter(data, strict=False, allow_downcast=True)

    def signature(self) -> Any:
        """What makes two constants interchangeable (used by merging)."""
        return (self.type, self.data)

    def clone(self, name: str | None = None) -> Constant:
        return self  # constants are values: sharing them between graphs is safe


class Tag(dict):
    """Free-form annotations on a variable or node (`tag.trace`, test values...)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def copy(self) -> Tag:
        return Tag(self)


class Apply:
    """One application of an Op to input variables, producing output variables."""

    def __init__(self, op: Op, inputs: Sequence[Variable], outputs: Sequence[Variable]):
        self.op = op
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.tag = Tag()
        for i, out in enumerate(self.outputs):
            if out.owner is not None and out.owner is not self:
                raise ValueError(f"output {out} already belongs to another Apply")
            out.owner, out.index = self, i

    @property
    def out(self) -> Variable:
        """The single output (error if there are several)."""
        if len(self.outputs) != 1:
            raise AttributeError(f"{self.op} has {len(self.outputs)} outputs")
        return self.outputs[0]

    def __str__(self) -> str:
        return f"{self.op}({', '.join(map(str, self.inputs))})"

    __repr__ = __str__

    def clone_with_new_inputs(self, inputs: Sequence[Variable], strict: bool = True) -> Apply:
        """The same op applied to other inputs. With strict, types must be unchanged."""
        if strict:
            for old, new in zip(self.inputs, inputs):
                if old.type != new.type:
                    raise TypeError(f"cannot replace {old.describe()} of type {old.type} by "
                                    f"{new.describe()} of type {new.type} in {self.op}")
            outputs = [out.type.make_variable(out.name) for out in self.outputs]
            node = Apply(self.op, inputs, outputs)
        else:
            node = self.op.make_node(*inputs)
        node.tag = self.tag.copy()
        return node


class Op:
    """An operation: builds typed Apply nodes and knows its own rules.

    Subclasses define `make_node` (type inference and input checks), and may
    define `infer_shape`, `grad`/`L_op`, `R_op` and `perform` (a NumPy
    reference). Two ops are equal when they are the same class with the same
    `__props__` values. `view_map` says which output may share memory with
    which input (the lowering uses it to keep results and updates safe).
    """

    __props__: ClassVar[tuple[str, ...]] = ()
    view_map: ClassVar[dict[int, int]] = {}

    def make_node(self, *inputs: Any) -> Apply:
        raise NotImplementedError

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        node = self.make_node(*inputs, **kwargs)
        node.tag.trace = _user_frame()
        if len(node.outputs) == 1:
            return node.outputs[0]
        return node.outputs

    def _props(self) -> tuple:
        return tuple(getattr(self, p) for p in self.__props__)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._props() == other._props()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._props()))

    def __str__(self) -> str:
        if not self.__props__:
            return type(self).__name__
        return f"{type(self).__name__}{{{', '.join(map(_prop_str, self._props()))}}}"

    __repr__ = __str__

    # -- rules, overridden by ops that have them -------------------------------------

    def perform(self, node: Apply, inputs: list[Any]) -> list[Any]:
        """Compute the outputs with NumPy: the reference the lowering is checked against."""
        raise NotImplementedError(f"{self} has no reference implementation")

    def infer_shape(self, node: Apply, input_shapes: list[tuple]) -> list[tuple]:
        """Symbolic output shapes (tuples of scalar variables) from the input shapes."""
        raise NotImplementedError(f"{self} has no infer_shape")

    def L_op(self, inputs: list[Variable], outputs: list[Variable],
             output_grads: list[Variable]) -> list[Variable]:
        """Vector-Jacobian product, as a graph. By default defers to `grad`."""
        return self.grad(inputs, output_grads)

    def grad(self, inputs: list[Variable], output_grads: list[Variable]) -> list[Variable]:
        raise NotImplementedError(f"{self} has no gradient")

    def R_op(self, inputs: list[Variable], eval_points: list[Variable | None]) -> list[Variable]:
        """Jacobian-vector product, as a graph."""
        raise NotImplementedError(f"{self} has no R_op")


def _prop_str(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


_PACKAGE_DIR = __file__.rsplit("graph", 1)[0]


def _user_frame() -> tuple | None:
    """(file, line, function) of the innermost caller outside symtorch: where the user
    built this node. Walks raw frames, which costs far less than `traceback`."""
    frame = sys._getframe(2)
    for _ in range(16):
        if frame is None:
            return None
        if not frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            return (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return None
