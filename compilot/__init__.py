"""compilot: LLM agents that write, debug and fix code.

Importing compilot has no side effects: no network, no model load, no config read.
"""

from __future__ import annotations

import os

# litellm fetches a cost map over the network at import unless told not to; compilot runs
# offline against local servers.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__version__ = "0.1.0"
