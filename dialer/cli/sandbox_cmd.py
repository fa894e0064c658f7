"""`dialer sandbox`: run the local provider emulator in the foreground (Ctrl+C stops it)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dialer.i18n import _


def register(sub: Any) -> None:
    """Add `dialer sandbox` to the `dialer` parser."""
    parser = sub.add_parser(
        "sandbox", help=_("run the local emulator of every provider (demo accounts, no real calls)"),
        description=_("Serve Ringez, RingCentral RingOut, Called.in and Ringostat look-alikes on a local port. "
                      "Demo credentials: GET /_sandbox/credentials. Scenarios: GET /_sandbox/scenarios."))
    parser.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default 127.0.0.1)"))
    parser.add_argument("--port", type=int, default=8765, help=_("port to listen on (default 8765; 0 = any free)"))
    parser.add_argument("--speed", type=float, default=1.0,
                        help=_("how much faster than real time simulated calls run (default 1)"))
    parser.add_argument("--public", action="store_true",
                        help=_("allow a non-loopback --host and Called.in callbacks to non-loopback URLs"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dialer.sandbox.server import serve_forever
    from dialer.sandbox.server_utils import is_loopback_host

    if not is_loopback_host(args.host) and not args.public:
        print(_("Refusing to listen on {host}: the sandbox has fixed demo passwords and no real security. "
                "Use --host 127.0.0.1, or add --public if you really want other machines to reach it.").format(
            host=args.host), file=sys.stderr)
        return 2
    if args.speed <= 0:
        print(_("--speed must be a positive number, e.g. 1 or 10."), file=sys.stderr)
        return 2
    try:
        serve_forever(host=args.host, port=args.port, speed=args.speed, public=args.public)
    except OSError as exc:
        print(_("Cannot listen on {host}:{port} ({reason}). Pick another --port, "
                "or stop the program using it.").format(host=args.host, port=args.port, reason=exc.strerror or exc),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
