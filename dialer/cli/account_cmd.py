"""`dialer login PROVIDER`, `dialer logout PROVIDER`, `dialer accounts`, `dialer balance`.

Interactive by default (prompts; secrets are read without echo); every value can also come from a flag
for scripts. Secrets come from standard input (``--password-stdin``, ``--jwt-stdin``, ``--api-key-stdin``,
``--client-secret-stdin``, ``--auth-key-stdin``) so they never appear in the process list or shell history;
the older ``--jwt VALUE`` style flags still work but warn. Secrets go to the system keyring, never to the
database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Coroutine
from typing import Any

PROVIDERS = ("ringez", "ringcentral", "calledin", "ringostat")

# Secret-valued options: (argparse dest of the value flag, its -stdin twin). A value flag is visible to every
# local user in `ps` for as long as the command runs, so each has a -stdin form reading one line instead.
SECRET_OPTIONS = (("jwt", "jwt_stdin"), ("client_secret", "client_secret_stdin"), ("api_key", "api_key_stdin"),
                  ("auth_key", "auth_key_stdin"))
STDIN_OPTIONS = ("password_stdin", *(stdin for _, stdin in SECRET_OPTIONS))


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _run(coro: Coroutine[Any, Any, int]) -> int:
    """``asyncio.run``, imported here: registering the commands must not import asyncio (~20 ms)."""
    import asyncio

    return asyncio.run(coro)

def register(sub: Any) -> None:
    """Add this module's sub-commands to the `dialer` parser."""
    p = sub.add_parser("login", help="sign in to a provider account")
    p.add_argument("provider", choices=PROVIDERS)
    p.add_argument("--email", help="Ringez: the account's e-mail address")
    p.add_argument("--otp", help="Ringez: the code Ringez e-mailed you")
    p.add_argument("--send-otp", action="store_true", help="Ringez: only e-mail a new sign-in code, then stop")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password (Ringez, RingCentral) from the first line of standard input")
    p.add_argument("--username", help="RingCentral: sign in with this username (phone number or e-mail)")
    p.add_argument("--extension",
                   help="RingCentral: extension number; Ringostat: a phone number of your project connected "
                        "as incoming (Virtual PBX > Connect phone numbers), e.g. 380441112233, not a SIP login")
    p.add_argument("--jwt", help="RingCentral: a JWT credential (visible to other users; prefer --jwt-stdin)")
    p.add_argument("--jwt-stdin", action="store_true",
                   help="RingCentral: read the JWT credential from the first line of standard input")
    p.add_argument("--client-id", help="RingCentral: the app's client ID (or DIALER_RINGCENTRAL_CLIENT_ID)")
    p.add_argument("--client-secret",
                   help="RingCentral: the app's client secret (or DIALER_RINGCENTRAL_CLIENT_SECRET; visible to "
                        "other users, prefer --client-secret-stdin)")
    p.add_argument("--client-secret-stdin", action="store_true",
                   help="RingCentral: read the client secret from the first line of standard input")
    p.add_argument("--browser", action="store_true",
                   help="RingCentral: sign in in your web browser (authorization code + PKCE)")
    p.add_argument("--redirect-uri", metavar="URI",
                   help="RingCentral browser sign-in: the redirect URI registered for your app, matched exactly "
                        "(default http://127.0.0.1:53682/callback); implies --browser")
    p.add_argument("--api-key", help="Called.in: your api_key (visible to other users; prefer --api-key-stdin)")
    p.add_argument("--api-key-stdin", action="store_true",
                   help="Called.in: read the api_key from the first line of standard input")
    p.add_argument("--auth-key", help="Ringostat: your Auth-key (visible to other users; prefer --auth-key-stdin)")
    p.add_argument("--auth-key-stdin", action="store_true",
                   help="Ringostat: read the Auth-key from the first line of standard input")
    p.add_argument("--project-id", help="Ringostat: your project ID (needed by --method extended)")
    p.add_argument("--method", choices=("simple", "extended"),
                   help="Ringostat: simple = Ringostat calls from the project's number (--extension), then the "
                        "number you dial; extended = it rings your own phone (--from or Settings) first "
                        "(needs --project-id). Saved with the account; default simple when --extension is given")
    p.add_argument("--label", help="a name for this account (default: what the provider reports)")
    p.set_defaults(func=_login)

    p = sub.add_parser("logout", help="sign out of a provider and forget its secrets")
    p.add_argument("provider", choices=PROVIDERS)
    p.set_defaults(func=_logout)

    p = sub.add_parser("accounts", help="list the accounts you signed in with")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_accounts)

    p = sub.add_parser("balance", help="show the balance of every account that reports one")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_balance)


def _fail(message: str, code: int = 1) -> int:
    print(f"dialer: {message}", file=sys.stderr)
    return code


class _Abort(Exception):
    """A value is missing and there is no terminal to ask for it."""


def _ask(prompt: str, *, secret: bool = False) -> str:
    if not sys.stdin.isatty():
        raise _Abort(f"{prompt.rstrip(': ')} is needed; pass it as an option (see `dialer login --help`).")
    import getpass

    value = getpass.getpass(prompt) if secret else input(prompt)
    return value.strip()


def _stdin_secret(dest: str) -> str:
    """The first line of standard input, for the -stdin option `dest` (e.g. ``"jwt_stdin"``)."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise _Abort(f"{_flag(dest)} was given but standard input is empty.")
    return line


def _secret(args: argparse.Namespace, dest: str, prompt: str) -> str:
    """The secret `dest` from its -stdin option, its value flag, or a no-echo prompt, in that order."""
    if getattr(args, dest + "_stdin"):
        return _stdin_secret(dest + "_stdin")
    value: str | None = getattr(args, dest)
    return value or _ask(prompt, secret=True)


def _check_secret_options(args: argparse.Namespace) -> None:
    """Refuse what cannot work, and warn about secrets passed where other users can read them."""
    given = [dest for dest in STDIN_OPTIONS if getattr(args, dest, False)]
    if len(given) > 1:
        raise _Abort(f"only one -stdin option per run (standard input holds one secret), but "
                     f"{' and '.join(_flag(d) for d in given)} were given: keep one and type the other secret "
                     "at the prompt (the client secret can also come from DIALER_RINGCENTRAL_CLIENT_SECRET).")
    for dest, stdin in SECRET_OPTIONS:
        if getattr(args, dest) is None:
            continue
        if getattr(args, stdin):
            raise _Abort(f"{_flag(dest)} and {_flag(stdin)} both give the same secret: keep only {_flag(stdin)}.")
        print(f"dialer: warning: {_flag(dest)} shows the secret to other users of this computer (process list); "
              f"use {_flag(stdin)} instead.", file=sys.stderr)


def _login(args: argparse.Namespace) -> int:
    try:
        _check_secret_options(args)
        return _run(_login_async(args))
    except _Abort as exc:
        return _fail(str(exc), 2)
    except KeyboardInterrupt:
        return _fail("sign-in canceled.", 130)


async def _credentials(service: Any, args: argparse.Namespace) -> dict[str, str] | None:
    provider = args.provider
    if provider == "ringez":
        email = args.email or _ask("E-mail: ")
        if args.send_otp:
            await service.accounts.ringez_send_otp(email)
            print(f"Ringez e-mailed a sign-in code to {email}; run `dialer login ringez --email {email} "
                  "--otp CODE`.")
            return None
        if args.password_stdin:
            return {"email": email, "password": _stdin_secret("password_stdin")}
        if args.otp:
            return {"email": email, "otp": args.otp}
        kind = await service.accounts.ringez_check_email(email)
        if kind == "existing_user":
            return {"email": email, "password": _ask("Ringez password: ", secret=True)}
        if not sys.stdin.isatty():
            raise _Abort("this e-mail needs a sign-in code: run `dialer login ringez --email ADDRESS --send-otp`, "
                         "then again with --otp CODE.")
        await service.accounts.ringez_send_otp(email)
        print(f"Ringez e-mailed a sign-in code to {email}.")
        return {"email": email, "otp": _ask("Code: ")}
    if provider == "ringcentral":
        creds: dict[str, str] = {}
        client_id = args.client_id or os.environ.get("DIALER_RINGCENTRAL_CLIENT_ID") or _ask("Client ID: ")
        creds["client_id"] = client_id
        secret = _client_secret(args)
        if secret:
            creds["client_secret"] = secret
        if args.username and not (args.jwt or args.jwt_stdin):
            creds["username"] = args.username
            creds["password"] = (_stdin_secret("password_stdin") if args.password_stdin
                                 else _ask("Password: ", secret=True))
            if args.extension:
                creds["extension"] = args.extension
        else:
            creds["jwt"] = _secret(args, "jwt", "JWT credential: ")
        return creds
    if provider == "calledin":
        return {"api_key": _secret(args, "api_key", "Called.in api_key: ")}
    creds = {"auth_key": _secret(args, "auth_key", "Ringostat Auth-key: ")}
    method = args.method or ("simple" if args.extension else _ask_method())
    creds["method"] = method
    project = args.project_id or ("" if method == "simple" else _ask("Project ID: "))
    if project:
        creds["project_id"] = project
    extension = args.extension or ("" if method == "extended" else _ask(
        "Extension (a phone number of your project connected as incoming, e.g. 380441112233): "))
    if extension:
        creds["extension"] = extension
    return creds


async def _browser_sign_in(service: Any, args: argparse.Namespace) -> Any:
    """RingCentral in the browser: the page opens (or its address is printed); the answer comes back to
    the redirect URI on this computer."""
    import asyncio
    import webbrowser

    settings = {"client_id": args.client_id or os.environ.get("DIALER_RINGCENTRAL_CLIENT_ID") or _ask("Client ID: ")}
    secret = _client_secret(args)
    if secret:
        settings["client_secret"] = secret
    if args.redirect_uri:
        settings["redirect_uri"] = args.redirect_uri

    async def open_browser(url: str) -> None:
        print(f"Sign in to RingCentral in your browser. If it does not open, open this address:\n{url}",
              file=sys.stderr, flush=True)
        await asyncio.to_thread(webbrowser.open, url)

    return await service.accounts.sign_in_browser("ringcentral", settings, open_browser)


def _ask_method() -> str:
    """Ringostat's method, asked when neither --method nor --extension says it."""
    if not sys.stdin.isatty():
        raise _Abort("choose how Ringostat connects calls: --method simple --extension PROJECT_NUMBER, or "
                     "--method extended --project-id ID.")
    answer = _ask("Method: [s]imple (calls from the project's number) or [e]xtended (rings your own phone "
                  "first)? ").lower()
    if answer in ("s", "simple"):
        return "simple"
    if answer in ("e", "extended"):
        return "extended"
    raise _Abort(f"{answer!r} is not a method: answer simple or extended.")


def _client_secret(args: argparse.Namespace) -> str:
    """RingCentral's client secret; optional (some apps have none), so an empty answer at the prompt is fine."""
    if args.client_secret_stdin:
        return _stdin_secret("client_secret_stdin")
    secret: str = args.client_secret or os.environ.get("DIALER_RINGCENTRAL_CLIENT_SECRET") or ""
    if not secret and sys.stdin.isatty():
        secret = _ask("Client secret (Enter if your app has none): ", secret=True)
    return secret


async def _login_async(args: argparse.Namespace) -> int:
    from dialer.providers.base import ProviderError
    from dialer.service import DialerService, ServiceError

    async with await DialerService.open() as service:
        try:
            if args.provider == "ringcentral" and (args.browser or args.redirect_uri):
                view = await _browser_sign_in(service, args)
            else:
                creds = await _credentials(service, args)
                if creds is None:
                    return 0
                view = await service.accounts.sign_in(args.provider, creds, label=args.label)
        except (ProviderError, ServiceError) as exc:
            return _fail(str(exc))
    print(f"Signed in to {view.capabilities.display_name} as {view.label} (account {view.id}).")
    if service.secrets_warning:
        print(f"Note: {service.secrets_warning}", file=sys.stderr)
    return 0


def _logout(args: argparse.Namespace) -> int:
    return _run(_logout_async(args))


async def _logout_async(args: argparse.Namespace) -> int:
    from dialer.service import DialerService

    async with await DialerService.open() as service:
        views = [v for v in service.accounts.list() if v.provider_id == args.provider]
        if not views:
            return _fail(f"no {args.provider} account is signed in.")
        for view in views:
            await service.accounts.sign_out(view.id)
            print(f"Signed out of {view.display_name}.")
    return 0


def _accounts(args: argparse.Namespace) -> int:
    return _run(_accounts_async(args))


async def _accounts_async(args: argparse.Namespace) -> int:
    from dialer.service import DialerService

    async with await DialerService.open() as service:
        views = service.accounts.list()
    if args.json:
        print(json.dumps([{"id": v.id, "provider": v.provider_id, "label": v.label, "signed_in": v.signed_in,
                           "display_name": v.capabilities.display_name, "detail": v.detail,
                           "caller_id": v.caller_id} for v in views], indent=2))
        return 0
    if not views:
        print("No accounts. Sign in with `dialer login PROVIDER` (ringez, ringcentral, calledin, ringostat).")
    for v in views:
        state = "signed in" if v.signed_in else "signed out"
        shows = f", calls show {v.caller_id}" if v.caller_id else ""
        print(f"{v.id:>3}  {v.capabilities.display_name:<22} {v.label}  ({state}{shows})"
              + (f"\n     {v.detail}" if v.detail else ""))
    return 0


def _balance(args: argparse.Namespace) -> int:
    return _run(_balance_async(args))


async def _balance_async(args: argparse.Namespace) -> int:
    from dialer.providers.base import ProviderError
    from dialer.service import DialerService

    rows: list[dict[str, Any]] = []
    failed = False
    async with await DialerService.open() as service:
        for v in service.accounts.list():
            if not v.capabilities.balance or not v.signed_in:
                continue
            entry: dict[str, Any] = {"id": v.id, "provider": v.provider_id, "label": v.label}
            try:
                b = await service.accounts.balance(v.id)
            except ProviderError as exc:
                entry["error"] = str(exc)
                failed = True
            else:
                entry.update(minutes=b.minutes, amount=None if b.amount is None else str(b.amount),
                             currency=b.currency, wallet_url=service.accounts.wallet_url(v.id))
            rows.append(entry)
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print("No signed-in account reports a balance.")
    for r in rows if not args.json else []:
        if "error" in r:
            print(f"{r['provider']} ({r['label']}): {r['error']}")
            continue
        parts = []
        if r["minutes"] is not None:
            parts.append(f"{r['minutes']:g} minutes")
        if r["amount"] is not None:
            parts.append(f"{r['amount']} {r['currency'] or ''}".strip())
        print(f"{r['provider']} ({r['label']}): {', '.join(parts) or 'not reported'}"
              + (f"  — top up at {r['wallet_url']}" if r.get("wallet_url") else ""))
    return 1 if failed else 0
