"""Translation of litellm / openai / httpx failures into :mod:`compilot.errors`, and the retry
policy built on the translated kinds.

litellm wraps the real cause several layers deep (a refused connection arrives as
``litellm.InternalServerError`` with status 500 whose ``__cause__`` chain ends in
``httpx.ConnectError``; a dropped stream arrives as ``MidStreamFallbackError``), so the kind
is decided by walking the whole chain: a timeout anywhere wins, then a transport failure, and
only then the HTTP status. Callers never see a foreign exception (STYLE.md rule 7).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from compilot.errors import (
    ModelConnectionError,
    ModelError,
    ModelResponseError,
    ModelTimeoutError,
)

SERVE_HINT = ("start the local server with `compilot model serve`, or check the endpoint "
              "with `compilot doctor`")
_EXCERPT = 300


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes/contexts, and litellm's ``original_exception`` links."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for link in (current.__cause__, current.__context__,
                     getattr(current, "original_exception", None)):
            if isinstance(link, BaseException):
                todo.append(link)


_FOREIGN = ("litellm", "openai", "httpx", "httpcore", "h11")


def is_model_failure(exc: BaseException) -> bool:
    """Whether the failure comes from the call to the endpoint (the HTTP stack or litellm's
    error types), as opposed to a bug or a missing module that must stay visible as-is."""
    for link in _chain(exc):
        if isinstance(link, OSError | TimeoutError):
            return True
        module = type(link).__module__.split(".")[0]
        if module in _FOREIGN and not isinstance(link, ImportError):
            return True
    return False


def _is_timeout(exc: BaseException) -> bool:
    import httpx
    import openai

    return isinstance(exc, httpx.TimeoutException | openai.APITimeoutError | TimeoutError)


def _is_transport(exc: BaseException) -> bool:
    import httpx
    import openai

    return isinstance(exc, httpx.TransportError | openai.APIConnectionError | ConnectionError)


def _status_and_body(chain: list[BaseException]) -> tuple[int | None, str]:
    """The first HTTP status in the chain and the server's own error text."""
    import openai

    status: int | None = None
    body = ""
    for exc in chain:
        if isinstance(exc, openai.APIStatusError):
            status = status or exc.status_code
            try:
                body = body or exc.response.text
            except Exception:  # noqa: BLE001 - an unread streamed body; the message will do
                body = body or exc.message
        code = getattr(exc, "status_code", None)
        if status is None and isinstance(code, int):
            status = code
    if not body and chain:
        body = str(chain[-1]) or str(chain[0])
    return status, " ".join(body.split())[:_EXCERPT]


_TRUNCATED = "Stream ended before a finish_reason was received"


def truncated_error(url: str) -> ModelResponseError:
    """A stream from ``url`` that ended without the server's finish reason."""
    return ModelResponseError(
        f"the stream from {url} ended without a finish reason: the answer is truncated "
        "(did the server stop?)", hint="check the server's log")


def translate(exc: BaseException, *, url: str, timeout_s: float,
              streaming_started: bool = False) -> ModelError:
    """The compilot error for a failed model call to ``url``."""
    if isinstance(exc, ModelError):
        return exc
    chain = list(_chain(exc))
    where = "while streaming the answer" if streaming_started else "before it answered"
    if any(_is_timeout(e) for e in chain):
        return ModelTimeoutError(
            f"the model at {url} did not answer within {timeout_s:g} s ({where})",
            hint="raise model.timeout_s (COMPILOT_MODEL__TIMEOUT_S) or use a smaller model; "
                 "`compilot doctor` checks the endpoint")
    if any(_TRUNCATED in str(e) for e in chain):
        # litellm >= 1.8x raises this itself (as a connection error) when a stream that
        # delivered its chunks just ends: a cut-off answer, not a broken connection.
        return truncated_error(url)
    if any(_is_transport(e) for e in chain):
        detail = str(chain[-1])[:_EXCERPT]
        if streaming_started:
            return ModelConnectionError(
                f"the connection to the model at {url} broke while streaming the answer "
                f"(the server may have crashed): {detail}", hint=SERVE_HINT)
        return ModelConnectionError(f"cannot reach the model endpoint at {url}: {detail}",
                                    hint=SERVE_HINT)
    status, body = _status_and_body(chain)
    if status is not None:
        return ModelResponseError(f"the model at {url} answered HTTP {status}: {body}",
                                  status=status, hint=_status_hint(status))
    return ModelResponseError(f"the model call to {url} failed: {type(exc).__name__}: {body}",
                              hint=SERVE_HINT)


def _status_hint(status: int) -> str:
    if status in (401, 403):
        return "set model.api_key (COMPILOT_MODEL__API_KEY) for this endpoint"
    if status == 404:
        return "check the model name and that api_base ends in /v1; `compilot doctor` lists models"
    if status >= 500:
        return "the server failed; its log says why (`compilot model serve` runs it in front)"
    return "the request was rejected; the server's message above says which field"


def is_retryable(err: ModelError, *, retry_on_timeout: bool) -> bool:
    """Retry what a second attempt can fix: unreachable endpoint (a server restarting), HTTP
    5xx and 429. Never a 4xx: the same request fails the same way. A timeout only when asked:
    a local server that took ``timeout_s`` once will likely take it again, and retrying
    multiplies the user's wait by the retry count."""
    if isinstance(err, ModelTimeoutError):
        return retry_on_timeout
    if isinstance(err, ModelConnectionError):
        return True
    if isinstance(err, ModelResponseError):
        return err.status is not None and (err.status >= 500 or err.status == 429)
    return False


def backoff_delay(attempt: int, *, base_s: float, max_s: float) -> float:
    """Exponential backoff with full jitter (attempt 0 is the first retry)."""
    ceiling = min(max_s, base_s * (2 ** attempt))
    return random.uniform(ceiling / 2, ceiling)


def gave_up(err: ModelError, attempts: int) -> ModelError:
    """Say in the message how many attempts were made before giving up."""
    if attempts > 1:
        err.message = f"{err.message} (gave up after {attempts} attempts)"
        err.args = (err.message,)
    return err
