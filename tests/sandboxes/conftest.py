"""Sandbox test fixtures: the image is built once per session (reused when present).

Docker tests FAIL when the engine or the image is missing, unless COMPILOT_SKIP_DOCKER=1.
At the end of the session no container labelled by this run (or orphaned) may be left.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from compilot.sandboxes.config import SandboxConfig

SKIP_DOCKER = os.environ.get("COMPILOT_SKIP_DOCKER") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SKIP_DOCKER:
        return
    skip = pytest.mark.skip(reason="COMPILOT_SKIP_DOCKER=1")
    for item in items:
        if "docker" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def sandbox_image() -> str:
    from compilot.sandboxes.image import build_image

    return build_image().image


@pytest.fixture(scope="session")
def config(sandbox_image: str) -> SandboxConfig:
    return SandboxConfig(timeout_s=30)


@pytest.fixture
def box(config: SandboxConfig) -> Iterator[object]:
    from compilot.sandboxes.docker_sandbox import DockerSandbox

    with DockerSandbox(config) as sandbox:
        yield sandbox


def _leftovers() -> list[str]:
    from compilot.sandboxes import engine

    found = engine.client().api.containers(
        all=True, filters={"label": [f"{engine.LABEL}=1", f"compilot.pid={os.getpid()}"]})
    ids = {c["Id"] for c in found} | {c["Id"] for c in engine.orphans()}
    for cid in ids:
        engine.remove_container(cid)
    return sorted(cid[:12] for cid in ids)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if SKIP_DOCKER or "compilot.sandboxes.engine" not in __import__("sys").modules:
        return
    from compilot.errors import ComPilotError

    try:
        left = _leftovers()
    except ComPilotError:
        return  # no engine: the docker tests have already failed and said why
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"sandbox containers left behind: {' '.join(left)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
