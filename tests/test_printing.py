"""pp (Theano's infix form), debugprint (one line per node) and pydotprint."""

import io
import sys

import numpy as np
import pytest

import symtorch
import symtorch.tensor as T
from symtorch.graph import Apply, FunctionGraph, Op
from symtorch.printing import FunctionPrinter, debugprint, dprint, pp, pprint, pydotprint
from symtorch.tensor.nnet import Softmax
from symtorch.tensor.type import TensorType
from symtorch.testing import MODES


@pytest.fixture
def xy():
    return T.dvectors("x", "y")


# -- pp ----------------------------------------------------------------------------------------

def test_pp_of_a_sum_is_theanos(xy):
    x, y = xy
    assert pp(x + y) == "(x + y)"


@pytest.mark.parametrize("build, expected", [
    (lambda x, y: x * 2 + y, "((x * TensorConstant{2.0}) + y)"),
    (lambda x, y: x - y / x, "(x - (y / x))"),
    (lambda x, y: (x - y) ** 3, "((x - y) ** TensorConstant{3.0})"),
    (lambda x, y: -x, "-x"),
    (lambda x, y: -(x + y), "-(x + y)"),
    (lambda x, y: -x * y, "((-x) * y)"),
    (lambda x, y: T.exp(-x), "exp(-x)"),
    (lambda x, y: T.exp(x) + T.log(y), "(exp(x) + log(y))"),
    (lambda x, y: T.switch(T.lt(x, y), x, 0), "switch((x < y), x, TensorConstant{0.0})"),
    (lambda x, y: T.cast(x, "float32"), "Cast{float32}(x)"),
    (lambda x, y: T.arctan2(x, T.sqrt(y)), "arctan2(x, sqrt(y))"),
    (lambda x, y: T.eq(x, y), "(x == y)"),
])
def test_pp_prints_operators_infix_and_functions_by_name(xy, build, expected):
    assert pp(build(*xy)) == expected


def test_pp_hides_the_broadcast_of_a_lower_rank_operand():
    m, v = T.dmatrix("m"), T.dvector("v")
    assert (m + v).owner.inputs[1].owner is not None  # a DimShuffle{x,0} is there
    assert pp(m + v) == "(m + v)"
    assert pp(m * 2) == "(m * TensorConstant{2.0})"


def test_pp_prints_a_transpose_as_dot_T_and_other_dimshuffles_by_pattern():
    m = T.dmatrix("m")
    assert pp(m.dimshuffle(1, 0)) == "m.T"
    assert pp((m + 1).dimshuffle(1, 0)) == "(m + TensorConstant{1.0}).T"
    assert pp(m.dimshuffle(1, 0, "x")) == "DimShuffle{1,0,x}(m)"
    assert pp(T.dvector("v").dimshuffle(0, "x")) == "DimShuffle{0,x}(v)"


def test_pp_prints_other_ops_with_their_str(xy):
    m = T.dmatrix("m")
    assert pp(T.nnet.softmax(m) * 2) == "(Softmax{axis=1}(m) * TensorConstant{2.0})"


def test_pp_prints_leaves_by_name_or_str():
    s = symtorch.shared(np.zeros(3), name="w")
    v = T.dvector()
    assert pp(s + 1) == "(w + TensorConstant{1.0})"
    assert pp(v * 2) == "(<TensorType(float64, vector)> * TensorConstant{2.0})"
    assert pp(T.constant(np.array([1, 2]), name="c") + T.lvector("k")) == "(c + k)"


def test_pp_expands_named_intermediate_results_as_theano_does(xy):
    x, y = xy
    z = x + y
    z.name = "z"
    assert pp(z) == "(x + y)"
    assert pp(z * z) == "((x + y) * (x + y))"


@pytest.mark.parametrize("mode", MODES)
def test_pp_shows_what_a_compiled_function_runs(xy, mode):
    x, y = xy
    f = symtorch.function([x, y], T.exp(x) * 2 + y, mode=mode)
    product = f.maker.fgraph.outputs[0].owner.inputs[0]
    two = next(v for v in product.owner.inputs if "TensorConstant" in str(v))  # as rewritten
    assert pp(f.maker.fgraph.outputs[0]) in (f"((exp(x) * {two}) + y)", f"(({two} * exp(x)) + y)")
    assert "TensorConstant{" in str(two)
    assert pp(f) == pp(f.maker.fgraph.outputs[0])


def test_pp_of_several_outputs_prints_one_line_each(xy):
    x, y = xy
    assert pp([x + y, x * y]) == "(x + y)\n(x * y)"
    assert pp(FunctionGraph([x, y], [x - y, -y])) == "(x - y)\n-y"


def test_pp_of_a_function_leaves_out_its_updates(xy):
    x, _ = xy
    s = symtorch.shared(0.0, name="s")
    f = symtorch.function([x], x + s, updates=[(s, s + 1)])
    assert pp(f) == "(x + s)"


@pytest.mark.parametrize("build, expected", [
    (lambda m, i, v: m[1:, ::2], "m[1:, ::2]"),
    (lambda m, i, v: m[i], "m[i]"),
    (lambda m, i, v: m[i:, -1], "m[i:, -1]"),
    (lambda m, i, v: m[1:i:2], "m[1:i:2]"),
    (lambda m, i, v: m[::-1], "m[::-1]"),
    (lambda m, i, v: m[None, 0], "m[None, 0]"),
    (lambda m, i, v: m[v], "m[v]"),
    (lambda m, i, v: m[v, 1:], "m[v, 1:]"),
    (lambda m, i, v: m[m > 0], "m[(m > TensorConstant{0.0})]"),
    (lambda m, i, v: (m + 1)[i + 1], "(m + TensorConstant{1.0})[(i + TensorConstant{1})]"),
], ids=["slices", "scalar", "symbolic-bound", "symbolic-stop", "negative-step", "newaxis",
        "int-array", "array-and-slice", "mask", "expressions"])
def test_pp_prints_indexing_as_it_was_written(build, expected):
    m, i, v = T.dmatrix("m"), T.lscalar("i"), T.lvector("v")
    assert pp(build(m, i, v)) == expected


def test_pp_prints_dot_as_theano_does():
    a, b = T.dmatrices("a", "b")
    assert pp(T.dot(a, b)) == "(a \\dot b)"
    assert pp(T.dot(a, b)[0] * 2) == "((a \\dot b)[0] * TensorConstant{2.0})"


def test_pp_rejects_what_is_not_a_graph():
    with pytest.raises(TypeError, match="pp prints a variable"):
        pp(3)


def test_printers_can_be_assigned_per_op_class_without_touching_pp(xy):
    m = T.dmatrix("m")
    mine = pprint.clone_assign(Softmax, FunctionPrinter("softmax"))
    assert mine(T.nnet.softmax(m) + 1) == "(softmax(m) + TensorConstant{1.0})"
    assert pp(T.nnet.softmax(m)) == "Softmax{axis=1}(m)"


def test_pp_of_a_very_deep_graph_points_to_debugprint():
    x = T.dscalar("x")
    y = x
    for _ in range(sys.getrecursionlimit() + 100):
        y = y + 1
    with pytest.raises(ValueError, match="debugprint"):
        pp(y)
    assert debugprint(y, file="str").count("\n") > sys.getrecursionlimit()


# -- debugprint -----------------------------------------------------------------------------


def test_debugprint_prints_one_line_per_variable_indented_by_depth(xy):
    x, y = xy
    z = x * 2 + y
    z.name = "z"
    assert debugprint(z, file="str") == (
        "Elemwise{add} [id A] 'z'\n"
        " |Elemwise{mul} [id B] ''\n"
        " | |x [id C]\n"
        " | |DimShuffle{x} [id D] ''\n"
        " |   |TensorConstant{2.0} [id E]\n"
        " |y [id F]\n")


def test_debugprint_prints_a_repeated_subgraph_once_then_its_id(xy):
    x, y = xy
    s = T.exp(x + y)
    assert debugprint([s * s, s], file="str") == (
        "Elemwise{mul} [id A] ''\n"
        " |Elemwise{exp} [id B] ''\n"
        " | |Elemwise{add} [id C] ''\n"
        " |   |x [id D]\n"
        " |   |y [id E]\n"
        " |Elemwise{exp} [id B] ''\n"
        "Elemwise{exp} [id B] ''\n")


def test_debugprint_options(xy):
    x, y = xy
    z = T.exp(x + y)
    z.owner.inputs[0].name = "s"
    assert debugprint(z, file="str", ids="int", print_type=True) == (
        "Elemwise{exp} [id 0] <TensorType(float64, vector)> ''\n"
        " |Elemwise{add} [id 1] <TensorType(float64, vector)> 's'\n"
        "   |x [id 2] <TensorType(float64, vector)>\n"
        "   |y [id 3] <TensorType(float64, vector)>\n")
    assert debugprint(z, file="str", ids="") == \
        "Elemwise{exp} ''\n |Elemwise{add} 's'\n   |x\n   |y\n"
    assert debugprint(z, file="str", depth=2) == "Elemwise{exp} [id A] ''\n |Elemwise{add} [id B] 's'\n"
    assert debugprint(z, file="str", stop_on_name=True) == debugprint(z, file="str", depth=2)
    assert f"[id {id(x)}]" in debugprint(z, file="str", ids="id")
    with pytest.raises(ValueError, match="ids must be"):
        debugprint(z, ids="letters")


def test_debugprint_of_a_function_numbers_the_nodes_and_shows_the_torch_program(xy):
    x, y = xy
    f = symtorch.function([x, y], T.exp(x) + y)
    text = debugprint(f, file="str")
    graph, program = text.split("\nTorch program (f.code):\n")
    assert graph == ("Elemwise{add} [id A] ''   1\n"
                     " |Elemwise{exp} [id B] ''   0\n"
                     " | |x [id C]\n"
                     " |y [id D]\n")
    assert program.strip() == "\n".join(line.rstrip() for line in f.code.strip().splitlines())
    assert "torch.exp(x)" in program


def test_debugprint_of_a_function_graph_numbers_its_nodes(xy):
    x, y = xy
    text = debugprint(FunctionGraph([x, y], [x * y]), file="str")
    assert text == "Elemwise{mul} [id A] ''   0\n |x [id B]\n |y [id C]\n"


def test_debugprint_writes_to_stdout_or_a_file(xy, capsys):
    x, y = xy
    assert dprint is debugprint
    assert debugprint(x + y) is None
    assert capsys.readouterr().out == "Elemwise{add} [id A] ''\n |x [id B]\n |y [id C]\n"
    buf = io.StringIO()
    assert debugprint(x + y, file=buf) is buf
    assert buf.getvalue() == "Elemwise{add} [id A] ''\n |x [id B]\n |y [id C]\n"


class TwoOutputs(Op):
    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [TensorType(x.dtype, x.type.shape)(), TensorType(x.dtype, x.type.shape)()])


def test_several_outputs_of_one_node_are_numbered(xy):
    x, _ = xy
    a, b = TwoOutputs()(x)
    assert debugprint([a, b], file="str") == (
        "TwoOutputs.0 [id A] ''\n |x [id B]\nTwoOutputs.1 [id A] ''\n")
    assert pp(b + a) == "(TwoOutputs.1(x) + TwoOutputs.0(x))"


def test_debugprint_ids_go_on_after_z(xy):
    xs = T.dscalars(*[f"v{i}" for i in range(27)])
    total = xs[0]
    for v in xs[1:]:
        total = total + v
    text = debugprint(total, ids="CHAR", file="str")
    ids = [line.split("[id ")[1].split("]")[0] for line in text.splitlines()]
    assert ids[:3] == ["A", "B", "C"] and "Z" in ids and "BA" in ids and len(set(ids)) == len(ids)


# -- pydotprint -----------------------------------------------------------------------------


def test_pydotprint_without_pydot_says_what_to_install(xy, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pydot", None)
    x, y = xy
    with pytest.raises(ImportError, match="pip install pydot"):
        pydotprint(x + y, str(tmp_path / "g.png"))


def test_pydotprint_writes_the_graphviz_source(xy, tmp_path):
    pytest.importorskip("pydot")
    x, y = xy
    f = symtorch.function([x, y], T.exp(x) * y)
    out = pydotprint(f, str(tmp_path / "g.dot"), format="dot", print_output_file=False)
    text = open(out).read()
    assert "Elemwise{exp}" in text and "Elemwise{mul}" in text and "digraph" in text
