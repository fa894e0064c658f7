"""OS integration: single instance and hand-off, tel:/callto: handler registration, clipboard, tray.

* :mod:`~dialer.desktop.protocol` - the versioned JSON-lines hand-off protocol (stdlib only).
* :mod:`~dialer.desktop.handoff` - client: passes a link to the running app (stdlib only; every link click).
* :mod:`~dialer.desktop.ipc_server` - server in the app (QLocalServer), ``claim_or_connect`` at start-up.
* :mod:`~dialer.desktop.requests` - ``HandoffRequest``: a validated request with its link parsed.
* :mod:`~dialer.desktop.registration` - ``dialer register-handler`` / ``unregister-handler`` per platform.
* :mod:`~dialer.desktop.clipboard` - the phone number in copied text.
"""
