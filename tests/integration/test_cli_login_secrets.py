"""`dialer login` takes secrets from standard input, so they never show in the process list.

Real `dialer` processes against the sandbox over loopback (fixtures and helpers from test_cli_call.py).
The plain value flags (--jwt VALUE ...) still sign in, but warn that other users can read them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration import test_cli_call as cli

cli_env = cli.cli_env  # fixtures shared with test_cli_call.py
creds = cli.creds
dialer = cli.dialer


def _signed_in(result: Any) -> None:
    assert result.returncode == 0, result.stderr
    assert "Signed in" in result.stdout


def test_jwt_from_stdin_signs_in_to_ringcentral(cli_env: dict[str, str], creds: dict[str, Any]) -> None:
    c = creds["ringcentral"]
    env = {**cli_env, "DIALER_RINGCENTRAL_CLIENT_SECRET": c["client_secret"]}
    result = dialer(env, "login", "ringcentral", "--client-id", c["client_id"], "--jwt-stdin",
                    stdin=c["jwt"] + "\n")
    _signed_in(result)
    assert "warning" not in result.stderr


def test_client_secret_from_stdin_signs_in_to_ringcentral(cli_env: dict[str, str],
                                                          creds: dict[str, Any]) -> None:
    c = creds["ringcentral"]
    # The JWT grant needs the client secret: signing in proves the line on stdin reached the provider.
    _signed_in(dialer(cli_env, "login", "ringcentral", "--client-id", c["client_id"], "--client-secret-stdin",
                      "--jwt", c["jwt"], stdin=c["client_secret"] + "\n"))


def test_a_wrong_client_secret_on_stdin_is_refused(cli_env: dict[str, str], creds: dict[str, Any]) -> None:
    c = creds["ringcentral"]
    result = dialer(cli_env, "login", "ringcentral", "--client-id", c["client_id"], "--client-secret-stdin",
                    "--jwt", c["jwt"], stdin="not-the-secret\n")
    assert result.returncode != 0
    assert "Signed in" not in result.stdout


def test_api_key_from_stdin_signs_in_to_calledin(cli_env: dict[str, str], creds: dict[str, Any]) -> None:
    result = dialer(cli_env, "login", "calledin", "--api-key-stdin", stdin=creds["calledin"]["api_key"] + "\n")
    _signed_in(result)
    assert "warning" not in result.stderr


def test_auth_key_from_stdin_signs_in_to_ringostat(cli_env: dict[str, str], creds: dict[str, Any]) -> None:
    c = creds["ringostat"]
    result = dialer(cli_env, "login", "ringostat", "--auth-key-stdin", "--project-id", c["project_id"],
                    "--extension", c["extension"], stdin=c["auth_key"] + "\r\n")
    _signed_in(result)
    assert "warning" not in result.stderr


def test_a_secret_as_a_flag_value_still_works_but_warns(cli_env: dict[str, str], creds: dict[str, Any]) -> None:
    result = dialer(cli_env, "login", "calledin", "--api-key", creds["calledin"]["api_key"])
    _signed_in(result)
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert "--api-key" in warnings[0] and "other users" in warnings[0] and "--api-key-stdin" in warnings[0]


@pytest.mark.parametrize("options", [("--jwt-stdin", "--client-secret-stdin"),
                                     ("--password-stdin", "--jwt-stdin")])
def test_two_stdin_options_are_refused(cli_env: dict[str, str], creds: dict[str, Any],
                                       options: tuple[str, str]) -> None:
    c = creds["ringcentral"]
    result = dialer(cli_env, "login", "ringcentral", "--client-id", c["client_id"], "--username", c["username"],
                    *options, stdin=c["jwt"] + "\n" + c["client_secret"] + "\n")
    assert result.returncode == 2
    assert "Signed in" not in result.stdout
    assert "only one -stdin option" in result.stderr
    assert options[0] in result.stderr and options[1] in result.stderr
    assert dialer(cli_env, "accounts", "--json").stdout.strip() == "[]"


def test_an_empty_stdin_names_the_option(cli_env: dict[str, str]) -> None:
    result = dialer(cli_env, "login", "calledin", "--api-key-stdin", stdin="")
    assert result.returncode == 2
    assert "--api-key-stdin" in result.stderr and "empty" in result.stderr
