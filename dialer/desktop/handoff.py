"""Client side of the single-instance hand-off: pass a link (or quick-call) to the running dialer.

Every click on a ``tel:`` link starts a new process; when a dialer is already running, this module sends
it one request line (see :mod:`dialer.desktop.protocol`) and the new process exits at once. STANDARD
LIBRARY ONLY (plus :mod:`dialer.paths` and the protocol module): it runs before anything else is imported,
and its import time is what a link click costs.

The endpoint is an ``AF_UNIX`` socket ``dialer.sock`` in the per-user runtime directory (mode 0700) on
Linux/macOS, and a per-user named pipe on Windows. The server is :mod:`dialer.desktop.ipc_server`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from dialer.desktop import protocol
from dialer.i18n import _

SOCKET_NAME = "dialer.sock"
_MAX_UNIX_PATH = 100  # sun_path is 108 bytes on Linux, 104 on macOS; keep a margin
_MAX_REPLY_BYTES = 4096


class HandoffError(Exception):
    """The running instance could not be reached or refused the request; the text is for the user."""


class NotRunning(HandoffError):
    """No instance is listening (no socket, or a stale one left by a crash)."""


def _user_tag() -> str:
    """A short, filesystem- and pipe-safe tag for the current user."""
    import hashlib

    user = os.environ.get("USERNAME") or os.environ.get("USER") or "user"
    if hasattr(os, "getuid"):
        user = f"{user}-{os.getuid()}"
    return hashlib.sha256(user.encode("utf-8", "replace")).hexdigest()[:16]


def _private_fallback_dir(long_dir: Path) -> Path:
    """A short 0700 directory in the temp dir, for runtime dirs too long for a socket path.

    Named after the long directory (so separate ``DIALER_HOME``s stay separate); refused when another
    user owns it or others can enter it.
    """
    import hashlib
    import tempfile

    digest = hashlib.sha256(str(long_dir).encode("utf-8", "replace")).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"dialer-{_user_tag()[:8]}-{digest}"
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    info = path.lstat()
    if not path.is_dir() or path.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise HandoffError(_("The folder {path} is not private to you; delete it and start dialer again.").format(
            path=path))
    return path


def server_name() -> str:
    """What the server listens on and the client connects to.

    POSIX: the socket file's absolute path. Windows: a pipe name (``\\\\.\\pipe\\`` + name) derived from
    the user name, so two users on one machine never meet.
    """
    if sys.platform == "win32":
        return f"dialer-{_user_tag()}"
    from dialer import paths

    directory = paths.runtime_dir()
    path = directory / SOCKET_NAME
    if len(os.fsencode(str(path))) > _MAX_UNIX_PATH:
        path = _private_fallback_dir(directory) / SOCKET_NAME
    return str(path)


def request_from_argv(argv: Sequence[str]) -> tuple[str, dict[str, str]] | None:
    """The hand-off request an argument list asks for, or None when it is not a hand-off.

    Accepted forms: ``[URI]``, ``["--untrusted-args", URI]`` (from the desktop's URL handler: exactly one
    argument, which is never read as an option; alone it means "show the window"), and ``["quick-call"]``. Raises :class:`HandoffError`
    for a malformed ``--untrusted-args``.
    """
    args = list(argv)
    if args == ["--untrusted-args"]:  # started from the menu: the desktop's %u expanded to nothing
        return protocol.ACTION_SHOW, {}
    if args and args[0] == "--untrusted-args":
        if len(args) != 2:
            raise HandoffError(_("--untrusted-args takes exactly one tel: or callto: link."))
        return protocol.ACTION_OPEN_URI, {"uri": args[1]}
    if len(args) == 1 and args[0].strip().lower().startswith(("tel:", "callto:")):
        return protocol.ACTION_OPEN_URI, {"uri": args[0]}
    if args == ["quick-call"]:
        return protocol.ACTION_QUICK_CALL, {}
    return None


def _cwd() -> str | None:
    try:
        cwd = os.getcwd()
    except OSError:
        return None
    return cwd if len(cwd) <= protocol.MAX_CWD_CHARS else None


def _exchange_unix(path: str, line: bytes, timeout: float) -> bytes:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except (FileNotFoundError, ConnectionRefusedError):
            raise NotRunning("no dialer is running") from None
        sock.sendall(line)
        reply = b""
        while b"\n" not in reply and len(reply) < _MAX_REPLY_BYTES:
            chunk = sock.recv(_MAX_REPLY_BYTES)
            if not chunk:
                break
            reply += chunk
        return reply.split(b"\n", 1)[0]
    finally:
        sock.close()


def _exchange_windows(name: str, line: bytes) -> bytes:  # pragma: no cover - Windows only
    # A named pipe opened as a file; the server is QLocalServer on the same name. Reads have no timeout
    # here; the server always answers or closes the pipe.
    try:
        pipe = open(rf"\\.\pipe\{name}", "r+b", buffering=0)  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise NotRunning("no dialer is running") from None
    try:
        pipe.write(line)
        return pipe.readline(_MAX_REPLY_BYTES).rstrip(b"\n")
    finally:
        pipe.close()


def send(action: str, args: dict[str, str] | None = None, *, timeout: float = protocol.REPLY_TIMEOUT_S) -> None:
    """Send one request to the running instance and wait for its reply.

    Raises :class:`NotRunning` when none is listening, and :class:`HandoffError` (with a message for the
    user) when it refused the request, did not answer in time, or could not be reached.
    """
    try:
        line = protocol.encode_request(action, args, cwd=_cwd())
    except protocol.ProtocolError as exc:
        raise HandoffError(_("This cannot be passed to dialer: {error}.").format(error=exc)) from None
    name = server_name()
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows only
            reply = _exchange_windows(name, line)
        else:
            reply = _exchange_unix(name, line, timeout)
    except NotRunning:
        raise
    except TimeoutError:
        raise HandoffError(
            _("The running dialer did not answer within {seconds} s. If it is stuck, quit it "
              "(or end the dialer process) and try again.").format(seconds=f"{timeout:g}")
        ) from None
    except OSError as exc:
        raise HandoffError(_("Could not reach the running dialer at {name}: {reason}.").format(
            name=name, reason=exc.strerror or exc)) from None
    if not reply:
        raise HandoffError(_("The running dialer closed the connection without answering; try again."))
    ok, error = protocol.decode_reply(reply)
    if not ok:
        raise HandoffError(_("The running dialer refused the request: {error}").format(error=error))


def forward(argv: Sequence[str]) -> int | None:
    """Hand ``argv`` to the running instance.

    Returns the process exit code (0 delivered; 1 refused or unreachable, with the reason on stderr;
    2 malformed arguments), or None when ``argv`` is not a hand-off or no instance is running, so the
    caller starts the app.
    """
    try:
        request = request_from_argv(argv)
    except HandoffError as exc:
        print(_("dialer: {error}").format(error=exc), file=sys.stderr)
        return 2
    if request is None:
        return None
    action, args = request
    try:
        send(action, args)
    except NotRunning:
        return None
    except HandoffError as exc:
        print(_("dialer: {error}").format(error=exc), file=sys.stderr)
        return 1
    return 0
