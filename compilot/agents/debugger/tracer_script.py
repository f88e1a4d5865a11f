"""Runs a program's tests inside the sandbox and traces its blocks (stdlib only, shipped as text).

compilot writes this file and an input JSON into the sandbox workspace and runs
``python tracer_script.py INPUT``. Input: the program source, the tests (Python statements,
usually ``assert f(x) == y``), optionally the block map of one function (line -> block id).
Output, on stdout after the line ``<sentinel>``: one JSON document with a result per test and,
for the first failing test, the executed block sequence with a truncated snapshot of the
locals at each block boundary. Program prints are captured, so they cannot corrupt the JSON.
Each test runs under its own SIGALRM deadline; the number of recorded visits is capped (the
first ``max_events`` and a rolling tail are kept).
"""

from __future__ import annotations

import ast
import collections
import io
import json
import reprlib
import signal
import sys
import traceback

PROGRAM_FILE = "<program>"
_SUSPENDABLE = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 400
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 40
_REPR.maxlevel = 4


def safe_repr(value: object, limit: int = 120) -> str:
    """A repr that never raises, never runs away on big values, and is cut to ``limit``."""
    try:
        text = _REPR.repr(value)
    except Exception as exc:  # a user __repr__ may fail: that is data, not an error
        text = f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def safe_str(value: object, limit: int) -> str:
    try:
        text = str(value)
    except Exception:
        text = safe_repr(value, limit)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def snapshot(frame_locals: dict, limit: int, max_vars: int = 30) -> dict:
    out = {}
    for name, value in frame_locals.items():
        if name.startswith("__") or type(value).__name__ == "module":
            continue
        out[name] = safe_repr(value, limit)
        if len(out) >= max_vars:
            break
    return out


class Recorder:
    """The trace function: line events of one function's frames -> block visits."""

    def __init__(self, function: str, lines: dict, entries: dict, max_events: int,
                 limit: int) -> None:
        self.function = function
        self.lines = {int(k): v for k, v in lines.items()}
        self.entries = {int(k): tuple(v) for k, v in entries.items()}
        self.max_events, self.limit = max_events, limit
        self.head: list = []
        self.tail: collections.deque = collections.deque(maxlen=max(10, max_events // 4))
        self.total = 0
        self.frames: dict = {}  # frame -> [call index, open visit, last line]
        self.calls = 0

    def wanted(self, frame) -> bool:
        code = frame.f_code
        return code.co_filename == PROGRAM_FILE and code.co_name == self.function

    def __call__(self, frame, event, arg):
        if event == "call":
            if not self.wanted(frame):
                return None
            if frame not in self.frames:
                self.frames[frame] = [self.calls, None, None, False]
                self.calls += 1
            return self.local
        return None

    def local(self, frame, event, arg):
        state = self.frames.get(frame)
        if state is None:
            return self.local
        if event == "line":
            state[3] = False
            self.on_line(frame, state)
        elif event == "return":
            raised = state[3]  # a return right after an exception event is the unwinding
            self.close(frame, state, returned="<raised>" if raised else safe_repr(arg, self.limit))
            if not frame.f_code.co_flags & _SUSPENDABLE:
                del self.frames[frame]
        elif event == "exception":
            state[3] = True
            visit = state[1]
            if visit is not None:
                visit["exception"] = safe_repr(arg[1], self.limit * 2)
                visit["exception_type"] = arg[0].__name__
        return self.local

    def on_line(self, frame, state) -> None:
        line, visit = frame.f_lineno, state[1]
        block = self.lines.get(line)
        if block is None:
            return
        prev_line, state[2] = state[2], line
        if visit is not None and visit["block"] == block:
            start, end = self.entries[block]
            if not (line == start and prev_line is not None and prev_line > end):
                return  # still inside the same visit (not a jump back to its start)
        if visit is not None:
            self.close(frame, state)
            before = visit["after"]
        else:
            before = snapshot(frame.f_locals, self.limit)
        state[1] = {"block": block, "call": state[0], "line": line, "before": before}

    def close(self, frame, state, returned=None) -> None:
        visit = state[1]
        if visit is None:
            return
        visit["after"] = snapshot(frame.f_locals, self.limit)
        if returned is not None:
            visit["returned"] = returned
            state[1] = None
            state[2] = None
        self.total += 1
        visit["index"] = self.total - 1
        (self.head if len(self.head) < self.max_events else self.tail).append(visit)

    def result(self) -> dict:
        return {"visits": self.head + list(self.tail), "total": self.total,
                "truncated": self.total > len(self.head) + len(self.tail)}


class TestTimeout(BaseException):
    """A test ran past its time limit (probably an infinite loop).

    A BaseException, so ``except Exception`` in the program or in a repr cannot swallow it;
    the timer also re-fires every half second in case a bare ``except:`` does."""


_ARMED = [False]


def _alarm(signum, frame):
    if _ARMED[0]:
        raise TestTimeout("test exceeded its time limit")


def _arm(timeout: float) -> None:
    if hasattr(signal, "setitimer"):
        _ARMED[0] = timeout > 0
        signal.setitimer(signal.ITIMER_REAL, timeout, 0.5 if timeout > 0 else 0)


def _equality(stmt: ast.stmt):
    """(left, right) source of ``assert left == right``, else None."""
    if (isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Compare)
            and len(stmt.test.ops) == 1 and isinstance(stmt.test.ops[0], ast.Eq)):
        return ast.unparse(stmt.test.left), ast.unparse(stmt.test.comparators[0])
    return None


def run_test(test: str, namespace: dict, timeout: float, limit: int) -> dict:
    """Run one test (statements); for ``assert a == b`` report the actual and expected values."""
    result = {"test": test, "passed": False, "actual": None, "expected": None, "error": None,
              "timed_out": False}
    _arm(timeout)
    try:
        for stmt in ast.parse(test).body:
            pair = _equality(stmt)
            if pair is None:
                exec(compile(ast.Module([stmt], []), "<test>", "exec"), namespace)
                continue
            actual = eval(pair[0], namespace)
            result["actual"] = safe_repr(actual, limit * 4)
            expected = eval(pair[1], namespace)
            result["expected"] = safe_repr(expected, limit * 4)
            if not actual == expected:
                raise AssertionError(f"{pair[0]} returned {result['actual']}, "
                                     f"expected {result['expected']}")
        result["passed"] = True
    except TestTimeout as exc:
        result["timed_out"], result["error"] = True, f"TimeoutError: {exc}"
    except BaseException as exc:  # the program's failure is the data we report
        result["error"] = f"{type(exc).__name__}: {safe_str(exc, limit * 4)}"
    finally:
        _arm(0)
    return result


def run(spec: dict) -> dict:
    """Load the program, run every test, trace up to the first failing one."""
    limit = int(spec.get("max_repr", 120))
    namespace: dict = {"__name__": "__program__"}
    out: dict = {"tests": [], "trace": None, "traced_test": None, "load_error": None}
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, _alarm)
    try:
        _arm(float(spec.get("timeout", 5.0)))  # module-level code can loop forever too
        exec(compile(spec["source"], PROGRAM_FILE, "exec"), namespace)
    except BaseException as exc:
        out["load_error"] = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return out
    finally:
        _arm(0)
    blocks = spec.get("blocks")
    for test in spec["tests"]:
        recorder = None
        if blocks is not None and out["trace"] is None:
            recorder = Recorder(blocks["function"], blocks["lines"], blocks["entries"],
                                int(spec.get("max_events", 400)), limit)
            sys.settrace(recorder)
        try:
            result = run_test(test, namespace, float(spec.get("timeout", 5.0)), limit)
        finally:
            sys.settrace(None)
        out["tests"].append(result)
        if recorder is not None and not result["passed"]:
            out["trace"], out["traced_test"] = recorder.result(), test
    return out


def main(argv: list) -> int:
    with open(argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    captured = io.StringIO()
    real_stdout = sys.stdout
    sys.stdout = captured
    try:
        out = run(spec)
    finally:
        sys.stdout = real_stdout
    out["stdout"] = captured.getvalue()[-2000:]
    real_stdout.write("\n" + spec["sentinel"] + "\n" + json.dumps(out) + "\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
