"""After a whole demo session (every provider: sign-in, calls, sign-out), no token, session id, key or
password is anywhere in DIALER_HOME (database, config, logs at DEBUG, crash reports) or the CLI's output;
sign-out empties the keyring and revokes where the provider can (RingCentral)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from pathlib import Path

import pytest

from dialer import logsetup
from dialer.core.calls import Origin
from dialer.providers import registry
from dialer.service import DialerService

from . import _report
from ._cli import KEYRING_FILE, cli_env, dialer, login
from ._harness import run
from .conftest import Box

OWN = "+14155559876"
NUMBER = "+14155550006"
NEW_USER = "reliability-new-user@ringez.test"
_MIN_SECRET = 6


def _table() -> None:
    _report.ensure("Secrets", "secrets checked", "files searched", "hits", "left in keyring after sign-out")


def _secret_strings(values: Iterable[str]) -> set[str]:
    """Every secret in ``values``; JSON entries (RingCentral's token pair) are opened up."""
    found: set[str] = set()
    for value in values:
        try:
            data = json.loads(value)
        except ValueError:
            data = None
        if isinstance(data, dict):
            found.update(v for v in data.values() if isinstance(v, str) and len(v) >= _MIN_SECRET)
        elif isinstance(data, list):
            continue  # the index of names, not a secret
        elif len(value) >= _MIN_SECRET:
            found.add(value)
    return found


def _published(box: Box) -> set[str]:
    """The sandbox's demo passwords, keys, client secret and JWT."""
    creds = box.credentials()
    names = ("password", "client_secret", "jwt", "api_key", "auth_key")
    return {c[n] for c in creds.values() for n in names if c.get(n)}


def _hits(home: Path, secrets: set[str], *, skip: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    files = [p for p in home.rglob("*") if p.is_file() and p.name not in skip]
    hits = []
    for path in files:
        data = path.read_bytes()
        hits += [f"{path.relative_to(home)}: {s[:6]}…" for s in secrets if s.encode() in data]
    return len(files), hits


def test_service_session_leaves_no_secret_behind(box: Box, dialer_home: Path, memory_keyring: object) -> None:
    _table()
    log_file = logsetup.configure("DEBUG", interactive=False)
    kept: set[str] = set()

    async def body() -> tuple[list[str], str]:
        service = await DialerService.open(demo_sandbox_url=box.url, time_scale=0.05)
        service.settings.own_number = OWN
        try:
            views = await service.accounts.sign_in_demo(box.url)
            await service.accounts.ringez_send_otp(NEW_USER)  # a second Ringez account, by e-mailed code
            outbox = (await asyncio.to_thread(box.http.get, "/_sandbox/outbox")).json()["messages"]
            code = next(m["code"] for m in outbox if m["to"] == NEW_USER)
            kept.add(code)
            views.append(await service.accounts.sign_in("ringez", {"email": NEW_USER, "otp": code}))
            # its bridge calls ring the phone registered with the account: give the new account one
            (await asyncio.to_thread(box.http.post, "/_sandbox/ringez/user",
                                     json={"email": NEW_USER, "phone": OWN})).raise_for_status()
            for view in views:
                plan = service.calls.prepare(NUMBER, origin=Origin.WINDOW, account_id=view.id)
                active = await service.calls.place(plan, confirmed=True)
                await service.calls.wait_finished(active.id, timeout=20)
            kept.update(_secret_strings(v for (svc, _u), v in memory_keyring.items.items()  # type: ignore[attr-defined]
                                        if svc == "dialer"))
            token = max(kept, key=len)  # a session id or token: the kind that must never show
            logging.getLogger("dialer.reliability").debug("a careless debug line with %s in it", token)
            logging.getLogger("dialer.reliability").debug("the e-mailed code was %s", code)
            try:
                raise RuntimeError(f"a failure that quotes {token}")
            except RuntimeError as exc:
                logging.getLogger("dialer.reliability").exception("logged with its traceback")
                crash = logsetup.write_crash_report(type(exc), exc, exc.__traceback__)
            assert crash is not None
            for view in views:
                await service.accounts.sign_out(view.id)
            left = [u for (svc, u) in memory_keyring.items if svc == "dialer"]  # type: ignore[attr-defined]
            requests = (await asyncio.to_thread(box.requests))
            return left, json.dumps([r["path"] for r in requests])
        finally:
            await service.aclose()

    try:
        left, paths = run(body)
    finally:
        logsetup.remove()
    secrets = kept | _published(box)
    files, hits = _hits(dialer_home, secrets)
    _report.add("Secrets", "secrets checked", len(secrets))
    _report.add("Secrets", "files searched", files)
    _report.add("Secrets", "hits", len(hits))
    _report.add("Secrets", "left in keyring after sign-out", len(left))
    log_text = log_file.read_text()
    assert "DEBUG" in log_text and "********" in log_text  # DEBUG was on, and masking did its work
    assert list((dialer_home / "logs").glob("crash-*.txt"))
    assert hits == [], hits
    assert left == [], left
    assert "/restapi/oauth/revoke" in paths  # RingCentral's tokens were revoked, not just forgotten


def test_cli_session_leaves_no_secret_behind(box: Box, tmp_path: Path) -> None:
    _table()
    home = tmp_path / "cli-home"
    home.mkdir()
    env = cli_env(box, home, DIALER_LOG_LEVEL="DEBUG")
    providers = list(registry.PROVIDER_IDS)
    login(env, box, *providers)
    outputs = []
    for provider in providers:
        done = dialer(env, "call", NUMBER, "--provider", provider, "--from", OWN, "--yes", "--json")
        assert done.returncode == 0, done.stderr
        outputs += [done.stdout, done.stderr]
    keyring_file = home / KEYRING_FILE
    stored = json.loads(keyring_file.read_text())
    secrets = _secret_strings(stored.values()) | _published(box)
    for provider in providers:
        done = dialer(env, "logout", provider)
        assert done.returncode == 0, done.stderr
        outputs += [done.stdout, done.stderr]
    left = json.loads(keyring_file.read_text()) if keyring_file.exists() else {}
    files, hits = _hits(home, secrets, skip=(KEYRING_FILE,))  # the keyring file stands in for the OS keyring
    hits += [f"output: {s[:6]}…" for s in secrets for out in outputs if s in out]
    _report.add("Secrets", "secrets checked", len(secrets))
    _report.add("Secrets", "files searched", files)
    _report.add("Secrets", "hits", len(hits))
    _report.add("Secrets", "left in keyring after sign-out", len(left))
    assert (home / "logs" / "dialer.log").read_text().count("DEBUG") > 0
    assert hits == [], hits
    assert left == {}, left


@pytest.mark.parametrize("where", ["message", "argument", "traceback"])
def test_log_lines_mask_registered_secrets(dialer_home: Path, where: str) -> None:
    from dialer.secrets import register_secret

    _table()
    secret = "sk_live_reliability_4f9a2c"
    register_secret(secret)
    log_file = logsetup.configure("DEBUG", interactive=False)
    logger = logging.getLogger("dialer.reliability")
    try:
        if where == "message":
            logger.info(f"session {secret} opened")
        elif where == "argument":
            logger.info("session %s opened", secret)
        else:
            try:
                raise ValueError(secret)
            except ValueError:
                logger.exception("failed")
    finally:
        logsetup.remove()
    text = log_file.read_text()
    _report.add("Secrets", "secrets checked")
    _report.add("Secrets", "hits", text.count(secret))
    assert secret not in text and "********" in text


def test_an_uncaught_exception_leaves_a_masked_crash_report(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from ._cli import ROOT

    _table()
    secret = "rt_reliability_crash_77c1"
    code = ("from dialer import logsetup\nfrom dialer.secrets import register_secret\n"
            "logsetup.configure('DEBUG', interactive=False)\nlogsetup.install_crash_reporter()\n"
            f"register_secret({secret!r})\nraise RuntimeError('refresh failed for ' + {secret!r})\n")
    env = {**os.environ, "DIALER_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    reports = list((tmp_path / "logs").glob("crash-*.txt"))
    texts = [p.read_text() for p in reports] + [(tmp_path / "logs" / "dialer.log").read_text()]
    _report.add("Secrets", "secrets checked")
    _report.add("Secrets", "hits", sum(t.count(secret) for t in texts))
    assert done.returncode == 1 and "RuntimeError" in done.stderr  # the previous hook still ran
    assert len(reports) == 1 and "RuntimeError: refresh failed for ********" in reports[0].read_text()
    assert oct(reports[0].stat().st_mode & 0o777) == "0o600"
    assert all(secret not in t for t in texts)
