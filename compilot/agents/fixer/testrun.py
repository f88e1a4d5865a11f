"""Run a tree's tests in a sandbox and read the outcome per test (junit XML, not prose).

pytest writes its report to stderr and its junit XML to stdout (``cat`` after the run), so one
command gives both without leaving a file in the workspace. A tree is copied into a fresh
sandbox; the reproduction test is written there only, never into the tree the patch comes from.
"""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compilot.sandboxes import SandboxConfig, make_sandbox

JUNIT = "/tmp/compilot-junit.xml"
REPRO_PATH = "test_compilot_repro.py"


@dataclass(frozen=True)
class TestRun:
    """One test command's outcome. ``failed`` holds failures and errors (test ids)."""

    __test__ = False  # not a pytest test class

    command: str
    exit_code: int
    passed: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    skipped: int = 0
    timed_out: bool = False
    duration_s: float = 0.0
    output: str = ""
    """The tail of pytest's report (feedback for the model, evidence for the user)."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    @property
    def failed_cleanly(self) -> bool:
        """Tests were collected and ran, and some test function failed (pytest exit 1), as
        opposed to a collection or usage error (exit 2+), which proves nothing."""
        return self.exit_code == 1 and not self.timed_out and any("::" in t
                                                                    for t in self.failed)

    @property
    def collected(self) -> int:
        return len(self.passed) + len(self.failed) + self.skipped

    def to_json(self) -> dict[str, object]:
        return {"command": self.command, "exit_code": self.exit_code,
                "passed": list(self.passed), "failed": list(self.failed),
                "skipped": self.skipped, "timed_out": self.timed_out,
                "duration_s": round(self.duration_s, 3)}


@dataclass(frozen=True)
class TreeTests:
    """The reproduction test and the existing suite, run on one tree."""

    repro: TestRun | None
    suite: TestRun
    extra: dict[str, str] = field(default_factory=dict)


def parse_junit(xml_text: str) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """(passed ids, failed-or-error ids, skipped count) from pytest's junit XML."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return (), (), 0
    passed, failed, skipped = [], [], 0
    for case in root.iter("testcase"):
        cls, name = case.get("classname", ""), case.get("name", "")
        test_id = f"{cls}::{name}" if cls else name
        tags = {child.tag for child in case}
        if tags & {"failure", "error"}:
            failed.append(test_id)
        elif "skipped" in tags:
            skipped += 1
        else:
            passed.append(test_id)
    return tuple(passed), tuple(failed), skipped


def pytest_command(base: str, targets: Sequence[str] = (), deselect: Sequence[str] = ()) -> str:
    cache = [] if "no:cacheprovider" in base else ["-p", "no:cacheprovider"]
    parts = [base, *cache, f"--junitxml={JUNIT}", "-o", "junit_family=xunit1", *targets]
    for path in deselect:
        parts += ["--ignore", path]
    quoted = " ".join(p if p == base else shlex.quote(p) for p in parts)
    return f"{quoted} 1>&2; rc=$?; cat {JUNIT} 2>/dev/null; exit $rc"


def run_tests(box: object, command: str, timeout: float, *, label: str) -> TestRun:
    """Run one pytest command in ``box`` (a :class:`~compilot.sandboxes.Sandbox`)."""
    result = box.exec(command, timeout=timeout)  # type: ignore[attr-defined]
    passed, failed, skipped = parse_junit(result.stdout)
    return TestRun(label, result.exit_code, passed, failed, skipped, result.timed_out,
                   result.duration_s, result.stderr[-4000:])


def test_tree(tree: Path, config: SandboxConfig, test_command: str, *,
              repro: str | None, timeout: float) -> TreeTests:
    """Copy ``tree`` into a sandbox; run the reproduction test (if any), then the suite
    without it."""
    with make_sandbox(config, workspace=tree) as box:
        repro_run = None
        if repro is not None:
            box.write_file(REPRO_PATH, repro)
            repro_run = run_tests(box, pytest_command(test_command, [REPRO_PATH]), timeout,
                                  label=f"{test_command} {REPRO_PATH}")
        suite = run_tests(box, pytest_command(test_command, deselect=[REPRO_PATH]), timeout,
                          label=test_command)
    return TreeTests(repro_run, suite)


def run_repro(tree: Path, config: SandboxConfig, test_command: str, repro: str, *,
              timeout: float) -> TestRun:
    """Only the reproduction test, on ``tree``."""
    with make_sandbox(config, workspace=tree) as box:
        box.write_file(REPRO_PATH, repro)
        return run_tests(box, pytest_command(test_command, [REPRO_PATH]), timeout,
                         label=f"{test_command} {REPRO_PATH}")
