"""The thin Qt adapter over the service: service events become Qt signals, UI actions become tasks.

The service runs on the same thread as Qt (qasync drives asyncio from the Qt event loop), so an event
callback can emit a signal directly. :meth:`ServiceBridge.spawn` runs a coroutine for a widget and turns
its failure into ``failed(title, message, exc)``: errors the user can act on (our service errors and
provider errors, which already say cause and fix) become messages; anything else goes to ``sys.excepthook``
(logged and shown) instead of vanishing in a forgotten task.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from dialer.qt import QtCore

log = logging.getLogger(__name__)
T = TypeVar("T")


async def maybe_await(value: Any) -> Any:
    """Service methods may be sync (SQLite) or async (network); widgets accept both."""
    if inspect.isawaitable(value):
        return await value
    return value


def is_user_error(exc: BaseException) -> bool:
    """Errors whose message is written for the user (service errors, provider errors, bad numbers)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"ServiceError", "ProviderError", "InvalidNumber", "TelUriError", "DialError"})


class ServiceBridge(QtCore.QObject):
    callEvent = QtCore.Signal(object)  # service CallEvent
    failed = QtCore.Signal(str, str, object)  # title, user message, exception

    def __init__(self, service: Any, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unsubscribe: Callable[[], None] | None = None
        calls = getattr(service, "calls", None)
        if calls is not None and hasattr(calls, "subscribe"):
            self._unsubscribe = calls.subscribe(self._on_event)

    def _on_event(self, event: Any) -> None:
        self.callEvent.emit(event)

    def spawn(self, coro: Coroutine[Any, Any, T], *, title: str = "Dialer",
              on_done: Callable[[T], None] | None = None) -> asyncio.Task[T]:
        """Run ``coro`` as a task; report its failure; call ``on_done(result)`` on success."""
        task: asyncio.Task[T] = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[T]) -> None:
            self._tasks.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if exc is None:
                if on_done is not None:
                    on_done(t.result())
                return
            if is_user_error(exc):
                log.info("%s: %s", title, exc)
                self.failed.emit(title, str(exc), exc)
            else:
                sys.excepthook(type(exc), exc, exc.__traceback__)

        task.add_done_callback(done)
        return task

    async def run(self, value: Awaitable[T] | T) -> T:
        result: T = await maybe_await(value)
        return result

    @property
    def busy(self) -> bool:
        return any(not t.done() for t in self._tasks)

    async def aclose(self) -> None:
        """Unsubscribe and cancel what widgets started (the service closes its own work)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        current = asyncio.current_task()
        pending = [t for t in self._tasks if not t.done() and t is not current]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
