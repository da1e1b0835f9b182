"""Settings from environment variables, all with the SAFECHAT_ prefix.

Each is documented in the README with its default. A dict passed to
``create_app(config)`` overrides them (tests use that).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "SAFECHAT_"


def flag(raw: str) -> bool:
    """An on/off setting: 1, true, yes, on (any case) are on; 0, false, no, off are off."""
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


# name → (default, type). Paths default relative to the project folder.
DEFAULTS: dict[str, tuple[Any, Any]] = {
    "ENV": ("development", str),
    "SECRET_KEY": ("", str),
    "INSTANCE_DIR": (str(ROOT / "instance"), str),
    "DATABASE": ("", str),  # default: <instance>/safechat.db
    "FLOWS_DIR": (str(ROOT / "flows"), str),
    "CONTENT_DIR": (str(ROOT / "content"), str),
    "LOCALES_DIR": (str(ROOT / "locales"), str),
    "TOKEN_MAX_AGE": (86400, int),
    "MAX_BODY": (65536, int),
    "EXIT_URL": ("https://www.bbc.co.uk/weather", str),
    "ALLOWED_ORIGINS": ("", str),  # extra origins for Socket.IO, comma-separated
    "PARTNER_TOKENS": ("", str),
    "REVIEW": (False, flag),  # the /review page for content reviewers
    # Turns allowed per Socket.IO connection and per client address: "count/seconds", 0 = off.
    "RATE_PER_CONNECTION": ("20/10", str),
    "RATE_PER_CLIENT": ("300/10", str),  # generous: a whole school may share one address
    "PROXY_HOPS": (0, int),
    # Hash-report submissions and PIN checks per client address: each costs ~0.16 s of scrypt.
    "RATE_HASH_REPORTS": ("10/60", str),  # trusted reverse proxies in front (for the client address)
    "ASYNC_MODE": ("gevent", str),  # gevent | threading (README, Performance)
    "MESSAGE_QUEUE": ("", str),  # redis://… when several processes serve (README, Deploying)
}


class SettingsError(RuntimeError):
    pass


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    cfg: dict[str, Any] = {}
    for name, (default, kind) in DEFAULTS.items():
        raw = os.environ.get(PREFIX + name)
        try:
            cfg[name] = kind(raw) if raw not in (None, "") else default
        except ValueError as exc:
            raise SettingsError(
                f"{PREFIX}{name} must be a {'whole number' if kind is int else kind.__name__}"
            ) from exc
    for key, value in (overrides or {}).items():
        cfg[key.removeprefix(PREFIX)] = value
    if not cfg["DATABASE"]:
        cfg["DATABASE"] = str(Path(cfg["INSTANCE_DIR"]) / "safechat.db")
    cfg["SECRET_KEY"] = _secret_key(cfg)
    return cfg


def _secret_key(cfg: dict[str, Any]) -> str:
    key = str(cfg["SECRET_KEY"] or "")
    if cfg["ENV"] == "production":
        if len(key) < 32:
            raise SettingsError(
                "SAFECHAT_SECRET_KEY must be set (32+ random characters) in production: "
                "it signs every conversation. Generate one with: "
                "python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return key
    if key:
        return key
    # Development: made once and kept, so conversations survive a restart.
    path = Path(cfg["INSTANCE_DIR"]) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
