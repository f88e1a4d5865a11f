"""Fixtures of the debugger tests: a real (local, unisolated) sandbox for running programs."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from compilot.sandboxes.base import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    from compilot.sandboxes.local import LocalSandbox, UnsandboxedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsandboxedWarning)
        box = LocalSandbox()
    with box:
        yield box
