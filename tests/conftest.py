"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def small_model_home() -> Path:
    """The COMPILOT_HOME holding the assembled bundled 0.5B model (`make test` pulls it into
    ``COMPILOT_TEST_HOME``); skips the test when it is not there."""
    home = Path(os.environ.get("COMPILOT_TEST_HOME")
                or Path.home() / ".cache" / "compilot-test").expanduser()
    if not (home / "models" / "qwen2.5-coder-0.5b.gguf").exists():
        pytest.skip("the bundled 0.5B model is not assembled in COMPILOT_TEST_HOME")
    return home
