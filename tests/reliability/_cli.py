"""Running the real ``dialer`` command as a subprocess against the sandbox, signed in through a file keyring
(tests/integration/service/file_keyring.py: each command is its own process, like a user's)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import Box

ROOT = Path(__file__).resolve().parents[2]
FILE_KEYRING = "tests.integration.service.file_keyring.FileKeyring"
KEYRING_FILE = "test-keyring.json"  # under DIALER_HOME: stands in for the OS keyring


def cli_env(box: Box, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALER_")}
    env.update(DIALER_HOME=str(home), PYTHONPATH=str(ROOT), PYTHON_KEYRING_BACKEND=FILE_KEYRING,
               DIALER_RINGEZ_URL=box.url, DIALER_RINGCENTRAL_URL=box.url, DIALER_CALLEDIN_URL=box.url,
               DIALER_RINGOSTAT_URL=box.url, **extra)
    return env


def dialer(env: dict[str, str], *args: str, stdin: str | None = "") -> subprocess.CompletedProcess[str]:
    """Run ``dialer ARGS``; ``stdin=None`` gives it no input at all (not a terminal either way)."""
    return subprocess.run([sys.executable, "-m", "dialer", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60,
                          stdin=subprocess.DEVNULL if stdin is None else None)


def login_args(provider: str, creds: dict[str, str]) -> tuple[list[str], str]:
    if provider == "ringez":
        return ["login", "ringez", "--email", creds["email"], "--password-stdin"], creds["password"] + "\n"
    if provider == "ringcentral":
        return ["login", "ringcentral", "--client-id", creds["client_id"], "--client-secret",
                creds["client_secret"], "--jwt", creds["jwt"]], ""
    if provider == "calledin":
        return ["login", "calledin", "--api-key", creds["api_key"]], ""
    return ["login", "ringostat", "--auth-key", creds["auth_key"], "--project-id", creds["project_id"],
            "--extension", creds["extension"]], ""


def login(env: dict[str, str], box: Box, *providers: str) -> None:
    creds = box.credentials()
    for provider in providers:
        args, stdin = login_args(provider, creds[provider])
        done = dialer(env, *args, stdin=stdin)
        assert done.returncode == 0, done.stderr
