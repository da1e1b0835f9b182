"""Case references and PINs.

Case reference: 16 characters from Crockford's base32 alphabet
(0-9 and A-Z without I, L, O, U), shown as four groups of four:
``7K3M-Q9XD-4HNP-2RWT``. Each character is 5 bits from ``secrets``, so a
reference carries 80 random bits: unguessable, and short enough to read
aloud or copy onto paper. Crockford's alphabet leaves out the letters most
often misread (I/L look like 1, O like 0, U avoids accidental words). When a
reference is typed back in we accept lower case, spaces or no hyphens, and
read I and L as 1 and O as 0, as Crockford specifies.

PIN: 4-8 digits the young person chooses. It is kept only as
``hashlib.scrypt(pin, salt=16 random bytes, n=2**15, r=8, p=1, dklen=32)``
(32 MiB and about 0.1 s per check on a small server) and can never be read
back. A short PIN can't be made safe against someone holding a copy of the
database, however slow the hash: the real protection is the per-case limit on
wrong tries (limits.py) and keeping the database private. At most
``SCRYPT_AT_ONCE`` checks run at the same time, so a flood of requests can't
use more than 4 x 32 MiB.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import threading

from ..offload import off_the_event_loop

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
GROUPS, GROUP_LEN = 4, 4
BITS = GROUPS * GROUP_LEN * 5  # 80
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_REF = re.compile(f"[{ALPHABET}]{{{GROUPS * GROUP_LEN}}}")
PIN = re.compile(r"[0-9]{4,8}")

SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2**15, 8, 1, 32
SCRYPT_MAXMEM = 64 * 1024 * 1024
SCRYPT_AT_ONCE = 4
PIN_SCHEME = f"scrypt:n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}"
_slots = threading.BoundedSemaphore(SCRYPT_AT_ONCE)
# Checked against when a case doesn't exist, so "no such case" costs the same.
_DUMMY_SALT = secrets.token_bytes(16)


def new_case_reference() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LEN))
    return "-".join(chars[i : i + GROUP_LEN] for i in range(0, len(chars), GROUP_LEN))


def normalise_case_reference(raw: object) -> str | None:
    """The canonical ``XXXX-XXXX-XXXX-XXXX`` form, or None if it can't be one."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    compact = re.sub(r"[\s-]", "", raw).upper().translate(_READ_AS)
    if not _REF.fullmatch(compact):
        return None
    return "-".join(compact[i : i + GROUP_LEN] for i in range(0, len(compact), GROUP_LEN))


def valid_pin(raw: object) -> bool:
    return isinstance(raw, str) and PIN.fullmatch(raw) is not None


def _scrypt(pin: str, salt: bytes) -> bytes:
    with _slots:
        return off_the_event_loop(
            functools.partial(
                hashlib.scrypt,
                pin.encode("ascii"),
                salt=salt,
                n=SCRYPT_N,
                r=SCRYPT_R,
                p=SCRYPT_P,
                dklen=SCRYPT_LEN,
                maxmem=SCRYPT_MAXMEM,
            )
        )


def hash_pin(pin: str) -> tuple[str, str, str]:
    """(scheme, salt hex, hash hex) to store."""
    salt = secrets.token_bytes(16)
    return PIN_SCHEME, salt.hex(), _scrypt(pin, salt).hex()


def check_pin(pin: str, stored: tuple[str, str, str] | None) -> bool:
    """Constant-time check. ``stored`` None (no such case) does the same work."""
    if stored is None or stored[0] != PIN_SCHEME:
        _scrypt(pin, _DUMMY_SALT)
        return False
    _, salt_hex, hash_hex = stored
    return hmac.compare_digest(_scrypt(pin, bytes.fromhex(salt_hex)), bytes.fromhex(hash_hex))
