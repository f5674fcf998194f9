"""Test-suite settings: functions compiled without a mode use FAST_RUN's rewrites with the
plain-torch backend (an Inductor compile costs seconds on CI's two cores). Real Inductor
runs in tests/test_inductor.py, and everywhere with SYMTORCH_TEST_FAST_RUN=inductor."""

import os

import pytest

import symtorch
from symtorch.testing import MODES

if os.environ.get("SYMTORCH_TEST_FAST_RUN") != "inductor":
    symtorch.config.mode = "FAST_RUN_TORCH"


@pytest.fixture(params=MODES)
def mode(request):
    """The compile modes every mode-dependent test runs in (see symtorch.testing.MODES)."""
    return request.param
