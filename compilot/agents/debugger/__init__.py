"""LDB: a debugger agent that repairs a function from block-level runtime traces.

The flow: :func:`build_blocks` splits the function into basic blocks; :func:`run_program`
runs the visible tests in a sandbox and traces the first failing one block by block;
:func:`debug_program` shows the model a bounded selection of block visits, asks for a verdict
per block, then for a fix, and loops until the visible tests pass or the call budget ends.
:func:`run_method` runs LDB or a baseline (``plain``, ``selfdebug``) under the same budget.
"""

from __future__ import annotations

from compilot.agents.debugger.agent import debug_program
from compilot.agents.debugger.blocks import Block, BlockMap, build_blocks
from compilot.agents.debugger.loop import (
    Attempt,
    Candidate,
    DebuggerConfig,
    DebugResult,
)
from compilot.agents.debugger.methods import METHODS, run_method
from compilot.agents.debugger.select import Gap, select_visits
from compilot.agents.debugger.trace import (
    BlockVisit,
    RunReport,
    TestOutcome,
    TraceConfig,
    run_program,
)
from compilot.agents.debugger.verdicts import Verdict, extract_code, parse_verdicts

__all__ = [
    "METHODS",
    "Attempt",
    "Block",
    "BlockMap",
    "BlockVisit",
    "Candidate",
    "DebugResult",
    "DebuggerConfig",
    "Gap",
    "RunReport",
    "TestOutcome",
    "TraceConfig",
    "Verdict",
    "build_blocks",
    "debug_program",
    "extract_code",
    "parse_verdicts",
    "run_method",
    "run_program",
    "select_visits",
]
