"""dialer: a fast, trustworthy desktop dialer for web telephony providers.

The package is split by responsibility (see README "Architecture"): ``core`` (pure telephony logic),
``store`` (SQLite), ``providers`` (HTTP clients), ``service`` (asyncio orchestration), ``sandbox``
(provider emulator), ``desktop`` (OS integration), ``ui`` (Qt widgets) and ``cli``.
"""

__version__ = "0.1.0"
