"""Printing graphs: pp (Theano's infix form), debugprint (one line per node), pydotprint.

Reads graphs and never changes them; sits beside compile/ (a compiled Function is
printed through its `maker.fgraph` and `code`). pp is a table of printers, looked
up per variable, as in Theano: `pprint.assign(OpClass, printer)` adds one.
Elementwise operators take their infix symbol from the scalar table; indexing
prints as `x[1:, ::2]`, numpy.dot as `(a \\dot b)`, as Theano printed them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .graph.basic import Apply, Op, Variable
from .graph.fg import FunctionGraph
from .tensor.blas import Dot
from .tensor.elemwise import DimShuffle, Elemwise
from .tensor.subtensor import AdvancedSubtensor, Index, Slice, Subtensor

__all__ = ["DefaultPrinter", "FunctionPrinter", "IgnorePrinter", "LeafPrinter", "MemberPrinter",
           "OperatorPrinter", "PPrinter", "PrinterState", "SubtensorPrinter", "debugprint", "dprint",
           "pp", "pprint", "pydotprint"]

# -- pp: a table of printers -------------------------------------------------------------------

_TOP = -999999      # precedence of the whole expression
_ARGUMENT = -1000   # precedence inside f(...)


class PrinterState:
    """What a printer knows about where its output goes: the `pprinter` to recurse
    with and the `precedence` of the surrounding operator (Theano's PrinterState)."""

    def __init__(self, pprinter: PPrinter, precedence: float = _TOP, **more: Any):
        self.pprinter = pprinter
        self.precedence = precedence
        self.memo: dict[tuple[int, float], str] = {}
        self.__dict__.update(more)

    def clone(self, **changes: Any) -> PrinterState:
        cp = PrinterState.__new__(PrinterState)
        cp.__dict__.update(self.__dict__)  # the memo dict is shared
        cp.__dict__.update(changes)
        return cp


def _needs_owner(var: Variable, what: str) -> Apply:
    if var.owner is None:
        raise TypeError(f"{what} cannot print {var}, which is not the result of an operation")
    return var.owner


class OperatorPrinter:
    """`(a + b)` for a binary operator, always parenthesized (Theano's choice);
    `-a` for a unary one, parenthesized only as an operand of another operator."""

    def __init__(self, operator: str, precedence: float = 0, assoc: str = "left"):
        self.operator, self.precedence, self.assoc = operator, precedence, assoc

    def process(self, var: Variable, pstate: PrinterState) -> str:
        node = _needs_owner(var, f"operator {self.operator}")
        inner = pstate.clone(precedence=self.precedence)
        args = [pstate.pprinter.process(x, inner) for x in node.inputs]
        if len(args) == 1:
            s = self.operator + args[0]
            return f"({s})" if pstate.precedence > _ARGUMENT else s
        return "(" + f" {self.operator} ".join(args) + ")"


class FunctionPrinter:
    """`name(a, b)`; one name per output of the node."""

    def __init__(self, *names: str):
        self.names = names

    def process(self, var: Variable, pstate: PrinterState) -> str:
        node = _needs_owner(var, f"function {self.names}")
        name = self.names[node.outputs.index(var) if len(self.names) > 1 else 0]
        return f"{name}({_arguments(node, pstate)})"


class MemberPrinter:
    """`a.name`: an attribute of the node's first input (`x.T`)."""

    def __init__(self, *names: str):
        self.names = names

    def process(self, var: Variable, pstate: PrinterState) -> str:
        node = _needs_owner(var, f"member {self.names}")
        name = self.names[node.outputs.index(var) if len(self.names) > 1 else 0]
        return f"{pstate.pprinter.process(node.inputs[0], pstate.clone(precedence=1000))}.{name}"


class IgnorePrinter:
    """Prints the node's first input as if the node were not there."""

    def process(self, var: Variable, pstate: PrinterState) -> str:
        return pstate.pprinter.process(_needs_owner(var, "IgnorePrinter").inputs[0], pstate)


class LeafPrinter:
    """A variable by its name, or `str()` of it (`TensorConstant{2.0}`, `<TensorType(...)>`)."""

    def process(self, var: Variable, pstate: PrinterState) -> str:
        return str(var)


class DefaultPrinter:
    """`str(op)(inputs)` for a result, a leaf as LeafPrinter prints it."""

    def process(self, var: Variable, pstate: PrinterState) -> str:
        node = var.owner
        if node is None:
            return LeafPrinter().process(var, pstate)
        suffix = f".{node.outputs.index(var)}" if len(node.outputs) > 1 else ""
        return f"{node.op}{suffix}({_arguments(node, pstate)})"


def _arguments(node: Apply, pstate: PrinterState) -> str:
    inner = pstate.clone(precedence=_ARGUMENT)
    return ", ".join([pstate.pprinter.process(x, inner) for x in node.inputs])


# Theano's precedences for the infix symbols of the scalar table; they only decide
# whether a unary operator needs parentheses, since binary ones always have them.
_PRECEDENCE = {"**": 1, "-": -2, "+": -2, "*": -1, "/": -1, "//": -1, "%": -1, "~": 0}


class ElemwisePrinter:
    """Elementwise functions from their scalar-table row: the row's infix `symbol`
    (`(x + y)`, `-x`) or its name (`exp(x)`, `Cast{float32}(x)`)."""

    def process(self, var: Variable, pstate: PrinterState) -> str:
        row = var.owner.op.scalar_op
        if row.symbol is not None:
            precedence = 0 if row.nin == 1 else _PRECEDENCE.get(row.symbol, -5)
            return OperatorPrinter(row.symbol, precedence).process(var, pstate)
        return FunctionPrinter(row.name).process(var, pstate)


class DimShufflePrinter:
    """A DimShuffle that only adds leading broadcast dimensions prints as its input
    (Elemwise inserts those); a reversal of all dimensions is `x.T`; any other is
    `DimShuffle{1,0,x}(x)`."""

    def process(self, var: Variable, pstate: PrinterState) -> str:
        op, x = var.owner.op, var.owner.inputs[0]
        order = list(op.new_order)
        while order and order[0] == "x":
            order.pop(0)
        if order == list(range(x.ndim)):
            return pstate.pprinter.process(x, pstate)
        if x.ndim > 1 and order == list(reversed(range(x.ndim))):
            return MemberPrinter("T").process(var, pstate)
        return DefaultPrinter().process(var, pstate)


class SubtensorPrinter:
    """`x[1:, ::2]`, `x[i]`, `x[v, 0]`: the index as it was written, its symbolic parts
    (scalars, slice bounds, index arrays, masks) printed in place; `None` for a new axis."""

    def process(self, var: Variable, pstate: PrinterState) -> str:
        node = _needs_owner(var, "SubtensorPrinter")
        x, *index_inputs = node.inputs
        inner = pstate.clone(precedence=_ARGUMENT)
        symbolic = iter([pstate.pprinter.process(v, inner) for v in index_inputs])

        def part(p: Any) -> str:
            return "" if p is None else next(symbolic) if isinstance(p, Index) else str(p)

        entries = []
        for entry in node.op.idx_list:
            if isinstance(entry, Slice):
                start, stop, step = (part(p) for p in entry.parts())
                entries.append(f"{start}:{stop}" + (f":{step}" if entry.step is not None else ""))
            else:
                entries.append("None" if entry is None else part(entry))
        return f"{pstate.pprinter.process(x, pstate.clone(precedence=1000))}[{', '.join(entries)}]"


Condition = Callable[[PrinterState, Variable], bool]


class PPrinter:
    """Finds, for each variable, the most recently assigned printer whose condition holds."""

    def __init__(self) -> None:
        self.printers: list[tuple[Condition, Any]] = []

    def assign(self, condition: Condition | Op | type, printer: Any) -> None:
        """Use `printer` (an object with `process(var, pstate)`) for the variables
        where `condition` holds. `condition` may be an Op instance (nodes of that
        op), an Op class (nodes of any op of that class) or `(pstate, var) -> bool`."""
        if isinstance(condition, Op):
            op = condition
            condition = lambda pstate, r: r.owner is not None and r.owner.op == op
        elif isinstance(condition, type):
            cls = condition
            condition = lambda pstate, r: r.owner is not None and isinstance(r.owner.op, cls)
        self.printers.insert(0, (condition, printer))

    def process(self, var: Variable, pstate: PrinterState | None = None) -> str:
        if pstate is None:
            pstate = PrinterState(self)
        key = (id(var), pstate.precedence)
        if key not in pstate.memo:  # a shared subgraph is formatted once
            for condition, printer in self.printers:
                if condition(pstate, var):
                    pstate.memo[key] = printer.process(var, pstate)
                    break
            else:
                raise TypeError(f"no printer for {var}")
        return pstate.memo[key]

    def clone(self) -> PPrinter:
        cp = PPrinter()
        cp.printers = list(self.printers)
        return cp

    def clone_assign(self, condition: Condition | Op | type, printer: Any) -> PPrinter:
        cp = self.clone()
        cp.assign(condition, printer)
        return cp

    def __call__(self, obj: Any, pstate: PrinterState | dict | None = None) -> str:
        """The expression of a variable; for a FunctionGraph, a compiled Function or a
        list of variables, one line per output."""
        if isinstance(pstate, dict):
            pstate = PrinterState(self, **pstate)
        outputs = _outputs_of(obj, "pp", include_updates=False)
        try:
            return "\n".join([self.process(v, pstate) for v in outputs])
        except RecursionError:
            raise ValueError("this graph is too deep for pp; use symtorch.printing.debugprint, "
                             "which prints graphs of any depth") from None


pprint = PPrinter()
pprint.assign(lambda pstate, r: True, DefaultPrinter())
pprint.assign(Elemwise, ElemwisePrinter())
pprint.assign(DimShuffle, DimShufflePrinter())
pprint.assign(Subtensor, SubtensorPrinter())
pprint.assign(AdvancedSubtensor, SubtensorPrinter())  # AdvancedSubtensor1 too (a subclass)
pprint.assign(Dot, OperatorPrinter("\\dot", -1))
pp = pprint


def _outputs_of(obj: Any, what: str, include_updates: bool = True) -> list[Variable]:
    """The variables to print for a variable, an Apply, a list, a FunctionGraph or a
    Function (its rewritten graph's outputs; with include_updates, the update values too)."""
    if isinstance(obj, Variable):
        return [obj]
    if isinstance(obj, Apply):
        return list(obj.outputs)
    if isinstance(obj, FunctionGraph):
        return list(obj.outputs)
    maker = getattr(obj, "maker", None)
    if maker is not None and isinstance(getattr(maker, "fgraph", None), FunctionGraph):
        outs = list(maker.fgraph.outputs)
        return outs if include_updates else outs[:getattr(maker, "n_outputs", len(outs))]
    if isinstance(obj, (list, tuple)) and all(isinstance(v, Variable) for v in obj):
        return list(obj)
    raise TypeError(f"{what} prints a variable, a list of variables, an Apply node, a "
                    f"FunctionGraph or a compiled function; got {type(obj).__name__}")


# -- debugprint --------------------------------------------------------------------------------


def _char_id(number: int) -> str:
    """0 -> A, 25 -> Z, 26 -> BA: base 26 in capital letters (Theano's ids)."""
    digits = ""
    while True:
        number, rest = divmod(number, 26)
        digits = chr(ord("A") + rest) + digits
        if number == 0:
            return digits


def debugprint(obj: Any, depth: int = -1, print_type: bool = False, file: Any = None,
               ids: str = "CHAR", stop_on_name: bool = False, done: dict | None = None) -> Any:
    """Print a graph as text, one line per variable, indented by depth (Theano's format).

    A result prints as `Elemwise{add} [id A] 'name'` (plus its position in the
    order of execution for a compiled function), its inputs below it, each line
    prefixed by ` |`; a leaf prints as `x [id B]`. A node met again prints its
    line with the same id and nothing below it. `obj` is a variable, a list of
    them, an Apply node, a FunctionGraph or a compiled Function; for a Function the
    generated torch program follows the graph. `ids` is 'CHAR' (A, B, ...), 'int',
    'id' (Python ids) or '' (none); `depth` limits the depth (-1: no limit);
    `stop_on_name` prints nothing below a named variable; `print_type` adds each
    variable's type. Returns the text when `file='str'`; else writes it to `file`
    (stdout by default). The positional order is Theano's and Aesara's.
    """
    if ids not in ("CHAR", "int", "id", ""):
        raise ValueError(f"debugprint: ids must be 'CHAR', 'int', 'id' or ''; got {ids!r}")
    outputs = _outputs_of(obj, "debugprint")
    order: list[Apply] = []
    if isinstance(obj, FunctionGraph):
        order = obj.toposort()
    elif getattr(obj, "maker", None) is not None:
        order = obj.maker.fgraph.toposort()
    position = {node: i for i, node in enumerate(order)}
    done = {} if done is None else done
    lines: list[str] = []
    for out in outputs:
        _debugprint_one(out, lines, done, position, print_type, ids, depth, stop_on_name)
    code = getattr(obj, "code", None) if getattr(obj, "maker", None) is not None else None
    if isinstance(code, str):
        lines += ["", "Torch program (f.code):"] + [line.rstrip() for line in code.strip().splitlines()]
    text = "\n".join(lines) + "\n"
    if file == "str":
        return text
    stream = sys.stdout if file is None else file
    stream.write(text)
    if file is None:
        stream.flush()
        return None
    return file


def _debugprint_one(root: Variable, lines: list[str], done: dict, position: dict[Apply, int],
                    print_type: bool, ids: str, depth: int, stop_on_name: bool) -> None:
    """Depth-first, with an explicit stack: graphs of any depth print."""

    def id_of(key: Any, var: Variable) -> str:
        if key not in done:
            done[key] = {"CHAR": lambda: f"[id {_char_id(len(done))}]",
                         "int": lambda: f"[id {len(done)}]",
                         "id": lambda: f"[id {id(var)}]", "": lambda: ""}[ids]()
        return done[key]

    stack: list[tuple[Variable, str, str, int]] = [(root, "", "", depth)]
    while stack:
        var, prefix, child_prefix, left = stack.pop()
        if left == 0:
            continue
        type_str = f" <{var.type}>" if print_type else ""
        node = var.owner
        if node is None:
            lines.append(" ".join(filter(None, [f"{prefix}{var}", id_of(var, var)])) + type_str)
            continue
        seen = node in done
        suffix = f".{node.outputs.index(var)}" if len(node.outputs) > 1 else ""
        head = " ".join(filter(None, [f"{prefix}{node.op}{suffix}", id_of(node, var)]))
        line = f"{head}{type_str} '{var.name or ''}'"
        if node in position:
            line += f"   {position[node]}"
        lines.append(line)
        if seen or (stop_on_name and var.name is not None):
            continue
        children = []
        for i, x in enumerate(node.inputs):
            last = i == len(node.inputs) - 1
            children.append((x, child_prefix + " |", child_prefix + ("  " if last else " |"), left - 1))
        stack.extend(reversed(children))


dprint = debugprint


# -- pydotprint --------------------------------------------------------------------------------


def pydotprint(fn_or_var: Any, outfile: str | None = None, format: str = "png",  # noqa: A002
               print_output_file: bool = True) -> str:
    """Draw the graph with graphviz: ops as boxes, inputs as green ellipses, constants
    grey, outputs blue; edges labelled by input position when an op has several.

    Needs the `pydot` package (`pip install pydot`) and, for pictures, graphviz's
    `dot` program. `format='dot'` writes the graphviz source and needs only pydot.
    Returns the path written (default: `symtorch_graph.<format>`).
    """
    try:
        import pydot
    except ImportError:
        raise ImportError("pydotprint needs the pydot package and graphviz's dot program: "
                          "pip install pydot, and install graphviz (apt install graphviz, "
                          "brew install graphviz, conda install graphviz)") from None
    outputs = _outputs_of(fn_or_var, "pydotprint")
    outfile = outfile or f"symtorch_graph.{format}"
    graph = pydot.Dot(graph_type="digraph", rankdir="TB")
    names: dict[Any, str] = {}

    def add(obj: Any, label: str, **style: Any) -> str:
        if obj not in names:
            names[obj] = f"n{len(names)}"
            graph.add_node(pydot.Node(names[obj], label=_dot_quote(label), **style))
        return names[obj]

    from .graph.traversal import io_toposort
    for node in io_toposort([], outputs):
        op_name = add(node, str(node.op), shape="box")
        for i, x in enumerate(node.inputs):
            if x.owner is None:
                style = {"style": "filled", "fillcolor": "lightgrey" if hasattr(x, "data")
                         else "limegreen"}
                src = add(x, f"{x}{'' if hasattr(x, 'data') else f' {x.type}'}", **style)
            else:
                src = add(x.owner, str(x.owner.op), shape="box")
            label = {"label": _dot_quote(str(i))} if len(node.inputs) > 1 else {}
            graph.add_edge(pydot.Edge(src, op_name, **label))
    for k, out in enumerate(outputs):
        sink = add(("out", k), f"{out.name or f'output {k}'} {out.type}", style="filled",
                   fillcolor="dodgerblue")
        src = add(out.owner, str(out.owner.op), shape="box") if out.owner is not None else \
            add(out, str(out), style="filled", fillcolor="limegreen")
        graph.add_edge(pydot.Edge(src, sink))
    if format in ("dot", "raw"):
        with open(outfile, "w") as fh:
            fh.write(graph.to_string())
    else:
        try:
            graph.write(outfile, format=format)
        except FileNotFoundError as err:
            raise FileNotFoundError(f"pydotprint: {err}; install graphviz for pictures, or use "
                                    f"format='dot' for the graphviz source") from None
    if print_output_file:
        print(f"The output file is available at {outfile}")
    return outfile


def _dot_quote(label: str) -> str:
    return '"' + label.replace("\\", "\\\\").replace('"', '\\"') + '"'

