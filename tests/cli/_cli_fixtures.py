"""Fixtures of the CLI tests, imported by each test module.

There is deliberately no tests/cli/conftest.py: other test folders import names with
`from conftest import ...`, and a second module called `conftest` would shadow theirs.

`shared` is one demo network, built once through the CLI and shared by the read-only
tests (the build is cached here, so modules importing the fixture share it); tests that
change a network work on a copy (`network_copy`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli_helpers import copy_network
from _cli_shared import SharedNetwork, build_shared_network

_BUILT: dict[Path, SharedNetwork] = {}


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> SharedNetwork:
    key = tmp_path_factory.getbasetemp()
    if key not in _BUILT:
        _BUILT[key] = build_shared_network(tmp_path_factory.mktemp("shared"))
    return _BUILT[key]


@pytest.fixture
def network_copy(shared: SharedNetwork, tmp_path: Path) -> Path:
    """A private copy of the shared network, for tests that change or break it."""
    return copy_network(shared.net, tmp_path / "net")
