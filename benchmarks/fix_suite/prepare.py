"""Rebuild the fix-suite task repositories from PyPI and emit a SWE-bench style instances file.

Usage: python benchmarks/fix_suite/prepare.py DEST [--cache DIR] [--only ID ...] [--out FILE]

For each task in benchmarks/fix_suite/tasks/<id>/task.json: download the sdist of
`version_before` with pip (cached in --cache), check its sha256, extract it into DEST/<id>,
`git init` it and commit it as the base (fixed author and dates, so the base commit is the same
on every machine). Then write one JSON line per task to --out (default DEST/instances.jsonl)
with `instance_id`, `repo` (absolute path), `base_commit` and `problem_statement`: the input
of `compilot fix --instances`. Gold patches and target tests stay in the task folder; the agent
never sees them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

TASKS_DIR = Path(__file__).resolve().parent / "tasks"
DEFAULT_CACHE = Path.home() / ".cache" / "compilot" / "fix_suite" / "sdists"
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "fix-suite", "GIT_AUTHOR_EMAIL": "fix-suite@compilot.invalid",
    "GIT_COMMITTER_NAME": "fix-suite", "GIT_COMMITTER_EMAIL": "fix-suite@compilot.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass(frozen=True)
class FixTask:
    """One benchmark task, as stored in tasks/<id>/ (task.json plus its two patches)."""

    instance_id: str
    package: str
    version_before: str
    version_after: str
    sdist_sha256: str
    problem_statement: str
    target_tests: tuple[str, ...]
    regression_tests: tuple[str, ...]
    test_command: str
    folder: Path

    @property
    def gold_patch(self) -> Path:
        return self.folder / "gold_patch.diff"

    @property
    def target_tests_patch(self) -> Path:
        return self.folder / "target_tests.patch"


def load_tasks(tasks_dir: Path = TASKS_DIR, only: list[str] | None = None) -> list[FixTask]:
    """All tasks under tasks_dir, sorted by id (or just those named in only)."""
    tasks = []
    for path in sorted(tasks_dir.glob("*/task.json")):
        data = json.loads(path.read_text())
        if only and data["instance_id"] not in only:
            continue
        tasks.append(FixTask(
            instance_id=data["instance_id"], package=data["package"],
            version_before=data["version_before"], version_after=data["version_after"],
            sdist_sha256=data["sdist_sha256"], problem_statement=data["problem_statement"],
            target_tests=tuple(data["target_tests"]),
            regression_tests=tuple(data["regression_tests"]),
            test_command=data["test_command"], folder=path.parent))
    missing = set(only or ()) - {t.instance_id for t in tasks}
    if missing:
        raise SystemExit(f"unknown task id(s): {sorted(missing)}")
    return tasks


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _sdist_in(cache: Path, package: str, version: str) -> Path | None:
    for path in cache.iterdir():
        stem = path.name.removesuffix(".tar.gz").removesuffix(".zip")
        name, _, found = stem.rpartition("-")
        if stem != path.name and _normalize(name) == _normalize(package) and found == version:
            return path
    return None


def fetch_sdist(package: str, version: str, sha256: str, cache: Path = DEFAULT_CACHE) -> Path:
    """The sdist of package==version, downloaded with pip into cache unless already there."""
    cache.mkdir(parents=True, exist_ok=True)
    path = _sdist_in(cache, package, version)
    if path is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", f"{package}=={version}", "-d", str(cache)],
                       check=True)
        path = _sdist_in(cache, package, version)
    if path is None:
        raise SystemExit(f"pip downloaded no sdist for {package}=={version} into {cache}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{path}: sha256 {digest} != {sha256} recorded in the task")
    return path


def _extract(archive: Path, dest: Path) -> None:
    """Extract archive's single top-level folder as dest."""
    tmp = dest.with_name(dest.name + ".extract")
    shutil.rmtree(tmp, ignore_errors=True)
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(tmp, filter="data")
    (top,) = tmp.iterdir()
    top.rename(dest)
    tmp.rmdir()


def git(repo: Path, *args: str) -> str:
    """Run git in repo with a fixed identity and dates; return stdout."""
    env = {**os.environ, **_GIT_ENV}
    done = subprocess.run(["git", *args], cwd=repo, env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


def build_repo(task: FixTask, dest_root: Path, cache: Path = DEFAULT_CACHE) -> tuple[Path, str]:
    """Create dest_root/<id> as a fresh git repo of version_before; return (path, base commit)."""
    repo = dest_root / task.instance_id
    shutil.rmtree(repo, ignore_errors=True)
    dest_root.mkdir(parents=True, exist_ok=True)
    _extract(fetch_sdist(task.package, task.version_before, task.sdist_sha256, cache), repo)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all", "--force")
    git(repo, "commit", "--quiet", "--no-verify", "-m",
        f"{task.package} {task.version_before} (sdist)")
    return repo, git(repo, "rev-parse", "HEAD")


def instance_record(task: FixTask, repo: Path, base_commit: str) -> dict[str, str]:
    """The SWE-bench style line `compilot fix --instances` reads."""
    return {"instance_id": task.instance_id, "repo": str(repo.resolve()),
            "base_commit": base_commit, "problem_statement": task.problem_statement}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="folder to create the task repositories in")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="sdist cache folder")
    parser.add_argument("--only", nargs="*", help="task ids to prepare (default: all)")
    parser.add_argument("--out", type=Path, help="instances file (default DEST/instances.jsonl)")
    args = parser.parse_args(argv)
    out = args.out or args.dest / "instances.jsonl"
    lines = []
    for task in load_tasks(only=args.only):
        repo, base = build_repo(task, args.dest, args.cache)
        lines.append(json.dumps(instance_record(task, repo, base)))
        print(f"{task.instance_id}: {repo} @ {base[:12]}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} instances to {out}")


if __name__ == "__main__":
    main()
