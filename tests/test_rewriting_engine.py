"""The rewrite engine (symtorch/rewriting/basic.py, db.py, merge.py): patterns, walkers,
the equilibrium loop, the tagged database and how modes and config select from it,
type safety of replacements, merging and constant folding."""

import warnings

import numpy as np
import pytest

import symtorch
import symtorch.tensor as T
from symtorch import config, function
from symtorch.compile.mode import Mode, get_mode
from symtorch.graph.fg import FunctionGraph
from symtorch.rewriting import (
    PatternNodeRewriter,
    RewriteTypeError,
    equilibrium,
    node_rewriter,
    rewrite_db,
    walk,
)
from symtorch.rewriting.basic import stats_of
from symtorch.rewriting.db import RewriteDatabase, selected
from symtorch.rewriting.merge import MAX_FOLDED_SIZE
from symtorch.tensor.elemwise import Elemwise, elemwise_op
from symtorch.tensor.variable import TensorConstant
from symtorch.testing import MODES

FAST_RUN = MODES[1]  # FAST_RUN's rewrites (with the plain-torch backend unless asked)


def names(fgraph):
    """The graph's ops in topological order: a scalar row name for Elemwise, else the class."""
    return [n.op.scalar_op.name if isinstance(n.op, Elemwise) else type(n.op).__name__
            for n in fgraph.toposort()]


def graph_of(f):
    return names(f.maker.fgraph)


# -- patterns ------------------------------------------------------------------------------

log, add, log1p, sub, mul, exp = (elemwise_op(n) for n in ("log", "add", "log1p", "sub", "mul",
                                                            "exp"))
LOG1P = PatternNodeRewriter((log, (add, 1, "x")), (log1p, "x"), "toy_log1p")


def test_pattern_matches_a_number_against_a_broadcast_constant_and_binds_the_rest():
    x = T.dvector("x")
    fg = FunctionGraph([x], [T.log(1 + x)])  # the 1 is DimShuffle{x}(TensorConstant{1.0})
    assert walk(fg, [LOG1P])
    assert names(fg) == ["log1p"]
    assert fg.outputs[0].owner.inputs[0] is fg.inputs[0]


def test_pattern_does_not_match_another_number_or_another_op():
    x = T.dvector("x")
    fg = FunctionGraph([x], [T.log(2 + x), T.log(x * 1)])
    assert not walk(fg, [LOG1P])
    assert names(fg).count("log") == 2


def test_pattern_name_bound_twice_must_be_the_same_variable():
    x, y = T.dvectors("x", "y")
    same = PatternNodeRewriter((sub, "a", "a"), lambda a: T.zeros_like(a), "toy_sub_self")
    fg = FunctionGraph([x, y], [x - x, x - y])
    assert walk(fg, [same])
    first, second = fg.outputs
    assert first.owner.op.__class__.__name__ == "Alloc"   # x - x matched
    assert second.owner.op == sub                          # x - y did not


def test_pattern_leaves_an_inner_node_with_other_clients_unless_allowed():
    x = T.dvector("x")
    inner = 1 + x
    outputs = [T.log(inner), inner * 2]
    fg = FunctionGraph([x], outputs)
    assert not walk(fg, [LOG1P])
    allowing = PatternNodeRewriter((log, (add, 1, "x")), (log1p, "x"), "toy_log1p_shared",
                                   allow_multiple_clients=True)
    fg = FunctionGraph([x], outputs)
    assert walk(fg, [allowing])
    assert "log1p" in names(fg)


def test_pattern_rewrite_keeps_the_values():
    x = T.dvector("x")
    fg = FunctionGraph([x], [T.log(1 + x)])
    walk(fg, [LOG1P])
    f = function(fg.inputs, fg.outputs[0], mode=Mode(optimizer=None))
    v = np.array([1e-20, 0.5, 3.0])
    np.testing.assert_allclose(f(v), np.log1p(v))


# -- walkers -----------------------------------------------------------------------------------


def _recorder(seen):
    @node_rewriter([Elemwise])
    def record(fgraph, node):
        seen.append(node.op.scalar_op.name)
        return None
    return record


@pytest.mark.parametrize("order, expected", [("out_to_in", ["sin", "tanh", "exp"]),
                                             ("in_to_out", ["exp", "tanh", "sin"])])
def test_walk_visits_nodes_in_the_order_asked(order, expected):
    x = T.dscalar("x")
    fg = FunctionGraph([x], [T.sin(T.tanh(T.exp(x)))])
    seen = []
    assert not walk(fg, [_recorder(seen)], order=order)
    assert seen == expected


def test_walk_rejects_an_unknown_order():
    x = T.dscalar("x")
    with pytest.raises(ValueError, match="order"):
        walk(FunctionGraph([x], [T.exp(x)]), [], order="sideways")


@node_rewriter([elemwise_op("exp")])
def exp_to_tanh(fgraph, node):
    return [T.tanh(node.inputs[0])]


@node_rewriter([elemwise_op("tanh")])
def tanh_to_sin(fgraph, node):
    return [T.sin(node.inputs[0])]


@node_rewriter([elemwise_op("sin")])
def sin_to_exp(fgraph, node):
    return [T.exp(node.inputs[0])]


def test_walk_visits_the_nodes_a_rewrite_built_in_the_same_pass():
    x = T.dscalar("x")
    fg = FunctionGraph([x], [T.exp(T.exp(x))])
    assert walk(fg, [exp_to_tanh, tanh_to_sin])
    assert names(fg) == ["sin", "sin"]


def test_equilibrium_stops_when_nothing_changes_and_counts_what_fired():
    x = T.dscalar("x")
    fg = FunctionGraph([x], [T.exp(T.exp(x))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        passes = equilibrium(fg, [exp_to_tanh, tanh_to_sin], name="toy")
    assert passes == 2  # one pass rewrites, the next finds nothing
    assert stats_of(fg).applied == {"exp_to_tanh": 2, "tanh_to_sin": 2}
    assert "toy" in stats_of(fg).seconds


def test_equilibrium_warns_and_stops_when_two_rewrites_undo_each_other():
    x = T.dvector("x")
    fg = FunctionGraph([x], [T.sin(x) + 1])
    with pytest.warns(RuntimeWarning, match="undoing another"):
        equilibrium(fg, [sin_to_exp, exp_to_tanh, tanh_to_sin], name="looping")
    f = function(fg.inputs, fg.outputs[0], mode=Mode(optimizer=None))  # still a valid graph
    assert f([0.0]).shape == (1,)


def test_a_rewrite_that_changes_the_type_raises_rewrite_type_error():
    @node_rewriter([elemwise_op("exp")])
    def exp_in_float32(fgraph, node):
        return [T.cast(T.exp(node.inputs[0]), "float32")]

    x = T.dvector("x")
    with pytest.raises(RewriteTypeError, match="exp_in_float32"):
        walk(FunctionGraph([x], [T.exp(x)]), [exp_in_float32])


def test_a_rewrite_returning_the_wrong_number_of_outputs_is_an_error():
    @node_rewriter([elemwise_op("exp")])
    def too_many(fgraph, node):
        return [node.inputs[0], node.inputs[0]]

    x = T.dvector("x")
    with pytest.raises(ValueError, match="too_many"):
        walk(FunctionGraph([x], [T.exp(x)]), [too_many])


def test_a_rewrite_may_answer_with_a_dict_of_replacements():
    @node_rewriter([elemwise_op("exp")])
    def by_dict(fgraph, node):
        return {node.outputs[0]: T.tanh(node.inputs[0])}

    x = T.dvector("x")
    fg = FunctionGraph([x], [T.exp(x)])
    assert walk(fg, [by_dict])
    assert names(fg) == ["tanh"]


# -- the database, modes and config -----------------------------------------------------------


def test_database_query_by_include_exclude_and_require():
    db = RewriteDatabase()
    for name, phase, tags in [("a", "canonicalize", ("fast_run", "fast_compile")),
                              ("b", "canonicalize", ("fast_run",)),
                              ("c", "stabilize", ("fast_run", "numerics")),
                              ("d", "specialize", ())]:
        db.register(node_rewriter()(lambda fgraph, node: None), phase, *tags, name=name)

    def query(*args, **kwargs):
        return sorted(e.name for e in db.query(*args, **kwargs))

    assert query(["fast_run"]) == ["a", "b", "c"]
    assert query(["fast_compile"]) == ["a"]
    assert query(["fast_run"], exclude=["canonicalize"]) == ["c"]
    assert query(["fast_run"], exclude=["b"]) == ["a", "c"]       # a rewrite's own name is a tag
    assert query(["fast_run"], require=["numerics"]) == ["c"]
    assert query(["d"]) == ["d"]
    assert query(["stabilize", "specialize"]) == ["c", "d"]        # the phase is a tag


def test_database_refuses_an_unknown_phase_and_a_repeated_name():
    db = RewriteDatabase()
    rw = node_rewriter()(lambda fgraph, node: None)
    db.register(rw, "canonicalize", name="once")
    with pytest.raises(ValueError, match="already registered"):
        db.register(rw, "canonicalize", name="once")
    with pytest.raises(ValueError, match="phase"):
        db.register(rw, "somewhere", name="other")


def test_fast_compile_runs_only_merge_folding_and_a_few_cheap_cleanups():
    ours = ("symtorch.rewriting.merge", "symtorch.rewriting.canonicalize",
            "symtorch.rewriting.shape_rewrites")

    def names_of(mode):  # the rewrites of this issue (scan and others bring their own)
        return {e.name for e in selected(get_mode(mode))
                if getattr(getattr(e.rewriter, "fn", e.rewriter), "__module__", "") in ours}

    assert names_of("FAST_COMPILE") == {
        "merge", "merge_final", "constant_folding", "useless_cast", "useless_dimshuffle",
        "merge_dimshuffles", "useless_specify_shape", "shape_i_of_known_length",
        "shape_of_known_shape", "entry_of_shape_vector"}
    fast_run = names_of("FAST_RUN")
    assert names_of("FAST_COMPILE") < fast_run
    assert {"fold_constants_in_chains", "alloc_in_elemwise", "lift_dimshuffle"} <= fast_run


def seed():
    x = T.dscalar("x")
    return x, T.grad(x ** 2, x)


def test_mode_excluding_a_name_switches_that_rewrite_off():
    x = T.dvector("x")
    y = (x * 2) * 3
    full = function([x], y, mode=FAST_RUN)
    assert graph_of(full) == ["mul"]
    without = function([x], y, mode=get_mode(FAST_RUN).excluding("fold_constants_in_chains"))
    assert graph_of(without) == ["mul", "mul"]
    np.testing.assert_array_equal(without([1.5]), full([1.5]))


def test_mode_excluding_a_phase_tag_switches_the_phase_off():
    x, g = seed()
    assert graph_of(function([x], g, mode=FAST_RUN)) == ["mul"]
    f = function([x], g, mode=get_mode(FAST_RUN).excluding("canonicalize"))
    assert "Alloc" in graph_of(f)


def test_mode_including_a_name_adds_that_rewrite_to_an_empty_optimizer():
    x = T.dvector("x")
    f = function([x], (x * 2) * 3, mode=Mode(optimizer=None).including("fold_constants_in_chains"))
    assert graph_of(f) == ["mul"]
    assert symtorch.pp(f.maker.fgraph.outputs[0]) == "(TensorConstant{[6.]} * x)"


def test_config_optimizer_excluding_switches_a_rewrite_off():
    x = T.dvector("x")
    y = (x * 2) * 3
    with config.change_flags(optimizer_excluding=("fold_constants_in_chains",)):
        f = function([x], y, mode=FAST_RUN)
    assert graph_of(f) == ["mul", "mul"]
    assert graph_of(function([x], y, mode=FAST_RUN)) == ["mul"]  # restored


def test_optimizer_none_and_merge_only():
    x = T.dvector("x")
    y = T.exp(x) + T.exp(x) * 1
    unchanged = graph_of(function([x], y, mode=Mode(optimizer=None)))
    assert unchanged.count("exp") == 2 and "mul" in unchanged
    merged = graph_of(function([x], y, mode=Mode(optimizer="merge")))
    assert merged.count("exp") == 1 and "mul" in merged  # merged, but nothing else


def test_every_registered_rewrite_has_a_docstring_and_its_phase_tag():
    for entry in rewrite_db.entries.values():
        doc = getattr(entry.rewriter, "__doc__", None)
        assert doc and doc.strip(), f"rewrite {entry.name} has no docstring"
        assert entry.phase in entry.tags and entry.name in entry.tags


# -- merging and constant folding ----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_merge_makes_equal_constants_and_common_subexpressions_one(mode):
    x = T.dvector("x")
    c1, c2 = T.constant(np.array([2.0, 3.0])), T.constant(np.array([2.0, 3.0]))
    a, b = T.tanh(x) * c1, T.tanh(x) * c2
    f = function([x], [a, b], mode=mode)
    assert graph_of(f).count("tanh") == 1
    out_a, out_b = f.maker.fgraph.outputs
    assert out_a is out_b
    got = f([1.0, -1.0])
    np.testing.assert_allclose(got[0], np.tanh([1.0, -1.0]) * [2.0, 3.0])


def test_merge_keeps_constants_of_another_dtype_or_value_apart():
    x = T.dvector("x")
    f = function([x], [x * T.constant(np.float32(2)), x * T.constant(2.0), x * 3.0],
                 mode=Mode(optimizer="merge"))
    consts = {id(v) for node in f.maker.fgraph.apply_nodes for v in node.inputs
              if isinstance(v, TensorConstant)}
    assert len(consts) == 3


@pytest.mark.parametrize("mode", MODES)
def test_constant_folding_computes_constant_subgraphs_at_compile_time(mode):
    x = T.dvector("x")
    c = T.exp(T.constant(1.0)) + T.sqrt(T.constant(4.0))
    f = function([x], x + c, mode=mode)
    assert graph_of(f) == ["add"]
    folded = [v for v in f.maker.fgraph.outputs[0].owner.inputs if isinstance(v, TensorConstant)]
    np.testing.assert_allclose(folded[0].data, np.e + 2)
    np.testing.assert_allclose(f([1.0]), [1 + np.e + 2])


def test_constant_folding_leaves_large_results_alone():
    x = T.dvector("x")
    big = T.zeros((MAX_FOLDED_SIZE + 1,)) + 1.0
    f = function([x], x.sum() + big.sum(), mode=MODES[0])
    assert "Alloc" in graph_of(f)
    assert f([1.0]) == MAX_FOLDED_SIZE + 2


def test_walks_are_near_linear_on_a_long_chain():
    """A chain of 3,000 nodes in which each rewrite exposes the next settles in two passes
    (the walk visits what it built), not one pass per node."""
    x = T.dvector("x")
    y = x
    for _ in range(1500):
        y = T.exp(y)
    fg = FunctionGraph([x], [y])
    assert equilibrium(fg, [exp_to_tanh, tanh_to_sin]) == 2
    assert set(names(fg)) == {"sin"}


def test_rewrite_caches_live_only_while_the_graph_is_rewritten():
    x = T.dmatrix("x")
    f = function([x], T.ones_like(x) * x, mode=FAST_RUN)  # needs the shape feature's table
    assert graph_of(f) == []
    assert "rewrite_caches" not in vars(f.maker.fgraph)
