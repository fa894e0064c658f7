"""Pure-Python core of the dialer (no Qt, no I/O, imports nothing else of ours).

* ``numbers`` -- phone numbers: normalize to E.164, describe, as-you-type formatting, find in text, T9.
* ``teluri`` -- ``tel:`` (RFC 3966/4715, ``postd``) and ``callto:`` links.
* ``dtmf`` -- post-dial key strings and their send plan.
* ``billing`` -- per-minute rates, round-up minutes, balance checks.
* ``safety`` -- the dial guard (refuse / warn / confirm).
* ``calls`` -- the provider-independent call model.

Submodules are imported on demand (``numbers`` loads phonenumbers' metadata), so this package stays cheap
to import.
"""
