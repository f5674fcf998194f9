"""The graph layer: variables, Apply nodes, ops, traversal, cloning, FunctionGraph."""

import pickle

import pytest

import symtorch.tensor as T
from symtorch.graph import (
    Apply,
    FunctionGraph,
    MissingInputError,
    ancestors,
    clone_replace,
    graph_inputs,
    io_toposort,
)


def test_calling_a_type_makes_a_variable_of_that_type():
    x = T.dscalar("x")
    assert x.type is T.dscalar
    assert x.name == "x" and x.owner is None and x.ndim == 0 and x.dtype == "float64"


def test_an_expression_is_an_apply_node_with_inputs_and_outputs():
    x, y = T.dmatrices("x", "y")
    z = x + y
    assert isinstance(z.owner, Apply)
    assert z.owner.inputs == [x, y]
    assert z.owner.outputs == [z] and z.index == 0
    assert str(z.owner.op) == "Elemwise{add}"


def test_ops_compare_by_class_and_props():
    x = T.dmatrix("x")
    assert (x + 1).owner.op == (x + 2).owner.op
    assert (x + 1).owner.op != (x * 2).owner.op
    assert hash(x.T.owner.op) == hash(T.dmatrix().T.owner.op)


def test_ancestors_and_graph_inputs_reach_the_leaves():
    x, y = T.dvectors("x", "y")
    z = T.exp(x) * y + x
    assert set(graph_inputs([z])) >= {x, y}
    assert x in ancestors([z]) and z in ancestors([z])


def test_io_toposort_puts_each_node_after_its_inputs():
    x = T.dvector("x")
    a = T.exp(x)
    b = T.log(a)
    c = a + b
    order = io_toposort([x], [c])
    assert order.index(a.owner) < order.index(b.owner) < order.index(c.owner)


def test_io_toposort_handles_deep_graphs_without_recursion():
    x = T.dscalar("x")
    y = x
    for _ in range(5000):
        y = y + 1
    assert len(io_toposort([x], [y])) == 5000


def test_clone_replace_substitutes_and_keeps_the_original():
    x, y = T.dvectors("x", "y")
    z = T.exp(x) + 1
    w = clone_replace(z, {x: y})
    assert y in graph_inputs([w]) and x not in graph_inputs([w])
    assert x in graph_inputs([z])


def test_clone_replace_refuses_a_replacement_of_another_type():
    x = T.dvector("x")
    with pytest.raises(TypeError, match="'x'"):
        clone_replace(x + 1, {x: T.fvector("f")})


def test_function_graph_clones_and_tracks_clients():
    x, y = T.dvectors("x", "y")
    z = x * y + x
    fg = FunctionGraph([x, y], [z])
    assert fg.inputs[0] is not x  # cloned
    fx = fg.inputs[0]
    users = [node for node, _ in fg.clients[fx]]
    assert len(users) == 2
    assert len(fg.apply_nodes) == 2


def test_function_graph_replace_rewires_clients_and_prunes():
    x = T.dvector("x")
    z = T.exp(T.log(x))
    fg = FunctionGraph([x], [z])
    out = fg.outputs[0]
    fg.replace(out, fg.inputs[0])
    assert fg.outputs[0] is fg.inputs[0]
    assert fg.apply_nodes == set()


def test_function_graph_missing_input_names_the_variable():
    x, y = T.dvectors("x", "y")
    with pytest.raises(MissingInputError, match="'y'"):
        FunctionGraph([x], [x + y])


def test_symbolic_values_refuse_python_truth_len_and_iteration():
    x = T.dvector("x")
    with pytest.raises(TypeError, match="'x'"):
        bool(x > 0)
    with pytest.raises(TypeError, match="'x'"):
        if x:
            pass
    with pytest.raises(TypeError, match="'x'"):
        len(x)
    with pytest.raises(TypeError, match="'x'"):
        list(x)


def test_comparisons_give_bool_tensors():
    x = T.fvector("x")
    for expr in (x > 0, x < 0, x >= 0, x <= 0, T.eq(x, 0), T.neq(x, 1)):
        assert expr.dtype == "bool"


def test_graphs_pickle():
    x = T.dmatrix("x")
    z = T.exp(x * 2).T
    z2 = pickle.loads(pickle.dumps(z))
    assert str(z2.owner.op) == str(z.owner.op)
    assert z2.type == z.type


def test_the_node_records_where_the_user_built_it():
    x = T.dvector("x")
    y = x + 1
    filename, _, function_name = y.owner.tag.trace
    assert filename.endswith("test_graph.py") and function_name.startswith("test_")
