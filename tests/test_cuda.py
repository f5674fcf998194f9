"""Functions on a CUDA device: residency, transfers, mixing devices, FAST_RUN, CUDA graphs.

Every test but the last is marked `cuda` and skips without a GPU.
"""

import numpy as np
import pytest
import torch

import symtorch.tensor as T
from symtorch import In, Out, function, shared
from symtorch.compile import Mode


def logistic_step(device: str, mode):
    rng = np.random.default_rng(0)
    x, y = T.dmatrix("x"), T.dvector("y")
    w = shared(rng.standard_normal(5), name="w", device=device)
    b = shared(0.0, name="b", device=device)
    p = 1 / (1 + T.exp(-T.dot(x, w) - b))
    cost = (-y * T.log(p) - (1 - y) * T.log(1 - p)).mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    step = function([x, y], cost, updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)], mode=mode,
                    device=device)
    return step, w, b


def data(n=32):
    rng = np.random.default_rng(1)
    return rng.standard_normal((n, 5)), rng.integers(0, 2, n).astype("float64")


@pytest.mark.cuda
@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN", "FAST_RUN_CUDA_GRAPHS"])
def test_a_training_step_on_cuda_matches_the_cpu(mode):
    xv, yv = data()
    cpu_step, cpu_w, cpu_b = logistic_step("cpu", "FAST_COMPILE")
    gpu_step, gpu_w, gpu_b = logistic_step("cuda", mode)
    storage = gpu_w.get_value(return_internal_type=True)
    for _ in range(5):
        np.testing.assert_allclose(gpu_step(xv, yv), cpu_step(xv, yv), rtol=1e-10)
    np.testing.assert_allclose(gpu_w.get_value(), cpu_w.get_value(), rtol=1e-10)
    np.testing.assert_allclose(gpu_b.get_value(), cpu_b.get_value(), rtol=1e-10)
    assert gpu_w.get_value(return_internal_type=True) is storage  # updated in place, on the GPU
    assert storage.device.type == "cuda"


@pytest.mark.cuda
def test_cuda_tensor_arguments_are_not_copied_and_results_stay_on_the_device():
    x = T.dvector("x")
    f = function([x], Out(x * 2, borrow=False), device="cuda", output_type="torch")
    v = torch.arange(4.0, dtype=torch.float64, device="cuda")
    assert f._converters[0](v) is v  # passed to the program as it is
    out = f(v)
    assert out.device.type == "cuda"
    torch.testing.assert_close(out, v * 2)


@pytest.mark.cuda
def test_mixing_devices_in_one_function_is_refused_with_a_clear_error():
    s = shared(np.zeros(3), name="s", device="cuda")
    x = T.dvector("x")
    with pytest.raises(ValueError, match="'s' lives on cuda"):
        function([x], x + s, device="cpu")


@pytest.mark.cuda
def test_captured_steps_record_again_for_new_batch_sizes_and_new_shared_shapes():
    step, w, _ = logistic_step("cuda", "FAST_RUN_CUDA_GRAPHS")
    reference, ref_w, _ = logistic_step("cuda", "FAST_RUN")
    for n in (16, 32, 16):
        xv, yv = data(n)
        np.testing.assert_allclose(step(xv, yv), reference(xv, yv), rtol=1e-10)
    assert len(step._forward.graphs) == 2
    new = np.linspace(-1, 1, 5)
    w.set_value(new)
    ref_w.set_value(new)
    xv, yv = data(16)
    np.testing.assert_allclose(step(xv, yv), reference(xv, yv), rtol=1e-10)
    np.testing.assert_allclose(w.get_value(), ref_w.get_value(), rtol=1e-10)


@pytest.mark.cuda
def test_a_captured_step_updates_an_input_with_storage_and_borrowed_outputs_are_reused():
    acc = T.dscalar("acc")
    x = T.dvector("x")
    f = function([x, In(acc, value=0.0, update=acc + x.sum())], Out(x * 3, borrow=True),
                 mode="FAST_RUN_CUDA_GRAPHS", device="cuda", output_type="torch")
    first = f(np.ones(4))
    second = f(np.full(4, 2.0))
    assert first.data_ptr() == second.data_ptr()  # the graph's own output buffer
    torch.testing.assert_close(second.cpu(), torch.full((4,), 6.0, dtype=torch.float64))
    assert float(f.input_storage[1]) == 12.0


@pytest.mark.cuda
def test_ten_thousand_cuda_steps_leave_device_memory_flat():
    step, _, _ = logistic_step("cuda", "FAST_RUN")
    xv, yv = (torch.as_tensor(a, device="cuda") for a in data())
    for _ in range(50):
        step(xv, yv)
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    for _ in range(10_000):
        step(xv, yv)
    torch.cuda.synchronize()
    assert torch.cuda.memory_allocated() <= before


def test_the_cuda_graphs_mode_runs_unchanged_on_the_cpu():
    xv, yv = data()
    step, w, _ = logistic_step("cpu", "FAST_RUN_CUDA_GRAPHS")
    reference, ref_w, _ = logistic_step("cpu", "FAST_COMPILE")
    for _ in range(3):
        np.testing.assert_allclose(step(xv, yv), reference(xv, yv), rtol=1e-10)
    np.testing.assert_allclose(w.get_value(), ref_w.get_value(), rtol=1e-10)
    assert Mode(cuda_graphs=True).cuda_graphs
