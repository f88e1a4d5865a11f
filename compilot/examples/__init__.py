"""Example repositories shipped with compilot (package data), e.g. for `compilot demo`.

Each example is a folder here holding a small project with its own pytest suite and an
`ISSUE.md` bug report. `copy_example` turns one into a fresh git repository that
`compilot fix` can work on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from compilot.errors import ComPilotError, ConfigError

EXAMPLES_DIR = Path(__file__).resolve().parent
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".git")
# A fixed identity, so the commit works on machines without a git user configured.
_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "compilot demo", "GIT_AUTHOR_EMAIL": "demo@compilot.invalid",
    "GIT_COMMITTER_NAME": "compilot demo", "GIT_COMMITTER_EMAIL": "demo@compilot.invalid",
}


def available_examples() -> list[str]:
    """Names of the shipped examples, sorted."""
    return sorted(p.name for p in EXAMPLES_DIR.iterdir() if (p / "ISSUE.md").is_file())


def example_path(name: str) -> Path:
    """The folder of the shipped example `name` (read-only: copy it before changing it)."""
    known = available_examples()
    if name not in known:
        raise ConfigError(f"unknown example {name!r}; known examples: {', '.join(known)}")
    return EXAMPLES_DIR / name


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, **_GIT_IDENTITY}
    try:
        done = subprocess.run(["git", *args], cwd=repo, env=env, check=True,
                              capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise ComPilotError("git is not installed; copying an example needs it",
                            hint="sudo apt-get install -y git") from exc
    except subprocess.CalledProcessError as exc:
        raise ComPilotError(f"git {' '.join(args)} failed in {repo}: "
                            f"{exc.stderr.strip() or exc.stdout.strip()}") from exc
    return done.stdout.strip()


def copy_example(name: str, dest: Path | str) -> Path:
    """Copy example `name` to dest, make it a git repository with one commit; return dest.

    dest must not exist yet, or be an empty folder.
    """
    source, dest = example_path(name), Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ConfigError(f"{dest} already exists and is not an empty folder",
                          hint=f"choose a new folder, or remove it: rm -r {dest}")
    shutil.copytree(source, dest, ignore=_IGNORED, dirs_exist_ok=True)
    _git(dest, "init", "--quiet")
    _git(dest, "add", "--all")
    _git(dest, "commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m",
         f"{name}: example project from compilot")
    return dest


__all__ = ["EXAMPLES_DIR", "available_examples", "copy_example", "example_path"]
