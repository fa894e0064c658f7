"""Errors the service raises to the UI and the CLI: one message a user can act on."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every service error; ``str(err)`` names the cause and the fix."""


class DialError(ServiceError, ValueError):
    """A call cannot be prepared or placed (invalid number, refused code, no account, not confirmed...)."""


class AccountError(ServiceError):
    """An account operation failed (unknown account, provider not signed in...)."""
