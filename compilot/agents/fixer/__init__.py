"""The issue fixer's model-free building blocks: localisation (repository map, BM25,
traceback locations) and candidate-patch deduplication. The agent loop is built on these.
"""

from __future__ import annotations

from compilot.agents.fixer.localize import Localization, Location, localize, localize_sources
from compilot.agents.fixer.patch_dedup import PatchGroup, dedup_patches, diff_key, patch_key

__all__ = [
    "Localization",
    "Location",
    "PatchGroup",
    "dedup_patches",
    "diff_key",
    "localize",
    "localize_sources",
    "patch_key",
]
