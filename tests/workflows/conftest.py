from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The shared test tools live beside the tests (``wf_tools``), also imported by the
# kill-and-resume child process.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file the test tools append each real call to (read it with ``wf_tools.calls``)."""
    path = tmp_path / "calls.log"
    monkeypatch.setenv("COMPILOT_TEST_LOG", str(path))
    return path
