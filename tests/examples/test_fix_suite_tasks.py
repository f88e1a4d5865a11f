"""The fix-suite task files are complete and consistent (no network: sdists are not fetched)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

SUITE = Path(__file__).resolve().parents[2] / "benchmarks" / "fix_suite"


def _prepare_module():
    spec = importlib.util.spec_from_file_location("fix_suite_prepare", SUITE / "prepare.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_tasks_load_and_cover_at_least_five_packages():
    tasks = _prepare_module().load_tasks(SUITE / "tasks")
    assert len(tasks) >= 8
    assert len({t.package for t in tasks}) >= 5
    assert len({t.instance_id for t in tasks}) == len(tasks)


def test_each_task_is_complete():
    for task in _prepare_module().load_tasks(SUITE / "tasks"):
        assert task.folder.name == task.instance_id
        assert len(task.sdist_sha256) == 64
        assert task.target_tests and task.regression_tests
        assert not set(task.target_tests) & set(task.regression_tests)
        gold = task.gold_patch.read_text()
        tests = task.target_tests_patch.read_text()
        assert gold.startswith("--- a/") and "tests/" not in gold.split("\n", 1)[0]
        assert all(line.split("/", 1)[1].startswith(("test", "tests/"))
                   for line in tests.splitlines() if line.startswith("--- a/"))
        for node in task.target_tests:
            assert node.split("::")[0] in tests, node


def test_instance_record_is_swe_bench_shaped(tmp_path):
    prepare = _prepare_module()
    task = prepare.load_tasks(SUITE / "tasks")[0]
    record = prepare.instance_record(task, tmp_path, "0" * 40)
    assert set(record) == {"instance_id", "repo", "base_commit", "problem_statement"}
    assert json.loads(json.dumps(record))["repo"] == str(tmp_path.resolve())
