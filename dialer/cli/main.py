"""The ``dialer`` command: starts the window, or runs a sub-command.

Start-up speed matters (a ``tel:`` link click spawns a whole process), so this module imports only the
standard library. Each sub-command lives in its own ``*_cmd.py`` module with a ``register(subparsers)``
function; handlers import what they need when they run.

A ``tel:``/``callto:`` URI or ``quick-call`` first tries the running instance (``dialer.desktop.handoff``,
standard library only) and exits at once when one answers.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from dialer import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs a link click ~2 ms

if TYPE_CHECKING:
    import argparse

COMMAND_MODULES = (
    "dialer.cli.parse_cmd",
    "dialer.cli.contacts_cmd",
    "dialer.cli.history_cmd",
    "dialer.cli.account_cmd",
    "dialer.cli.call_cmd",
    "dialer.cli.callerid_cmd",
    "dialer.cli.sandbox_cmd",
    "dialer.cli.desktop_cmd",
)


def _is_uri(arg: str) -> bool:
    low = arg.strip().lower()
    return low.startswith(("tel:", "callto:"))


WINDOW_FLAGS = frozenset({"--demo", "--minimized"})


class WindowArgs:
    """What opening the window needs: the same names ``build_parser()`` gives these options.

    A plain class, not a dataclass: importing dataclasses costs ~7 ms on this path.
    """

    func = None

    def __init__(self) -> None:
        self.demo = False
        self.minimized = False
        self.untrusted: list[str] | None = None


def window_args(args: Sequence[str]) -> WindowArgs | None:
    """The window's options without argparse, or None when there is a sub-command or anything else.

    Plain ``dialer``, ``--demo``, ``--minimized`` and ``--untrusted-args URI`` (the URI itself was taken
    off already) are parsed here: building the full parser imports every command module (~50 ms), which
    a window start or a link click should not pay for. Anything else (``--help``, a command, a typo) goes
    to argparse, which parses and reports it as before.
    """
    parsed = WindowArgs()
    for index, arg in enumerate(args):
        if arg == "--untrusted-args":
            parsed.untrusted = list(args[index + 1:])
            return parsed
        if arg not in WINDOW_FLAGS:
            return None
        setattr(parsed, arg[2:], True)
    return parsed


def build_parser() -> argparse.ArgumentParser:
    import argparse  # after the hand-off fast path: a link click should not pay for it
    import importlib

    parser = argparse.ArgumentParser(
        prog="dialer",
        description="A fast desktop dialer for web telephony providers. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"dialer {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="start with the built-in provider sandbox and demo accounts (no account needed)")
    parser.add_argument("--minimized", action="store_true", help="start hidden in the tray")
    parser.add_argument("--untrusted-args", dest="untrusted", nargs=argparse.REMAINDER, default=None,
                        help="a tel:/callto: URI handed over by the desktop (never trusted)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)

    # Hand-off fast path: a link or quick-call goes to the running instance if there is one.
    if args_list and (_is_uri(args_list[0]) or args_list[0] in ("quick-call", "--untrusted-args")):
        from dialer.desktop import handoff

        code = handoff.forward(args_list)
        if code is not None:
            return code

    from dialer import i18n

    i18n.install()  # the user's language for every sentence from here on (the window's too)

    uri: str | None = None
    if args_list and _is_uri(args_list[0]):
        uri, args_list = args_list[0], args_list[1:]
    elif args_list and _is_uri(args_list[-1]) and all(a in WINDOW_FLAGS for a in args_list[:-1]):
        uri, args_list = args_list[-1], args_list[:-1]  # `dialer --demo tel:...`: the link after the flags

    args: argparse.Namespace | WindowArgs | None = window_args(args_list)
    if args is None:
        set_up_logging()
        args = build_parser().parse_args(args_list)
    if args.untrusted:
        uri = args.untrusted[0]
    func = getattr(args, "func", None)
    if func is not None:
        report_recovery(forget=True)  # only what this command finds, not an earlier run in this process
        try:
            result: int = func(args)
            sys.stdout.flush()  # inside the try: a pipe closed early fails here, not at interpreter exit
        except BrokenPipeError:  # `dialer history | head -1`: the reader left; no traceback for that
            quiet_stdout()
            return 141  # what a shell reports for a process ended by SIGPIPE
        except Exception as exc:
            message = storage_failure(exc)
            if message is None:
                raise
            print(f"dialer: {message}", file=sys.stderr)
            return 1
        report_recovery()
        return result

    # Until the window has painted, the garbage collector would only scan the objects the start-up
    # creates (Qt classes, their enums, widgets): none is garbage yet (~3 ms of collections).
    import gc

    gc.disable()
    from dialer.ui import app

    window_start = isinstance(args, WindowArgs)

    def after_first_paint() -> None:
        # The window paints first; the log file and crash reports are set up right after (logging.handlers
        # and the masking filter cost ~20 ms), before the event loop, the service or any network code runs.
        gc.enable()
        if window_start:
            set_up_logging()

    try:
        return app.run(demo=args.demo, uri=uri, minimized=args.minimized, after_first_paint=after_first_paint)
    finally:
        gc.enable()


def storage_failure(exc: BaseException) -> str | None:
    """The user's words for a database or file-system failure (file, cause, fix); None for anything else."""
    import sqlite3

    from dialer.store.db import DatabaseError, describe_error

    if isinstance(exc, DatabaseError | sqlite3.Error):
        from dialer import paths

        try:
            where = paths.database_path()
        except OSError:
            where = None
        return describe_error(exc, where)
    if isinstance(exc, OSError):
        name = f" {exc.filename}" if exc.filename else ""
        return (f"could not use{name}: {exc.strerror or exc}. Check that the folder exists, is yours and is "
                "writable, and that the disk has space (or set DIALER_HOME to another folder).")
    return None


def report_recovery(forget: bool = False) -> None:
    """Say so when this command found the database damaged and started a fresh one (the old one is kept);
    with ``forget``, drop such a notice unsaid (one left by earlier work in the same process)."""
    from dialer.store import db

    moved, db.last_recovery = db.last_recovery, None
    if moved is not None and not forget:
        print(f"dialer: the database was damaged; it was moved to {moved} (kept for recovery) "
              "and a fresh one was started.", file=sys.stderr)


def quiet_stdout() -> None:
    """Point stdout at the null device, so Python's final flush of a closed pipe prints nothing."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def set_up_logging() -> None:
    """A masked log file and crash reports (see dialer.logsetup); an unwritable folder only warns."""
    from dialer import logsetup

    try:
        logsetup.configure()
    except OSError as exc:  # an unwritable log folder must not stop the command
        print(f"dialer: not writing a log file ({exc.strerror or exc}).", file=sys.stderr)
    logsetup.install_crash_reporter()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
