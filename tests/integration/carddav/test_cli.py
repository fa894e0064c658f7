"""`dialer contacts sync ...` as a user runs it: real processes, the password on standard input, Radicale.

Each command is its own process; the password survives from `sync add` to `sync` through the file-backed
test keyring (tests/integration/service/file_keyring.py), never through the database.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.carddav.conftest import Dav

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "cli-home"
    home.mkdir()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DIALER_")}
    environment.update(DIALER_HOME=str(home), PYTHONPATH=str(ROOT),
                       PYTHON_KEYRING_BACKEND="tests.integration.service.file_keyring.FileKeyring")
    return environment


def dialer(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dialer", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_add_sync_list_remove(dav: Dav, env: dict[str, str]) -> None:
    family = dav.mkbook("family", "Family")
    work = dav.mkbook("work", "Work")
    dav.put(family, "ann", "Ann Smith", "+44 20 7946 0958")
    dav.put(family, "bob", "Bob Jones", "+1 212 555 0123")
    dav.put(work, "cat", "Cat Brown", "+33 1 23 45 67 89")

    added = dialer(env, "contacts", "sync", "add", dav.server.url, "--user", dav.user, "--password-stdin",
                   "--name", "Radicale", stdin=dav.password + "\n")
    assert added.returncode == 0, added.stderr
    assert "Added “Radicale”: 2 address book(s)" in added.stdout
    database = Path(env["DIALER_HOME"]) / "data" / "dialer.sqlite3"
    with sqlite3.connect(database) as conn:  # the password is nowhere in the database
        dump = "\n".join(conn.iterdump())
    assert dav.password not in dump

    first = dialer(env, "contacts", "sync", "--json")
    assert first.returncode == 0, first.stderr
    counts = {r["address_book"]: (r["added"], r["changed"], r["removed"]) for r in json.loads(first.stdout)}
    assert counts == {"Family": (2, 0, 0), "Work": (1, 0, 0)}

    dav.delete(family, "ann")
    dav.put(work, "dan", "Dan White", "+49 30 901820")
    second = dialer(env, "contacts", "sync")
    assert second.returncode == 0, second.stderr
    assert "Family (Radicale): 0 added, 0 changed, 1 removed" in second.stdout
    assert "Work (Radicale): 1 added, 0 changed, 0 removed" in second.stdout

    listed = json.loads(dialer(env, "contacts", "sync", "list", "--json").stdout)
    assert [(b["name"], b["contacts"], b["last_error"]) for b in listed[0]["address_books"]] == [
        ("Family", 1, None), ("Work", 2, None)]
    assert dialer(env, "contacts", "sync", "every", "15").returncode == 0
    assert "every 15 minutes" in dialer(env, "contacts", "sync", "list").stdout
    contacts = dialer(env, "contacts", "list").stdout
    assert "Bob Jones  +12125550123 (mobile)  [Family]" in contacts

    removed = dialer(env, "contacts", "sync", "remove", "Radicale")
    assert removed.returncode == 0 and "its 3 contact(s)" in removed.stdout
    assert json.loads(dialer(env, "contacts", "list", "--json").stdout) == []


def test_a_wrong_password_fails_with_the_reason(dav: Dav, env: dict[str, str]) -> None:
    result = dialer(env, "contacts", "sync", "add", dav.server.url, "--user", dav.user, "--password-stdin",
                    stdin="wrong\n")
    assert result.returncode == 1
    assert "refused the user name or password (401)" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(dialer(env, "contacts", "sync", "list", "--json").stdout) == []


def test_sync_with_a_failing_server_exits_1_and_names_the_book(dav: Dav, env: dict[str, str]) -> None:
    family = dav.mkbook("family", "Family")
    dav.put(family, "ann", "Ann Smith", "+44 20 7946 0958")
    assert dialer(env, "contacts", "sync", "add", f"{dav.server.url}/{dav.user}/family/", "--user", dav.user,
                  "--password-stdin", "--name", "R", stdin=dav.password + "\n").returncode == 0
    assert dialer(env, "contacts", "sync").returncode == 0
    dav.http.request("DELETE", family)  # the address book is gone from the server
    result = dialer(env, "contacts", "sync")
    assert result.returncode == 1
    assert "Family (R): not synced:" in result.stdout and "(404)" in result.stdout
    assert "Ann Smith" in dialer(env, "contacts", "list").stdout  # kept
