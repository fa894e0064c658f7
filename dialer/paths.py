"""Where dialer keeps its files.

Everything (database, config, logs, crash reports, the hand-off socket) lives under platformdirs' per-user
directories, unless ``DIALER_HOME`` is set: then every file goes below that one directory (portable mode,
and hermetic tests). This module is imported on the fast start-up path, so it imports only the standard
library and platformdirs.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

APP_NAME = "dialer"


def home_override() -> Path | None:
    """The ``DIALER_HOME`` directory, if set."""
    value = os.environ.get("DIALER_HOME", "").strip()
    return Path(value).expanduser() if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # e.g. a filesystem without modes
        path.chmod(0o700)
    return path


def data_dir() -> Path:
    """Database and other user data."""
    home = home_override()
    if home is not None:
        return _ensure(home / "data")
    import platformdirs

    return _ensure(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def config_dir() -> Path:
    """Non-secret configuration."""
    home = home_override()
    if home is not None:
        return _ensure(home / "config")
    import platformdirs

    return _ensure(Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)))


def log_dir() -> Path:
    """Log files and crash reports."""
    home = home_override()
    if home is not None:
        return _ensure(home / "logs")
    import platformdirs

    return _ensure(Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)))


def runtime_dir() -> Path:
    """Per-user runtime directory for the single-instance socket (never shared with other users)."""
    home = home_override()
    if home is not None:
        return _ensure(home / "run")
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    flatpak_id = os.environ.get("FLATPAK_ID", "")
    if xdg and Path(xdg).is_dir() and flatpak_id and "/" not in flatpak_id and flatpak_id.strip("."):
        # Inside Flatpak only $XDG_RUNTIME_DIR/app/$FLATPAK_ID is shared between instances of the app.
        return _ensure(Path(xdg) / "app" / flatpak_id)
    if xdg and Path(xdg).is_dir():
        return _ensure(Path(xdg) / APP_NAME)
    import warnings

    import platformdirs

    with warnings.catch_warnings():  # no XDG_RUNTIME_DIR: platformdirs' fallback is fine, don't nag
        warnings.simplefilter("ignore")
        return _ensure(Path(platformdirs.user_runtime_dir(APP_NAME, appauthor=False)))


def database_path() -> Path:
    """The one SQLite database."""
    return data_dir() / "dialer.sqlite3"
