"""Anonymous user keys: hashed with a per-installation secret at ingestion.

The stored value is the first 8 bytes of HMAC-SHA256(secret, raw key), read as a signed
64-bit integer. Keyed: without the secret nobody can test a guessed key against the
stored value (an unkeyed hash of an e-mail address or a numeric id can be reversed by
trying candidates); truncated to 64 bits so that counting distinct users over millions
of rows stays fast. Two different keys collide with probability about n² / 2⁶⁵ (for a
million users, 3 in 100 million). Changing the secret (``PRODOPS_USAGE_SECRET``) makes
every user new: keep it with the database's backups.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

EPOCH = date(1970, 1, 1)


def user_key(raw: str, secret: str) -> int:
    digest = hmac.new(secret.encode(), raw.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def day_number(day: date) -> int:
    """UTC days since 1970-01-01."""
    return (day - EPOCH).days


def day_date(number: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + number)
