"""symtorch.config: flags, SYMTORCH_FLAGS, change_flags."""

import os
import subprocess
import sys

import pytest

import symtorch
import symtorch.tensor as T
from symtorch.config import config


def test_defaults_follow_theano():
    assert config.floatX == "float64"
    from symtorch.config import FLAGS
    assert FLAGS["mode"].default == "FAST_RUN"


def test_change_flags_sets_and_restores():
    with config.change_flags(floatX="float32", output_type="torch"):
        assert config.floatX == "float32" and T.matrix().dtype == "float32"
        assert config.output_type == "torch"
    assert config.floatX == "float64" and config.output_type == "numpy"


def test_change_flags_restores_after_an_error():
    with pytest.raises(RuntimeError), config.change_flags(floatX="float32"):
        raise RuntimeError
    assert config.floatX == "float64"


def test_bad_values_and_unknown_flags_are_refused():
    with pytest.raises(ValueError, match="floatX"):
        config.floatX = "float65"
    with pytest.raises(ValueError, match="device"):
        config.device = "tpu"
    with pytest.raises(AttributeError, match="no flag"):
        config.nonsense = 1


def test_symtorch_flags_are_read_at_import():
    env = dict(os.environ, SYMTORCH_FLAGS="floatX=float32,device=cpu,warn.sum_div_dimshuffle_bug=False")
    code = "import symtorch; print(symtorch.config.floatX, symtorch.config.device)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["float32", "cpu"]


def test_parse_flags_warns_on_unknown_names():
    with pytest.warns(UserWarning, match="unknown flag 'bogus'"):
        config.parse_flags("bogus=1")
    with pytest.raises(ValueError, match="name=value"):
        config.parse_flags("floatX")


def test_config_is_reachable_from_the_package():
    assert symtorch.config is config
    assert symtorch.change_flags == config.change_flags
