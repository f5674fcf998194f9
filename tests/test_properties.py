"""Property tests over random graphs: the torch program agrees with the NumPy reference."""

from hypothesis import HealthCheck, given, settings

import symtorch
from symtorch.testing import MODES, assert_allclose, reference_eval
from symtorch.testing.strategies import expression_graphs

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(expression_graphs(dtype="float64"))
def test_random_float64_graphs_match_the_numpy_reference_in_every_mode(graph):
    (expected,) = reference_eval([graph.output], dict(zip(graph.inputs, graph.values)))
    for mode in MODES:
        f = symtorch.function(graph.inputs, graph.output, mode=mode, on_unused_input="ignore")
        assert_allclose(f(*graph.values), expected)


@SETTINGS
@given(expression_graphs(dtype="float32", n_inputs=3, ndim=3))
def test_random_float32_graphs_keep_their_dtype(graph):
    f = symtorch.function(graph.inputs, graph.output, mode="FAST_COMPILE", on_unused_input="ignore")
    out = f(*graph.values)
    assert out.dtype == graph.output.dtype == "float32"
    (expected,) = reference_eval([graph.output], dict(zip(graph.inputs, graph.values)))
    assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
