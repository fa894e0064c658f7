"""What each provider can do, declared once (light: no httpx, so the UI can read it at start-up)."""

from __future__ import annotations

from collections.abc import Mapping

from dialer.core.calls import CallMode
from dialer.providers.base import Capabilities, HangupSupport, LegReporting, SignInKind

RINGEZ_WALLET_URL = "https://ringez.com/wallet"
# The rates Ringez quotes in its low-balance guidance (ringez.md, "Low Balance Handling").
RINGEZ_RATES_TEXT = "USA: $0.05/min, India: $0.08/min, UK: $0.06/min"
RINGCENTRAL_HANGUP_NOTE = "An answered RingOut is ended from your phone."
# The browser sign-in's redirect URI unless the user gives the one registered for their app (exact match).
RINGCENTRAL_REDIRECT_URI = "http://127.0.0.1:53682/callback"
# ringcentral-ringout.txt, "Caller ID": the account's "RingOut from Web" setting decides the caller ID.
RINGCENTRAL_CALLER_ID_NOTE = ("RingCentral may show another number when your account's \u201cRingOut from Web\u201d "
                              "caller ID setting (Online Account Portal) overrides this choice.")

RINGEZ = Capabilities(
    provider_id="ringez",
    display_name="Ringez",
    sign_in=frozenset({SignInKind.EMAIL_OTP, SignInKind.PASSWORD}),
    modes=frozenset({CallMode.BRIDGE, CallMode.DIRECT}),
    leg_status=LegReporting.ONE_STATUS,
    hangup=HangupSupport.ANY_TIME,
    dtmf=True,
    balance=True,
    server_history=True,
    rates=True,
    max_duration=False,
    caller_id=False,
    needs_own_number=False,  # bridge calls ring the phone registered with the Ringez account
    wallet_url=RINGEZ_WALLET_URL,
    rings_registered_phone=True,
)

RINGCENTRAL = Capabilities(
    provider_id="ringcentral",
    display_name="RingCentral RingOut",
    sign_in=frozenset({SignInKind.JWT, SignInKind.PASSWORD, SignInKind.OAUTH_BROWSER}),
    modes=frozenset({CallMode.BRIDGE}),
    leg_status=LegReporting.TWO_LEGS,
    hangup=HangupSupport.BEFORE_CONNECT,
    dtmf=False,  # no RingOut DTMF endpoint; keys pressed on the user's handset pass through
    balance=False,
    server_history=False,
    rates=False,
    max_duration=False,
    caller_id=True,  # sent as callerId; the account's "RingOut from Web" setting may override it
    needs_own_number=True,
    hangup_note=RINGCENTRAL_HANGUP_NOTE,
    caller_id_note=RINGCENTRAL_CALLER_ID_NOTE,
)

CALLEDIN = Capabilities(
    provider_id="calledin",
    display_name="Called.in",
    sign_in=frozenset({SignInKind.API_KEY}),
    modes=frozenset({CallMode.BRIDGE}),
    leg_status=LegReporting.CALLBACK_ONLY,
    hangup=HangupSupport.NEVER,
    dtmf=False,
    balance=False,
    server_history=False,
    rates=False,
    max_duration=True,
    caller_id=True,
    needs_own_number=True,
    hangup_note="Called.in cannot end a call from the app: hang up on your phone.",
)

RINGOSTAT = Capabilities(
    provider_id="ringostat",
    display_name="Ringostat",
    sign_in=frozenset({SignInKind.API_KEY}),
    modes=frozenset({CallMode.BRIDGE}),
    leg_status=LegReporting.NONE,
    hangup=HangupSupport.NEVER,
    dtmf=False,
    balance=False,
    server_history=False,
    rates=False,
    max_duration=False,
    caller_id=False,
    needs_own_number=False,  # the simple method rings the project's extension; own number is optional
    hangup_note="Ringostat cannot end a call from the app: hang up on your phone.",
)

CAPABILITIES: Mapping[str, Capabilities] = {
    c.provider_id: c for c in (RINGEZ, RINGCENTRAL, CALLEDIN, RINGOSTAT)
}
