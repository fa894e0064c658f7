"""Where the big providers keep their CardDAV address books, so the user types the least.

``url`` may hold ``{host}`` (the user's own server) or ``{email}`` (their sign-in address); discovery
starts from it. ``note`` is shown next to the form: what password the provider wants.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    url: str
    note: str
    password_works: bool = True  # False: the provider refuses user name + password sign-in


PRESETS: tuple[Preset, ...] = (
    # developers.google.com/people/carddav: start discovery at the well-known path (no URI is to be
    # hard-coded) and sign in with OAuth 2.0 only; Basic authentication is answered 401.
    Preset("google", "Google", "https://www.googleapis.com/.well-known/carddav",
           "Google accepts only OAuth 2.0 sign-in for CardDAV, which this app does not do yet: a password or "
           "app password is refused. Export your Google contacts as a vCard file and import it instead.",
           password_works=False),
    Preset("icloud", "iCloud", "https://contacts.icloud.com",
           "Sign in with your Apple ID and an app-specific password (appleid.apple.com → Sign-In and Security)."),
    Preset("nextcloud", "Nextcloud", "https://{host}/remote.php/dav",
           "Replace {host} with your Nextcloud server; an app password (Settings → Security) is best."),
    Preset("fastmail", "Fastmail", "https://carddav.fastmail.com",
           "Sign in with your Fastmail address and an app password (Settings → Privacy & Security)."),
    Preset("other", "Other CardDAV server", "https://",
           "The server's CardDAV address, or just its host name: the app looks up the address books."),
)
