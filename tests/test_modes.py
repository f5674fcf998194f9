"""Modes, DebugMode and profiling."""

import numpy as np
import pytest
import torch

import symtorch
import symtorch.tensor as T
from symtorch.compile import Mode, get_mode
from symtorch.compile.debugmode import DebugModeError
from symtorch.graph import Apply, Op
from symtorch.link.torch import lower
from symtorch.tensor.type import TensorType


class OffByOne(Op):
    """An op whose torch rule disagrees with its NumPy reference (for DebugMode)."""

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [TensorType(x.dtype, x.type.shape)()])

    def perform(self, node, inputs):
        return [inputs[0] * 2]


@lower(OffByOne)
def _off_by_one(ctx, node, x):
    return x * 2 + 1


def test_debug_mode_passes_correct_graphs():
    x = T.dvector("x")
    f = symtorch.function([x], T.exp(x) * 2 + T.sqrt(x), mode="DebugMode")
    np.testing.assert_allclose(f([1.0, 4.0]), np.exp([1.0, 4.0]) * 2 + np.sqrt([1.0, 4.0]))


def test_debug_mode_reports_the_first_bad_node_and_where_it_was_built():
    x = T.dvector("x")
    y = OffByOne()(T.exp(x))
    f = symtorch.function([x], y + 1, mode="DebugMode")
    with pytest.raises(DebugModeError, match=r"OffByOne \(built at .*test_modes.py"):
        f([1.0, 2.0])
    # The same graph runs (wrongly, but silently) in the other modes.
    symtorch.function([x], y + 1, mode="FAST_COMPILE")([1.0])


def test_debug_mode_with_updates_checks_the_values_before_the_write():
    s = symtorch.shared(np.ones(3), name="s")
    f = symtorch.function([], s * 3, updates=[(s, s + 1)], mode="DebugMode")
    np.testing.assert_array_equal(f(), [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(s.get_value(), [2.0, 2.0, 2.0])


def test_profile_records_time_per_node(capsys):
    x = T.dvector("x")
    f = symtorch.function([x], T.exp(x) * 2, profile=True, name="prof")
    for _ in range(3):
        f(np.ones(10))
    text = f.profile.summary()
    assert "3 call(s)" in text and "Elemwise{exp}" in text and "Elemwise{mul}" in text
    assert f.profile.node_calls["Elemwise{exp}(x)"] == 3
    assert symtorch.function([x], x + 1).profile is None


def test_mode_objects_and_theano_linker_names():
    assert get_mode("FAST_RUN").optimizer == "fast_run"
    assert get_mode("FAST_COMPILE").optimizer == "fast_compile"
    for linker in ("vm", "cvm", "c"):
        assert Mode(linker=linker).linker == "inductor"
    assert Mode(linker="py").linker == "torch"
    m = Mode(linker="py", optimizer="fast_run").including("stabilize").excluding("specialize")
    assert m.included == ("stabilize",) and m.excluded == ("specialize",)
    x = T.dscalar("x")
    assert symtorch.function([x], x * 2, mode=m)(3) == 6
    with pytest.raises(ValueError, match="unknown linker"):
        Mode(linker="fortran")
    with pytest.raises(ValueError, match="unknown optimizer"):
        Mode(optimizer="fastest")


def test_config_mode_is_the_default():
    with symtorch.config.change_flags(mode="FAST_COMPILE"):
        x = T.dscalar("x")
        assert symtorch.function([x], x).maker.mode.name == "FAST_COMPILE"


def test_a_program_has_one_torch_call_per_op_and_no_python_loop():
    x, y = T.fvectors("x", "y")
    f = symtorch.function([x, y], T.tanh(x * 2 + y) - T.exp(-y), mode="FAST_COMPILE")
    code = f.code
    assert "for " not in code and "while " not in code
    statements = [line for line in code.splitlines() if " = " in line]
    assert len(statements) == 6  # mul, add, tanh, neg, exp, sub: one line each
    out = f(torch.ones(2), torch.zeros(2))
    np.testing.assert_allclose(out, np.tanh(2.0) - 1.0, rtol=1e-6)
