"""dialer.ui: widgets and Qt models; they call dialer.service, never HTTP or SQL.

Modules on the first-paint path (app, main_window and the widgets the window builds) import neither
``logging`` nor ``typing`` at module level (~8 ms together before the window could paint): they use
:class:`LazyLogger` and ``TYPE_CHECKING = False``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging


class LazyLogger:
    """``logging.getLogger(name)``, looked up (and ``logging`` imported) on first use."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._logger: logging.Logger | None = None

    def __getattr__(self, attr: str) -> object:
        if self._logger is None:
            import logging

            self._logger = logging.getLogger(self._name)
        return getattr(self._logger, attr)
