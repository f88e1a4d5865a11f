"""The local model server process: ``python -m compilot.llm.llama_server [llama_cpp.server args]``.

llama-cpp-python's OpenAI-compatible server, unchanged but for one part: its
``--draft_model prompt-lookup-decoding`` builds :class:`~compilot.llm.lookup_draft.
AdaptiveLookupDraft` instead of the library's fixed-size lookup (see that module for why).
:class:`~compilot.llm.server.LocalServer` starts this module; nothing imports it.
"""

from __future__ import annotations

from typing import Any


def main() -> None:
    import llama_cpp.llama_speculative as speculative
    from llama_cpp.server.__main__ import main as serve

    from compilot.llm.lookup_draft import AdaptiveLookupDraft

    def draft(num_pred_tokens: int = 10, **_: Any) -> AdaptiveLookupDraft:
        return AdaptiveLookupDraft(max_tokens=num_pred_tokens)

    # The server looks the class up on this module when it loads the model.
    speculative.LlamaPromptLookupDecoding = draft  # type: ignore[assignment,misc]
    serve()


if __name__ == "__main__":
    main()
