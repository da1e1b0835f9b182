"""``flask flows …``: tooling for flow authors and reviewers.

Registered as a Flask CLI plugin (see pyproject.toml), so it runs even when
the flows are broken and the app itself would refuse to start.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import engine_for, settings
from .engine import ContentError, Engine, FlowError
from .i18n import Catalogs
from .report.reports import Reports


def load_engine(with_catalogs: bool = False) -> Engine:
    cfg = settings.load()
    return engine_for(cfg, Catalogs(Path(cfg["LOCALES_DIR"])) if with_catalogs else None)


def _engine_or_exit(with_catalogs: bool = False) -> Engine:
    try:
        return load_engine(with_catalogs)
    except FlowError as exc:
        for line in exc.problems:
            click.echo(line, err=True)
    except ContentError as exc:
        click.echo(str(exc), err=True)
    sys.exit(1)


def _flow_or_exit(engine: Engine, flow_id: str) -> None:
    if flow_id not in engine.flows:
        click.echo(f"no flow '{flow_id}' (one of: {', '.join(sorted(engine.flows))})", err=True)
        sys.exit(1)


@click.group("flows")
def flows() -> None:
    """Check and inspect the conversation flows."""


@flows.command("check")
def check() -> None:
    """Validate every flow and content file; one line per problem, exit 1 on any.

    Also checks the words: sources, review dates (warning after 12 months),
    phone numbers and links against content/allowlist.yaml, reading level,
    and that Help now is offered in every state; and that every catalog in
    locales/ translates every string in use. Warnings don't fail."""
    from .engine.checks import check_all  # here: textstat is slow to import
    from .engine.translations import missing_translations
    from .parents import load_rules, rules_path

    engine = _engine_or_exit()
    cfg = settings.load()
    findings = check_all(engine, Path(cfg["CONTENT_DIR"]))
    untranslated = missing_translations(settings.ROOT, Path(cfg["LOCALES_DIR"]))
    try:  # the family agreement's word list is content too
        load_rules(rules_path(cfg["CONTENT_DIR"]))
        broken = []
    except ContentError as exc:
        broken = [str(exc)]
    for line in [str(f) for f in findings] + untranslated + broken:
        click.echo(line, err=True)
    problems = sum(not f.warning for f in findings) + len(untranslated) + len(broken)
    if problems:
        sys.exit(1)
    n_states = sum(len(f.states) for f in engine.flows.values())
    warnings = len(findings) - problems
    click.echo(
        f"ok: {len(engine.flows)} flows, {n_states} states, {len(engine.messages)} messages"
        + (f", {warnings} warnings" if warnings else "")
    )


@flows.command("diagram")
@click.argument("flow_id", metavar="FLOW")
def diagram(flow_id: str) -> None:
    """Print FLOW as a Mermaid stateDiagram-v2 (paste into any Mermaid viewer)."""
    from .engine.diagram import mermaid

    engine = _engine_or_exit()
    _flow_or_exit(engine, flow_id)
    click.echo(mermaid(engine.flows[flow_id]), nl=False)


@flows.command("transcripts")
@click.argument("flow_id", metavar="FLOW")
@click.option("--locale", default="en", show_default=True, help="Show the words in this language.")
def transcripts(flow_id: str, locale: str) -> None:
    """Print every path through FLOW as a transcript: what the person sees and chooses."""
    from .engine.paths import TooManyPaths, transcript

    engine = _engine_or_exit(with_catalogs=True)
    _flow_or_exit(engine, flow_id)
    if locale not in engine.locales:
        click.echo(f"no locale '{locale}' (one of: {', '.join(engine.locales)})", err=True)
        sys.exit(1)
    try:
        click.echo(transcript(engine, flow_id, locale), nl=False)
    except TooManyPaths as exc:
        click.echo(f"{exc}: too many to transcribe (see flask flows check)", err=True)
        sys.exit(1)


@click.group("reports")
def reports() -> None:
    """Hash reports held for review (SAFECHAT_REPORTS_REVIEW=1)."""


def _reports() -> Reports:
    from .store import open_db

    cfg = settings.load()
    open_db(cfg["DATABASE"]).close()  # the tables, on a database the app has not opened yet
    return Reports(cfg["DATABASE"])


@reports.command("pending")
def pending() -> None:
    """List reports waiting for review: reference, day sent, number of codes."""
    held = _reports().pending()
    for case in held:
        click.echo(f"{case.case_reference}  {case.created}  {case.hash_count} codes")
    click.echo(f"{len(held)} pending", err=True)


@reports.command("release")
@click.argument("references", nargs=-1, required=True)
def release(references: tuple[str, ...]) -> None:
    """Release Pending reports to the partner export (status Active)."""
    from .report.refs import normalise_case_reference

    store = _reports()
    failed = False
    for raw in references:
        ref = normalise_case_reference(raw)
        case = store.release(ref) if ref else None
        if case is None:
            click.echo(f"{raw}: no pending report with that reference", err=True)
            failed = True
        else:
            click.echo(f"{case.case_reference}: released ({case.hash_count} codes)")
    if failed:
        sys.exit(1)
