"""Exporting compiled functions: nn.Module, TorchScript, torch.export."""

import subprocess
import sys

import numpy as np
import torch

import symtorch.tensor as T
from symtorch import function, grad, shared


def logistic_step():
    rng = np.random.default_rng(0)
    x, y = T.dmatrix("x"), T.dvector("y")
    w = shared(rng.standard_normal(5), name="w")
    b = shared(0.0, name="b")
    p = 1 / (1 + T.exp(-T.dot(x, w) - b))
    cost = T.mean(-y * T.log(p) - (1 - y) * T.log(1 - p))
    gw, gb = grad(cost, [w, b])
    train = function([x, y], cost, updates=[(w, w - 0.5 * gw), (b, b - 0.5 * gb)])
    xv = torch.from_numpy(rng.standard_normal((20, 5)))
    yv = torch.from_numpy((rng.random(20) > 0.5).astype("float64"))
    return train, w, b, xv, yv


def test_the_module_shares_storage_with_the_shared_variables():
    train, w, b, xv, yv = logistic_step()
    module = train.to_module()
    params = dict(module.named_parameters())
    assert set(params) == {"w", "b"}
    assert params["w"].data_ptr() == w.get_value(return_internal_type=True).data_ptr()
    cost = module(xv, yv)
    assert cost.shape == ()
    # The update went into the shared variable: the function sees it.
    np.testing.assert_allclose(w.get_value(), params["w"].detach().numpy())


def test_the_module_gives_the_functions_results_and_updates():
    train, w, b, xv, yv = logistic_step()
    w0, b0 = w.get_value(), b.get_value()
    expected = train(xv, yv)
    w1 = w.get_value()
    w.set_value(w0)
    b.set_value(b0)
    got = train.to_module()(xv, yv)
    np.testing.assert_allclose(got.detach().numpy(), expected)
    np.testing.assert_allclose(w.get_value(), w1)


def test_the_module_trains_with_a_torch_optimizer():
    rng = np.random.default_rng(1)
    x = T.dmatrix("x")
    w = shared(np.zeros(3), name="w")
    target = torch.from_numpy(rng.standard_normal(3))
    loss = T.sum((T.dot(x, w) - T.dot(x, T.constant(target.numpy()))) ** 2)
    module = function([x], loss).to_module()
    opt = torch.optim.SGD(module.parameters(), lr=0.01)
    xv = torch.from_numpy(rng.standard_normal((10, 3)))
    first = None
    for _ in range(300):
        opt.zero_grad()
        value = module(xv)
        value.backward()
        opt.step()
        first = first if first is not None else value.item()
    assert value.item() < first * 1e-3
    np.testing.assert_allclose(w.get_value(), target.numpy(), atol=1e-3)


def test_torchscript_saves_loads_and_runs_without_symtorch(tmp_path):
    train, w, b, xv, yv = logistic_step()
    w0 = w.get_value()
    scripted = train.to_torchscript(xv, yv)
    np.testing.assert_array_equal(w.get_value(), w0)  # tracing changed nothing
    path = tmp_path / "step.pt"
    torch.jit.save(scripted, str(path))
    expected = train(xv, yv)
    np.save(tmp_path / "x.npy", xv.numpy())
    np.save(tmp_path / "y.npy", yv.numpy())
    code = (
        "import sys, numpy as np, torch\n"
        "sys.modules['symtorch'] = None  # prove symtorch is not needed\n"
        f"m = torch.jit.load({str(path)!r})\n"
        f"x = torch.from_numpy(np.load({str(tmp_path / 'x.npy')!r}))\n"
        f"y = torch.from_numpy(np.load({str(tmp_path / 'y.npy')!r}))\n"
        "print(float(m(x, y)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    np.testing.assert_allclose(float(out.stdout), expected, rtol=1e-12)


def test_exported_program_gives_the_same_results_and_updates():
    train, w, b, xv, yv = logistic_step()
    w0, b0 = w.get_value(), b.get_value()
    program = train.to_exported_program(xv, yv)
    expected = [train(xv, yv), train(xv, yv)]  # the second call sees the first's update
    w.set_value(w0)
    b.set_value(b0)
    module = program.module()
    got = [module(xv, yv).numpy() for _ in range(2)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got[0] != got[1]
