from __future__ import annotations

import sys
from pathlib import Path

# The shared test tools live beside the tests (``wf_tools``), also imported by the
# kill-and-resume child process.
sys.path.insert(0, str(Path(__file__).parent))
