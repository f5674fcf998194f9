"""The examples run and print what the seed notebooks show."""

import gzip
import pickle
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str, capsys, argv=None) -> str:
    old_argv = sys.argv
    sys.argv = [str(EXAMPLES / f"{name}.py")] + list(argv or [])
    try:
        runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    finally:
        sys.argv = old_argv
    return capsys.readouterr().out


def test_adding_two_scalars(capsys):
    out = run_example("adding_two_scalars", capsys).splitlines()
    assert out[1:] == ["TensorType(float64, scalar)", "TensorType(float64, scalar)", "True",
                       "(x + y)", "array(5.)"]


def test_adding_two_matrices(capsys):
    out = run_example("adding_two_matrices", capsys)
    assert out.count("array([[11., 22.],\n       [33., 44.]])") == 2


def test_shared_variables_accumulator_sequence(capsys):
    out = run_example("shared_variables", capsys).split()
    values = [int(v.replace("array(", "").replace(")", "")) for v in out]
    # state, returned old state, state ... as the notebook shows: 0, 1, 301, -1, 2, 0
    assert values == [0, 0, 1, 1, 301, -1, 2, 2, 0]


def test_graph_structures(capsys):
    out = run_example("graph_structures", capsys).splitlines()
    assert out[1:5] == ["Elemwise{mul,no_inplace}", "2", "x", "DimShuffle{x,x}.0"]
    assert out[-2] == "DimShuffle{x,x}" and out[-1].startswith("[TensorConstant{2")


def test_derivatives_tutorial_values(capsys):
    out = run_example("derivatives", capsys)
    assert "array(8.)" in out and "\nTrue\n" in out
    assert "array([[0.25      , 0.19661193],\n       [0.19661193, 0.10499359]])" in out
    assert "array([2., 2.])" in out
    assert "array([[0., 0.],\n       [2., 2.]])" in out
    assert out.count("array([4., 4.])") == 2
    assert "array([[8., 0.],\n       [0., 8.]])" in out  # the library's jacobian
    assert "array([[2., 0.],\n       [0., 2.]])" in out  # and hessian


def test_scan_tutorial_jacobian_and_hessian(capsys):
    out = run_example("scan_tutorial", capsys)
    assert "array([[8., 0.],\n       [0., 8.]])" in out
    assert "array([[2., 0.],\n       [0., 2.]])" in out


def _tiny_mnist(path: Path) -> None:
    """A file in mnist.pkl.gz's format: three (images, labels) pairs, pickled and gzipped."""
    rng = np.random.default_rng(0)
    parts = []
    for n in (120, 60, 60):
        labels = rng.integers(0, 10, n)
        images = np.zeros((n, 784), dtype="float32")
        images[np.arange(n), labels * 70] = 1.0  # one bright pixel per class: learnable
        images += rng.random((n, 784)).astype("float32") * 0.1
        parts.append((images, labels))
    with gzip.open(path, "wb") as f:
        pickle.dump(tuple(parts), f)


def test_mnist_loader_reads_the_standard_format_and_trains(tmp_path):
    sys.path.insert(0, str(EXAMPLES))
    try:
        import mnist_logistic
    finally:
        sys.path.remove(str(EXAMPLES))
    path = tmp_path / "mnist.pkl.gz"
    _tiny_mnist(path)
    train, valid, test = mnist_logistic.load_mnist_pickle(str(path))
    assert train[0].shape == (120, 784) and valid[1].shape == (60,)
    datasets = [mnist_logistic.shared_dataset(part) for part in (train, valid, test)]
    error = mnist_logistic.sgd_optimization(datasets, learning_rate=0.5, n_epochs=30,
                                            batch_size=20, verbose=False)
    assert error < 0.1


@pytest.mark.slow
def test_mnist_example_on_the_bundled_digits_reaches_ninety_percent(capsys):
    pytest.importorskip("sklearn")
    out = run_example("mnist_logistic", capsys, argv=["/nonexistent/mnist.pkl.gz"])
    accuracy = float(out.strip().splitlines()[-1].split()[-1])
    assert accuracy >= 0.9
