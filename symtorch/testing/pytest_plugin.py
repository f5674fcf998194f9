"""symtorch's pytest plugin (registered through the `pytest11` entry point).

Adds `--symtorch-mode` and `--symtorch-device`, the fixtures `symtorch_mode` and
`symtorch_device` (the compile mode and device to test with), and the `cuda`
marker, whose tests are skipped where no CUDA device is present.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("symtorch")
    group.addoption("--symtorch-mode", default=None,
                    help="compile mode for the symtorch_mode fixture (FAST_RUN, FAST_COMPILE, ...)")
    group.addoption("--symtorch-device", default=None,
                    help="device for the symtorch_device fixture (cpu, cuda, cuda:N, auto)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cuda: needs a CUDA device (skipped without one)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def symtorch_mode(request: pytest.FixtureRequest) -> str:
    from symtorch.config import config
    return request.config.getoption("--symtorch-mode") or config.mode


@pytest.fixture
def symtorch_device(request: pytest.FixtureRequest):
    from symtorch.compile.arguments import resolve_device
    return resolve_device(request.config.getoption("--symtorch-device"))
