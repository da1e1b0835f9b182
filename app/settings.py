"""Settings from environment variables, all with the SAFECHAT_ prefix.

Each is documented in the README with its default. A dict passed to
``create_app(config)`` overrides them (tests use that).
"""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "SAFECHAT_"


# Each parser raises ValueError with what the setting may be.
def flag(raw: str) -> bool:
    """An on/off setting: 1, true, yes, on (any case) are on; 0, false, no, off are off."""
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("on or off (1/0, true/false, yes/no, on/off)")


def whole(raw: str) -> int:
    if not raw.strip().isdigit():
        raise ValueError("a whole number, 0 or more")
    return int(raw)


def rate(raw: str) -> str:
    """'count/seconds' (e.g. 20/10), or 0 for no limit; see app/limits.py."""
    from .limits import parse_rate

    try:
        count, seconds = parse_rate(raw)
    except ValueError:
        count, seconds = -1, 0.0
    if count < 0 or seconds <= 0:
        raise ValueError("count/seconds, such as 20/10, or 0 for no limit")
    return raw


ENVIRONMENTS = ("development", "production")


def environment(raw: str) -> str:
    """Only the documented values: "Production" or "live" must not quietly run
    development mode (short partner tokens, a generated key)."""
    if raw not in ENVIRONMENTS:
        raise ValueError(" or ".join(ENVIRONMENTS) + " (exactly, in lower case)")
    return raw


def async_mode(raw: str) -> str:
    if raw not in ("gevent", "threading"):
        raise ValueError("gevent or threading")
    return raw


# name → (default, type). Paths default relative to the project folder.
DEFAULTS: dict[str, tuple[Any, Any]] = {
    "ENV": ("development", str),  # checked once, in load(), after any override (environment)
    "SECRET_KEY": ("", str),
    "INSTANCE_DIR": (str(ROOT / "instance"), str),
    "DATABASE": ("", str),  # default: <instance>/safechat.db
    "FLOWS_DIR": (str(ROOT / "flows"), str),
    "CONTENT_DIR": (str(ROOT / "content"), str),
    "LOCALES_DIR": (str(ROOT / "locales"), str),
    "TOKEN_MAX_AGE": (86400, whole),
    "MAX_BODY": (65536, whole),
    "EXIT_URL": ("https://www.bbc.co.uk/weather", str),
    "ALLOWED_ORIGINS": ("", str),  # extra origins for Socket.IO, comma-separated
    "PARTNER_TOKENS": ("", str),
    "REVIEW": (False, flag),  # the /review page for content reviewers
    # Turns allowed per Socket.IO connection and per client address: "count/seconds", 0 = off.
    "RATE_PER_CONNECTION": ("20/10", rate),
    "RATE_PER_CLIENT": ("300/10", rate),  # generous: a whole school may share one address
    "PROXY_HOPS": (0, whole),  # trusted reverse proxies in front (for the client address)
    # Hash-report submissions and PIN checks per client address: each costs ~0.16 s of scrypt.
    "RATE_HASH_REPORTS": ("10/60", rate),
    "REPORTS_PER_DAY": (
        20,
        whole,
    ),  # new hash reports per client address per day, in the database (0 = no cap)
    "REPORTS_REVIEW": (False, flag),  # new reports wait as Pending until `flask reports release`
    "ASYNC_MODE": ("gevent", async_mode),  # README, Performance
    "MESSAGE_QUEUE": ("", str),  # redis://… when several processes serve (README, Deploying)
    # The gevent server (app/gevent_server.py): seconds to send the request
    # line and headers, and the body; sockets open at once per address (0 = no cap).
    "HEADER_TIMEOUT": (10, whole),
    "BODY_TIMEOUT": (20, whole),
    "CONNECTIONS_PER_ADDRESS": (256, whole),
    # The operator's /insights, /insights.csv and /metrics (README, Operator's guide): off when unset.
    "INSIGHTS_TOKEN": ("", str),
    # The `process` label on /metrics: which process of a cluster answered (default host:PORT).
    "PROCESS_NAME": ("", str),
    # Seconds between writes of a serving process's counts to the database (for /insights).
    "FLUSH_SECONDS": (60, whole),
}


class SettingsError(RuntimeError):
    pass


def database(configured: str, instance_dir: str) -> str:
    """The database file: SAFECHAT_DATABASE, else safechat.db in the instance folder."""
    return configured or str(Path(instance_dir) / "safechat.db")


def setting(name: str) -> Any:
    """One setting from the environment, checked, or its default."""
    default, kind = DEFAULTS[name]
    raw = os.environ.get(PREFIX + name)
    if raw in (None, ""):
        return default
    return _parsed(name, kind, raw)


def _parsed(name: str, kind: Any, raw: Any) -> Any:
    try:
        return kind(raw)
    except ValueError as exc:  # the parsers above say what is allowed
        raise SettingsError(f"{PREFIX}{name} must be {exc.args[0]}") from exc


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    cfg: dict[str, Any] = {}
    for name in DEFAULTS:
        cfg[name] = setting(name)
    for key, value in (overrides or {}).items():
        cfg[key.removeprefix(PREFIX)] = value
    # Whether from the environment or an override, with the one check.
    cfg["ENV"] = _parsed("ENV", environment, cfg["ENV"])
    cfg["DATABASE"] = database(cfg["DATABASE"], cfg["INSTANCE_DIR"])
    cfg["SECRET_KEY"] = _secret_key(cfg)
    cfg["PARTNER_TOKENS"] = _partner_tokens(cfg)
    cfg["INSIGHTS_TOKEN"] = _insights_token(cfg)
    if not cfg["PROCESS_NAME"]:
        cfg["PROCESS_NAME"] = f"{socket.gethostname()}:{os.environ.get('PORT', '5000')}"
    return cfg


def private_dir(path: str | Path) -> None:
    """Makes the instance folder (and any missing parents) open to its owner
    only (0700): it holds the database and the development key. A folder that
    already exists is left as it is (it may be one the operator chose)."""
    Path(path).mkdir(mode=0o700, parents=True, exist_ok=True)


MIN_PRODUCTION_SECRET = 32  # characters, for the secret key and each partner token


def _partner_tokens(cfg: dict[str, Any]) -> tuple[str, ...]:
    """The comma-separated tokens partners may export hashes with."""
    tokens = tuple(t.strip() for t in str(cfg["PARTNER_TOKENS"] or "").split(",") if t.strip())
    if cfg["ENV"] == "production" and any(len(t) < MIN_PRODUCTION_SECRET for t in tokens):
        raise SettingsError(
            f"SAFECHAT_PARTNER_TOKENS: every partner token must be {MIN_PRODUCTION_SECRET}+ random "
            "characters in production. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return tokens


def _insights_token(cfg: dict[str, Any]) -> str:
    """The operator's password for /insights and /metrics; empty turns them off."""
    token = str(cfg.get("INSIGHTS_TOKEN") or "").strip()
    if token and cfg["ENV"] == "production" and len(token) < MIN_PRODUCTION_SECRET:
        raise SettingsError(
            f"SAFECHAT_INSIGHTS_TOKEN must be {MIN_PRODUCTION_SECRET}+ random characters in production "
            "(or unset, which turns /insights and /metrics off). Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return token


def _secret_key(cfg: dict[str, Any]) -> str:
    key = str(cfg["SECRET_KEY"] or "")
    if cfg["ENV"] == "production":
        if len(key) < MIN_PRODUCTION_SECRET:
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
        private_dir(cfg["INSTANCE_DIR"])
        # Created readable by its owner only, never briefly open to others.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()
