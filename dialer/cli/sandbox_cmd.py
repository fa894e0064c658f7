"""`dialer sandbox`: run the local provider emulator in the foreground (Ctrl+C stops it)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    """Add `dialer sandbox` to the `dialer` parser."""
    parser = sub.add_parser(
        "sandbox", help="run the local emulator of every provider (demo accounts, no real calls)",
        description="Serve Ringez, RingCentral RingOut, Called.in and Ringostat look-alikes on a local port. "
                    "Demo credentials: GET /_sandbox/credentials. Scenarios: GET /_sandbox/scenarios.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765; 0 = any free)")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="how much faster than real time simulated calls run (default 1)")
    parser.add_argument("--public", action="store_true",
                        help="allow a non-loopback --host and Called.in callbacks to non-loopback URLs")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dialer.sandbox.server import serve_forever
    from dialer.sandbox.server_utils import is_loopback_host

    if not is_loopback_host(args.host) and not args.public:
        print(f"Refusing to listen on {args.host}: the sandbox has fixed demo passwords and no real security. "
              "Use --host 127.0.0.1, or add --public if you really want other machines to reach it.",
              file=sys.stderr)
        return 2
    if args.speed <= 0:
        print("--speed must be a positive number, e.g. 1 or 10.", file=sys.stderr)
        return 2
    try:
        serve_forever(host=args.host, port=args.port, speed=args.speed, public=args.public)
    except OSError as exc:
        print(f"Cannot listen on {args.host}:{args.port} ({exc.strerror or exc}). Pick another --port, "
              "or stop the program using it.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
