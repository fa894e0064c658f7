"""Background steps of a view (import, export, sync): kept alive until done, and never failing silently.

A view that mixes in :class:`BackgroundSteps` provides ``_set_busy(bool)`` and ``_message(text, error=)``;
``_start(coro)`` runs the coroutine on the event loop, and an exception that escapes it (a bug) is logged
and shown in place instead of being lost with the task.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> str:
    """What to show for an error: the provider/service's user message, else the exception's text."""
    text = getattr(exc, "user_message", None) or str(exc)
    return text or exc.__class__.__name__


class BackgroundSteps:
    """Mixin for views; see the module docstring."""

    def _set_busy(self, busy: bool) -> None:
        raise NotImplementedError

    def _message(self, text: str, *, error: bool = False) -> None:
        raise NotImplementedError

    def _start(self, coro: Coroutine[Any, Any, None]) -> asyncio.Future[None]:
        """Run ``coro`` on the event loop; the caller has already shown the wait (busy state)."""
        tasks: set[asyncio.Future[None]] = self.__dict__.setdefault("_background_tasks", set())
        task = asyncio.ensure_future(coro)
        tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Future[None]) -> None:
        self.__dict__.get("_background_tasks", set()).discard(task)
        exc = None if task.cancelled() else task.exception()
        if exc is not None:  # a bug: still shown in place, never lost
            log.error("background step failed", exc_info=exc)
            self._set_busy(False)
            self._message(error_text(exc), error=True)
