"""Apply a set of :class:`~compilot.repair.edits.Edit` to a directory, all or nothing.

:func:`preview_edits` computes every new file content in memory; :func:`apply_edits` writes
them only when every edit matched (and an optional ``check`` accepted them). A failed match
is model feedback (:class:`EditFailure`, with a "did you mean" excerpt and line numbers), never
an exception. Each file keeps its newline style (CRLF stays CRLF).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from compilot.repair.edits import Edit
from compilot.repair.matching import Match, closest_window, find_matches, split_lines


@dataclass(frozen=True)
class EditFailure:
    """One edit that could not be applied, with feedback text the model can act on."""

    index: int
    path: str
    message: str


@dataclass(frozen=True)
class EditPreview:
    """New contents (``None`` = deleted) and original contents (``None`` = absent) per path."""

    after: Mapping[str, str | None]
    before: Mapping[str, str | None]
    failures: tuple[EditFailure, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(sorted(p for p, text in self.after.items() if text != self.before.get(p)))


@dataclass(frozen=True)
class FileChange:
    """One written file: its content before and after (``None`` = absent)."""

    path: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ApplyResult:
    """What :func:`apply_edits` did. ``feedback`` is the text to send back to the model."""

    applied: bool
    changes: tuple[FileChange, ...] = ()
    failures: tuple[EditFailure, ...] = ()
    rejections: tuple[str, ...] = ()

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(c.path for c in self.changes)

    @property
    def feedback(self) -> str:
        parts = [f.message for f in self.failures] + list(self.rejections)
        if not parts:
            return f"Applied {len(self.changed)} file change(s): {', '.join(self.changed)}."
        head = "No file was changed: every edit must apply before any is written.\n\n"
        return head + "\n\n".join(parts)


class _Files:
    """Lazily read, ``\\n``-normalised file contents under ``root``, with their newline."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.before: dict[str, str | None] = {}
        self.after: dict[str, str | None] = {}
        self.newline: dict[str, str] = {}

    def resolve(self, rel: str) -> Path | None:
        target = (self.root / rel).resolve()
        return target if target.is_relative_to(self.root.resolve()) else None

    def get(self, rel: str) -> str | None:
        if rel not in self.after:
            path = self.root / rel
            text = path.read_bytes().decode("utf-8") if path.is_file() else None
            self.newline[rel] = "\r\n" if text and "\r\n" in text else "\n"
            normal = text.replace("\r\n", "\n") if text is not None else None
            self.before[rel] = self.after[rel] = normal
        return self.after[rel]


def preview_edits(root: Path, edits: Sequence[Edit]) -> EditPreview:
    """Apply ``edits`` in order in memory; later edits see the result of earlier ones."""
    files = _Files(root)
    failures: list[EditFailure] = []
    for index, edit in enumerate(edits, start=1):
        error = _apply_one(files, edit)
        if error:
            failures.append(EditFailure(index, edit.path, f"Edit #{index} ({edit.path}): {error}"))
    restored = {p: _restore(t, files.newline.get(p, "\n")) for p, t in files.after.items()}
    originals = {p: _restore(t, files.newline.get(p, "\n")) for p, t in files.before.items()}
    return EditPreview(restored, originals, tuple(failures))


def _restore(text: str | None, newline: str) -> str | None:
    return text.replace("\n", newline) if text is not None and newline != "\n" else text


def _apply_one(files: _Files, edit: Edit) -> str | None:
    if not edit.path or files.resolve(edit.path) is None:
        return f"the path {edit.path!r} is outside the repository; use a repo-relative path."
    try:
        current = files.get(edit.path)
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read the file as UTF-8 text ({exc})."
    if edit.delete:
        if current is None:
            return "cannot delete a file that does not exist."
        files.after[edit.path] = None
        return None
    search = split_lines(edit.search.replace("\r\n", "\n"))
    replace = split_lines(edit.replace.replace("\r\n", "\n"))
    if not any(line.strip() for line in search):
        return _create(files, edit, replace, current)
    if current is None:
        return ("the file does not exist. To create it, leave SEARCH empty; to edit another "
                "file, check the path.")
    lines = split_lines(current)
    outcome = find_matches(lines, search, replace)
    match = outcome.unique or _by_hint(outcome.matches, edit.hint_line)
    if match is None:
        if outcome.matches:
            where = ", ".join(str(m.start + 1) for m in outcome.matches)
            return (f"SEARCH matches {len(outcome.matches)} places (starting at lines {where}); "
                    "add surrounding lines to SEARCH so it matches exactly one.")
        return _no_match(edit.path, lines, search)
    new = lines[:match.start] + list(match.replacement) + lines[match.start + match.length:]
    ending = "\n" if new and current.endswith("\n") else ""
    files.after[edit.path] = "\n".join(new) + ending
    return None


def _by_hint(matches: Sequence[Match], hint: int | None) -> Match | None:
    """A diff hunk's header line breaks a tie only when it names one match exactly."""
    exact = [m for m in matches if hint is not None and m.start + 1 == hint]
    return exact[0] if len(exact) == 1 else None


def _create(files: _Files, edit: Edit, replace: list[str], current: str | None) -> str | None:
    if current is not None and current.strip():
        return ("SEARCH is empty but the file already exists and is not empty; put the lines "
                "to change in SEARCH.")
    files.after[edit.path] = "\n".join(replace) + ("\n" if replace else "")
    return None


def _no_match(path: str, lines: list[str], search: list[str]) -> str:
    message = (f"SEARCH does not match any lines of {path}. SEARCH must copy the existing "
               "lines exactly (whitespace may differ).")
    window = closest_window(lines, search)
    if window is None or window.ratio < 0.3:
        return message
    first, last = window.start + 1, window.start + len(window.lines)
    body = "\n".join(window.lines)
    return (f"{message}\nDid you mean lines {first}-{last} of {path} "
            f"({window.ratio:.0%} similar)?\n```\n{body}\n```")


def apply_edits(root: Path, edits: Sequence[Edit], *,
                check: Callable[[EditPreview], Sequence[str]] | None = None) -> ApplyResult:
    """Write ``edits`` under ``root`` only if all apply and ``check`` (if any) returns no
    rejection; otherwise write nothing and return the feedback."""
    preview = preview_edits(root, edits)
    if not preview.ok:
        return ApplyResult(applied=False, failures=preview.failures)
    rejections = tuple(check(preview)) if check is not None else ()
    if rejections:
        return ApplyResult(applied=False, rejections=rejections)
    changes = tuple(FileChange(rel, preview.before.get(rel), preview.after[rel])
                    for rel in preview.changed)
    for change in changes:
        _write(root / change.path, change.after)
    return ApplyResult(applied=True, changes=changes)


def _write(path: Path, text: str | None) -> None:
    if text is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
