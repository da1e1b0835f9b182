"""``flask flows …``: tooling for flow authors.

Registered as a Flask CLI plugin (see pyproject.toml), so it runs even when
the flows are broken and the app itself would refuse to start.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import settings
from .engine import ContentError, Engine, FlowError


def load_engine() -> Engine:
    cfg = settings.load()
    return Engine(Path(cfg["FLOWS_DIR"]), Path(cfg["CONTENT_DIR"]), cfg["SECRET_KEY"])


@click.group("flows")
def flows() -> None:
    """Check and inspect the conversation flows."""


@flows.command("check")
def check() -> None:
    """Validate every flow and content file; one line per problem, exit 1 on any."""
    try:
        engine = load_engine()
    except FlowError as exc:
        for line in exc.problems:
            click.echo(line, err=True)
        sys.exit(1)
    except ContentError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    n_states = sum(len(f.states) for f in engine.flows.values())
    click.echo(f"ok: {len(engine.flows)} flows, {n_states} states, {len(engine.messages)} messages")
