"""Step 1 of the fixer: a private copy of the user's repository, never their checkout.

The user's repository is only read: it is cloned (``--shared``, from a commit, so uncommitted
edits are noted but not copied) into the run's temporary folder, and every tree the fixer edits
or tests is a ``git worktree`` of that clone. Diffs come from git, so they apply with
``git apply``. Only :func:`apply_to_user` writes to the user's repository, on request.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from compilot.errors import RepositoryError

DEFAULT_TEST_COMMAND = "python -m pytest -q"
_EXCLUDES = (":(exclude).ruff_cache", ":(exclude)**/__pycache__", ":(exclude).pytest_cache")


@dataclass(frozen=True)
class PreparedRepo:
    """The private clone of one run."""

    source: Path
    """The user's repository (read only)."""
    root: Path
    """The clone, checked out at ``commit``."""
    commit: str
    dirty: tuple[str, ...]
    """Paths with uncommitted changes in the user's tree (not part of the copy)."""
    test_command: str


def git(cwd: Path, *args: str, check: bool = True, input: str | None = None) -> str:
    """Run git; a failure is a :class:`RepositoryError` naming the command."""
    try:
        proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True,
                              input=input, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RepositoryError(f"git {' '.join(args)} failed: {exc}",
                              hint="install git (apt-get install git)") from exc
    if check and proc.returncode != 0:
        raise RepositoryError(f"git {' '.join(args[:3])} failed in {cwd}: "
                              f"{proc.stderr.strip()[:500]}")
    return proc.stdout


def repository_root(repo: Path) -> Path:
    """The work tree root of ``repo``; :class:`RepositoryError` when it is not a git one."""
    repo = Path(repo).expanduser().resolve()
    if not repo.is_dir():
        raise RepositoryError(f"{repo} is not a directory",
                              hint="pass --repo PATH to a git repository")
    proc = subprocess.run(["git", "-C", str(repo), "rev-parse", "--show-toplevel"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RepositoryError(
            f"{repo} is not a git repository; compilot fix works on a copy of a git "
            "commit so that your files are never touched",
            hint=f"git -C {repo} init && git -C {repo} add -A && git -C {repo} commit -m init")
    return Path(proc.stdout.strip())


def detect_test_command(root: Path, configured: str | None = None) -> str:
    """The configured command, else pytest (the only runner detected so far)."""
    return configured or DEFAULT_TEST_COMMAND


def prepare(repo: Path, workdir: Path, *, commit: str | None = None,
            test_command: str | None = None) -> PreparedRepo:
    """Clone ``repo`` at ``commit`` (default HEAD) into ``workdir / 'repo'``."""
    source = repository_root(repo)
    wanted = commit or "HEAD"
    proc = subprocess.run(["git", "-C", str(source), "rev-parse", "--verify", "--quiet",
                           f"{wanted}^{{commit}}"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RepositoryError(
            f"{source} has no commit {wanted!r}" if commit else f"{source} has no commit yet",
            hint=None if commit else f"git -C {source} add -A && git -C {source} commit -m init")
    sha = proc.stdout.strip()
    # --no-optional-locks: git status must not refresh (rewrite) the user's index.
    status = git(source, "--no-optional-locks", "status", "--porcelain",
                 "--untracked-files=no")
    dirty = tuple(line[3:] for line in status.splitlines() if line.strip())
    root = Path(workdir) / "repo"
    git(Path(workdir), "clone", "--quiet", "--shared", "--no-checkout", str(source), str(root))
    git(root, "checkout", "--quiet", "--detach", sha)
    _identity(root)
    return PreparedRepo(source, root, sha, dirty, detect_test_command(root, test_command))


def _identity(root: Path) -> None:
    git(root, "config", "user.name", "compilot")
    git(root, "config", "user.email", "compilot@localhost")


def new_tree(prepared: PreparedRepo, path: Path) -> Path:
    """A fresh work tree of the clone at the base commit."""
    git(prepared.root, "worktree", "add", "--quiet", "--detach", str(path), prepared.commit)
    return path


def tree_diff(tree: Path) -> str:
    """The tree's changes against the base commit as a ``git apply``-able diff."""
    git(tree, "add", "-A", "--", ".", *_EXCLUDES)
    return git(tree, "diff", "--cached", "--binary", "HEAD")


def changed_files(diff: str) -> tuple[str, ...]:
    """Paths a git diff touches (``b/`` side, or ``a/`` for deletions)."""
    out: list[str] = []
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            parts = line.split(" b/", 1)
            if len(parts) == 2 and parts[1] not in out:
                out.append(parts[1])
    return tuple(out)


def apply_to_user(prepared: PreparedRepo, diff: str, *, apply: bool, commit: bool,
                  message: str) -> str | None:
    """Apply ``diff`` to the user's tree and/or commit it on a new branch (created from the
    clone, so the user's current branch and files move only with ``apply``). Returns the
    branch name when one was created. Refuses when a touched file has uncommitted changes."""
    touched = set(changed_files(diff))
    clash = sorted(touched & set(prepared.dirty))
    if clash:
        raise RepositoryError(
            f"not applying: {', '.join(clash)} ha{'s' if len(clash) == 1 else 've'} "
            "uncommitted changes", hint="commit or stash them, then run again")
    if apply:
        git(prepared.source, "apply", "--check", "-", input=diff)
    branch = None
    if commit:
        branch = f"compilot/fix-{prepared.commit[:8]}-{abs(hash(diff)) % 10**6:06d}"
        git(prepared.root, "checkout", "--quiet", "-b", branch)
        git(prepared.root, "apply", "--index", "-", input=diff)
        git(prepared.root, "commit", "--quiet", "-m", message)
        git(prepared.source, "fetch", "--quiet", str(prepared.root), f"{branch}:{branch}")
    if apply:
        git(prepared.source, "apply", "-", input=diff)
    return branch
