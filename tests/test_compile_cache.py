"""Compiled programs across processes: the disk cache is used, and a broken one is rebuilt."""

import json
import os
import pathlib
import subprocess
import sys

import pytest
import torch

import symtorch.tensor as T
from symtorch import function
from symtorch.link.torch import cache

# A FAST_RUN function whose program calls one of symtorch's helpers (the label check
# of the cross-entropy) and updates a shared variable; prints its results and whether
# AOTAutograd's cache served it.
CHILD = r"""
import json, warnings
import numpy as np
import symtorch, symtorch.tensor as T
from torch._dynamo.utils import counters
x, y = T.dmatrix("x"), T.lvector("y")
w = symtorch.shared(np.eye(3), name="w")
cost = T.nnet.categorical_crossentropy(T.nnet.softmax(T.dot(x, w)), y).sum()
f = function = symtorch.function([x, y], cost, updates=[(w, w * 0.5)], mode="FAST_RUN")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    first = float(f(np.arange(6.0).reshape(2, 3), np.array([0, 2])))
second = float(f(np.arange(6.0).reshape(2, 3), np.array([0, 2])))
print(json.dumps({"results": [first, second], "hits": counters["aot_autograd"]["autograd_cache_hit"],
                  "warnings": [str(w.message) for w in caught]}))
"""


def run_child(folder: pathlib.Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TORCHINDUCTOR_CACHE_DIR"}
    env["SYMTORCH_FLAGS"] = f"compiledir={folder}"
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def warm_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compiledir")
    cold = run_child(folder)
    return folder, cold


def test_a_second_process_loads_the_compiled_program_from_disk(warm_folder):
    folder, cold = warm_folder
    assert cold["hits"] == 0
    warm = run_child(folder)
    assert warm["hits"] == 1
    assert warm["results"] == cold["results"]
    assert (folder / "inductor").is_dir()


def test_a_corrupt_cache_entry_is_set_aside_and_rebuilt(warm_folder, tmp_path):
    source, cold = warm_folder
    folder = tmp_path / "compiledir"
    subprocess.run(["cp", "-r", str(source), str(folder)], check=True)
    generated = [p for p in (folder / "inductor").rglob("*.py")]
    assert generated
    for path in generated:  # Inductor trusts these by name; garble every one
        path.write_text("this is not Python (")
    broken = run_child(folder)
    assert broken["results"] == cold["results"]
    assert any("does not load" in message for message in broken["warnings"])
    assert (folder / "inductor.broken").is_dir()
    assert run_child(folder)["hits"] == 1  # the rebuilt cache serves the next process


def test_symtorch_helpers_are_marked_cacheable_but_closures_and_user_functions_are_not():
    scale = 2.0

    def user_fn(a):
        return a

    def closure_fn(a):  # as a rule's local function would be: its behaviour is not its source
        return a * scale

    closure_fn.__module__ = "symtorch.link.torch.somewhere"
    graph = torch.fx.Graph()
    a = graph.placeholder("a")
    helper = graph.call_function(cache.source_fingerprint, ())
    closure = graph.call_function(closure_fn, (a,))
    user = graph.call_function(user_fn, (a,))
    graph.output((a,))
    cache.mark_cacheable(torch.fx.GraphModule(torch.nn.Module(), graph))
    assert helper.meta["user_cache_hash"] == cache.source_fingerprint()
    assert "is_wrapped" not in closure.meta and "is_wrapped" not in user.meta


def test_programs_that_call_user_functions_still_compile_under_fast_run():
    from symtorch.tensor.torch_op import torch_op

    @torch_op(itypes=[T.dvector], otypes=[T.dvector])
    def double(v):
        return v * 2

    x = T.dvector("x")
    f = function([x], double(x) + 1, mode="FAST_RUN")
    assert f([1.0, 2.0]).tolist() == [3.0, 5.0]
