"""function(): arguments, results, options, updates, givens and every bad input."""

import pickle
import warnings

import numpy as np
import pytest
import torch

import symtorch
import symtorch.tensor as T
from symtorch import In, Out, function, shared
from symtorch.compile import UnusedInputError
from symtorch.graph import MissingInputError

# -- calling ----------------------------------------------------------------------------


def test_adding_two_scalars_gives_a_zero_d_array(mode):
    x, y = T.dscalars("x", "y")
    f = function([x, y], x + y, mode=mode)
    out = f(2, 3)
    assert isinstance(out, np.ndarray) and out.shape == () and out.dtype == np.float64
    assert repr(out) == "array(5.)"


def test_arguments_may_be_numbers_lists_arrays_or_tensors(mode):
    x, y = T.dmatrices("x", "y")
    f = function([x, y], x + y, mode=mode)
    expected = np.array([[11.0, 22.0], [33.0, 44.0]])
    for a, b in [([[1, 2], [3, 4]], [[10, 20], [30, 40]]),
                 (np.array([[1, 2], [3, 4]]), np.array([[10, 20], [30, 40]])),
                 (torch.tensor([[1.0, 2], [3, 4]], dtype=torch.float64),
                  torch.tensor([[10.0, 20], [30, 40]], dtype=torch.float64))]:
        np.testing.assert_array_equal(f(a, b), expected)


def test_a_list_of_outputs_gives_a_list(mode):
    x = T.dvector("x")
    out = function([x], [x + 1, x * 2], mode=mode)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2
    np.testing.assert_array_equal(out[1], [2.0, 4.0])


def test_keyword_arguments_by_input_name_and_defaults(mode):
    x, y = T.dscalars("x", "y")
    f = function([x, In(y, value=10.0)], x - y, mode=mode)
    assert f(1) == -9 and f(1, 2) == -1 and f(x=1, y=3) == -2 and f(y=1, x=5) == 4


def test_in_with_a_name_and_an_update_keeps_state(mode):
    x = T.dscalar("x")
    acc = T.dscalar("acc")
    f = function([x, In(acc, name="total", value=0.0, update=acc + x)], acc, mode=mode)
    assert f(1) == 0 and f(2) == 1 and f(3) == 3
    assert f(1, total=100) == 100 and f(0) == 101


def test_torch_output_type_returns_tensors_without_copy(mode):
    x = T.dvector("x")
    f = function([x], x * 2, mode=mode, output_type="torch")
    out = f(torch.ones(3, dtype=torch.float64))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    with symtorch.config.change_flags(output_type="torch"):
        assert isinstance(function([x], x + 1, mode=mode)([1.0]), torch.Tensor)


def test_a_torch_argument_of_the_right_dtype_is_not_copied(mode):
    x = T.dvector("x")
    f = function([x], x, mode=mode, output_type="torch")
    t = torch.arange(3, dtype=torch.float64)
    # The input is returned, so it must be copied (results never alias arguments)...
    assert f(t).data_ptr() != t.data_ptr()
    # ... unless borrowed.
    g = function([x], Out(x, borrow=True), mode=mode, output_type="torch")
    assert g(t).data_ptr() == t.data_ptr()


def test_numpy_results_are_not_overwritten_by_the_next_call(mode):
    x = T.dvector("x")
    f = function([x], x + 1, mode=mode)
    a = f([1.0])
    f([5.0])
    assert a[0] == 2.0


def test_returning_a_shared_value_copies_it(mode):
    s = shared(np.zeros(3))
    f = function([], s, mode=mode)
    out = f()
    out[0] = 99
    assert s.get_value()[0] == 0


def test_eval_computes_a_value():
    x = T.dscalar("x")
    assert (x * 2).eval({x: 3}) == 6
    assert T.constant(4).eval() == 4


# -- updates ------------------------------------------------------------------------------


def test_accumulator_updates_shared_state(mode):
    state = shared(0)
    inc = T.iscalar("inc")
    acc = function([inc], state, updates=[(state, state + inc)], mode=mode)
    seen = [int(acc(1)), int(state.get_value()), int(acc(300)), int(state.get_value())]
    state.set_value(-1)
    seen += [int(acc(3)), int(state.get_value())]
    dec = function([inc], state, updates=[(state, state - inc)], mode=mode)
    seen += [int(dec(2)), int(state.get_value())]
    assert seen == [0, 1, 1, 301, -1, 2, 2, 0]


def test_updates_as_a_dict(mode):
    a, b = shared(1.0), shared(2.0)
    function([], [], updates={a: a + 1, b: b * 2}, mode=mode)()
    assert a.get_value() == 2 and b.get_value() == 4


def test_outputs_and_updates_all_see_the_values_before_the_call(mode):
    a, b = shared(np.array([1.0, 2.0]), name="a"), shared(np.array([10.0, 20.0]), name="b")
    f = function([], [a, b], updates=[(a, b), (b, a)], mode=mode)  # a swap
    old_a, old_b = f()
    np.testing.assert_array_equal(old_a, [1, 2])
    np.testing.assert_array_equal(old_b, [10, 20])
    np.testing.assert_array_equal(a.get_value(), [10, 20])
    np.testing.assert_array_equal(b.get_value(), [1, 2])


def test_updates_keep_the_shared_tensor_identity(mode):
    w = shared(np.ones((2, 3)), name="w")
    tensor = w.get_value(return_internal_type=True)
    ptr = tensor.data_ptr()
    f = function([], [], updates=[(w, w * 2)], mode=mode)
    f()
    f()
    assert w.get_value(return_internal_type=True) is tensor and tensor.data_ptr() == ptr
    np.testing.assert_array_equal(tensor.numpy(), np.full((2, 3), 4.0))


def test_default_updates_apply_unless_disabled(mode):
    s = shared(0.0, name="s")
    s.default_update = s + 1
    x = T.dscalar("x")
    function([x], x + s, mode=mode)(0)
    assert s.get_value() == 1
    function([x], x + s, mode=mode, no_default_updates=True)(0)
    assert s.get_value() == 1
    function([x], x + s, mode=mode, no_default_updates=[s])(0)
    assert s.get_value() == 1


def test_givens_replace_variables_by_slices_of_shared_data(mode):
    data = shared(np.arange(10.0), name="data")
    x = T.dvector("x")
    i = T.lscalar("i")
    f = function([i], x.sum(), givens={x: data[i * 2:(i + 1) * 2]}, mode=mode)
    assert f(1) == 2.0 + 3.0


def test_givens_replace_an_input_by_an_expression(mode):
    x, y = T.dscalars("x", "y")
    f = function([y], x * 2, givens={x: y + 1}, mode=mode)
    assert f(3) == 8


# -- bad input --------------------------------------------------------------------------------


def test_wrong_ndim_names_the_input(mode):
    x = T.dmatrix("x")
    f = function([x], x + 1, mode=mode)
    with pytest.raises(TypeError, match=r"input 0 'x'.*2 dims.*3 dims, shape \(2, 3, 4\)"):
        f(np.zeros((2, 3, 4)))


def test_static_shape_mismatch_names_the_input(mode):
    x = T.tensor("float64", shape=(None, 3), name="x")
    f = function([x], x + 1, mode=mode)
    with pytest.raises(TypeError, match="'x'.*length 3 in dimension 1"):
        f(np.zeros((2, 4)))
    with pytest.raises(TypeError, match="'x'"):
        f(torch.zeros((2, 4), dtype=torch.float64))


def test_downcast_needs_allow_input_downcast(mode):
    x = T.fvector("x")
    f = function([x], x * 2, mode=mode)
    with pytest.raises(TypeError, match="'x'.*float64.*lose precision"):
        f(np.array([1.0, 2.0]))
    g = function([x], x * 2, mode=mode, allow_input_downcast=True)
    assert g(np.array([1.0, 2.0])).dtype == np.float32
    assert f([1.5, 2.5]).dtype == np.float32  # Python floats are accepted (Theano's rule)


def test_integer_inputs_refuse_floats_and_out_of_range_values(mode):
    i = T.bscalar("i")
    f = function([i], i + 1, mode=mode)
    assert f(3) == 4 and f(3).dtype == np.int8
    with pytest.raises(TypeError, match="'i'"):
        f(1.5)
    with pytest.raises(TypeError, match="'i'"):
        f(1000)


def test_non_numeric_arguments_are_refused(mode):
    x = T.dvector("x")
    f = function([x], x, mode=mode)
    with pytest.raises(TypeError, match="'x'.*non-numeric"):
        f(["a", "b"])
    with pytest.raises(TypeError, match="'x'"):
        f({"a": 1})


def test_missing_too_many_and_unknown_arguments(mode):
    x, y = T.dscalars("x", "y")
    f = function([x, y], x + y, mode=mode)
    with pytest.raises(TypeError, match="missing argument.*'y'"):
        f(1)
    with pytest.raises(TypeError, match="takes 2 argument"):
        f(1, 2, 3)
    with pytest.raises(TypeError, match="unknown keyword argument 'z'"):
        f(1, 2, z=3)
    with pytest.raises(TypeError, match="twice"):
        f(1, x=2)


def test_unused_input_raises_warns_or_is_ignored(mode):
    x, y = T.dscalars("x", "y")
    with pytest.raises(UnusedInputError, match="'y'"):
        function([x, y], x * 2, mode=mode)
    assert issubclass(UnusedInputError, ValueError)
    with pytest.warns(UserWarning, match="'y'"):
        function([x, y], x * 2, mode=mode, on_unused_input="warn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert function([x, y], x * 2, mode=mode, on_unused_input="ignore")(1, 2) == 2


def test_missing_input_names_the_variable(mode):
    x, y = T.dscalars("x", "y")
    with pytest.raises(MissingInputError, match="'y'"):
        function([x], x + y, mode=mode)


def test_updating_something_that_is_not_shared_is_refused(mode):
    x = T.dscalar("x")
    with pytest.raises(TypeError, match="'x' is not a shared variable"):
        function([x], x, updates=[(x, x + 1)], mode=mode)


def test_update_of_the_wrong_type_is_refused(mode):
    w = shared(np.zeros(3, dtype="float32"), name="w")
    with pytest.raises(TypeError, match="'w' is a float32 vector.*float64"):
        function([], [], updates=[(w, w * np.float64(2))], mode=mode)
    with pytest.raises(TypeError, match="'w' has 1 dims"):
        function([], [], updates=[(w, T.fmatrix("m"))], mode=mode)


def test_a_shared_variable_cannot_be_an_explicit_input(mode):
    s = shared(1.0, name="s")
    with pytest.raises(TypeError, match="'s'"):
        function([s], s * 2, mode=mode)


def test_a_call_that_raises_changes_no_shared_value(mode):
    a = shared(np.zeros(3), name="a")
    b = shared(np.zeros(3), name="b")
    x = T.dvector("x")
    f = function([x], [], updates=[(a, a + 1), (b, b + x)], mode=mode)
    with pytest.raises(RuntimeError):
        f(np.ones(4))  # b + x cannot broadcast: nothing may change
    np.testing.assert_array_equal(a.get_value(), np.zeros(3))
    np.testing.assert_array_equal(b.get_value(), np.zeros(3))
    with pytest.raises(TypeError):
        f("not a number")
    np.testing.assert_array_equal(a.get_value(), np.zeros(3))


def test_an_update_that_changes_shape_is_refused_before_any_write(mode):
    a = shared(np.zeros(3), name="a")
    b = shared(np.zeros(3), name="b")
    x = T.dvector("x")
    f = function([x], [], updates=[(a, a + 1), (b, x)], mode=mode)
    with pytest.raises(ValueError, match="'b'.*shape"):
        f(np.ones(5))
    np.testing.assert_array_equal(a.get_value(), np.zeros(3))


# -- Function object ------------------------------------------------------------------------


def test_maker_fgraph_is_the_compiled_graph(mode):
    x = T.dvector("x")
    f = function([x], T.exp(x), mode=mode)
    fg = f.maker.fgraph
    assert len(fg.inputs) == 1 and len(fg.outputs) == 1
    assert [str(n.op) for n in fg.toposort()] == ["Elemwise{exp}"]


def test_copy_without_shared_memory_has_its_own_state(mode):
    s = shared(0.0, name="s")
    x = T.dscalar("x")
    f = function([x], s, updates=[(s, s + x)], mode=mode)
    g = f.copy()
    g(5)
    assert s.get_value() == 0
    f(1)
    assert s.get_value() == 1
    h = f.copy(share_memory=True)
    h(2)
    assert s.get_value() == 3


def test_copy_with_swap_and_delete_updates(mode):
    s, t = shared(1.0, name="s"), shared(10.0, name="t")
    f = function([], s * 2, updates=[(s, s + 1)], mode=mode)
    g = f.copy(swap={s: t})
    assert g() == 20 and t.get_value() == 11 and s.get_value() == 1
    h = f.copy(delete_updates=True, share_memory=True)
    h()
    assert s.get_value() == 1


def test_functions_pickle_with_their_shared_variables(mode):
    s = shared(np.array([1.0, 2.0]), name="s")
    x = T.dvector("x")
    f = function([x], s * x, updates=[(s, s + 1)], mode=mode)
    f2, s2 = pickle.loads(pickle.dumps((f, s)))
    np.testing.assert_array_equal(f2([1.0, 1.0]), [1.0, 2.0])
    np.testing.assert_array_equal(s2.get_value(), [2.0, 3.0])
    np.testing.assert_array_equal(s.get_value(), [1.0, 2.0])


def test_trust_input_skips_conversion(mode):
    x = T.dvector("x")
    f = function([x], x * 2, mode=mode, trust_input=True)
    np.testing.assert_array_equal(f(torch.ones(2, dtype=torch.float64)), [2.0, 2.0])


def test_the_generated_program_sanitizes_user_names(mode):
    x = T.dscalar("x; import os")
    y = T.dscalar("class")
    f = function([x, y], x + y, mode=mode)
    assert f(1, 2) == 3
    assert "import os" not in f.code


def test_function_refuses_a_non_list_of_inputs():
    x = T.dscalar("x")
    with pytest.raises(TypeError, match="list"):
        function(x, x)


def test_unknown_mode_is_refused():
    x = T.dscalar("x")
    with pytest.raises(ValueError, match="unknown mode"):
        function([x], x, mode="FAST_WALK")
