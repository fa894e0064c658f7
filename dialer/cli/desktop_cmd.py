"""`dialer` sub-commands for desktop integration: register-handler, unregister-handler, quick-call."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from dialer.i18n import _


def register(sub: Any) -> None:
    """Add this module's sub-commands to the `dialer` parser."""
    reg = sub.add_parser("register-handler", help=_("make dialer open tel: and callto: links (this user only)"))
    reg.set_defaults(func=_register_handler)
    unreg = sub.add_parser("unregister-handler", help=_("stop dialer from opening tel: and callto: links"))
    unreg.set_defaults(func=_unregister_handler)
    quick = sub.add_parser("quick-call", help=_("open the quick-call popup (in the running dialer if there is one)"))
    quick.set_defaults(func=_quick_call)


def _register_handler(args: argparse.Namespace) -> int:
    from dialer.desktop import registration

    return _change_registration(registration.register)


def _unregister_handler(args: argparse.Namespace) -> int:
    from dialer.desktop import registration

    return _change_registration(registration.unregister)


def _change_registration(change: Callable[[], str]) -> int:
    """Run `change` and print what it did, or why it could not (exit status 1)."""
    from dialer.desktop.registration import RegistrationError

    try:
        print(change())
    except RegistrationError as exc:
        print(_("dialer: {error}").format(error=exc), file=sys.stderr)
        return 1
    return 0


def _quick_call(args: argparse.Namespace) -> int:
    # main() already offered "quick-call" to a running instance (dialer.desktop.handoff.forward) before
    # parsing arguments; reaching here means none is running, so start the app with the popup open.
    from dialer.ui import app

    return app.run(demo=bool(getattr(args, "demo", False)), uri=None, minimized=False, quick_call=True)
