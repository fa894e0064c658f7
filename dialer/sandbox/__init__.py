"""A local emulator of every provider (Ringez, RingCentral RingOut, Called.in, Ringostat).

See README.md in this folder for routes, scenarios, credentials and the choices made where a provider's
documentation is silent. Start it with ``start_in_thread()`` or ``dialer sandbox``.
"""

from __future__ import annotations

from .app import create_app
from .server import SandboxServer, start_in_thread

__all__ = ["SandboxServer", "create_app", "start_in_thread"]
