"""One-time passwords: generated here, never chosen or typed by an administrator."""

import secrets
import string
from datetime import datetime, timedelta

from django.conf import settings

from saohei.organisations.models import User

_ALPHABET = string.ascii_letters + string.digits + "#@%+-"


def new_one_time_password() -> str:
    """16 characters with all four classes (about 95 bits), so it passes any sane policy."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(16))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(not c.isalnum() for c in candidate)
        ):
            return candidate


def set_one_time_password(user: User, *, now: datetime, valid_minutes: int | None = None) -> str:
    """Give the account a fresh one-time password (only its hash is kept) and return it once.

    The owner must replace it at the first sign-in; it is refused after `valid_minutes`
    (default `SAOHEI_ONE_TIME_PASSWORD_MINUTES`) and after its first use. The caller saves.
    """
    minutes = valid_minutes or settings.SAOHEI_ONE_TIME_PASSWORD_MINUTES
    password = new_one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = now
    user.one_time_password_expires_at = now + timedelta(minutes=minutes)
    return password
