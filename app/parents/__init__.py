"""The family agreement page (``/parents/agreement``): the "Agree" step of TALK.

Suggested ground rules are data (``content/en/parents/agreement_rules.yaml``, translated by the catalogs)
and every word goes through gettext in the template. Nothing is stored and
nothing is posted: without JavaScript the form is sent with GET to this same
page, which shows only the chosen rules as the agreement; with JavaScript the
agreement is built in the page and no request is made at all.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, current_app, render_template, request
from flask.blueprints import BlueprintSetupState

from app import strict_yaml

from ..engine import ContentError

bp = Blueprint("parents", __name__, url_prefix="/parents")

RULES_FILE = Path("en") / "parents" / "agreement_rules.yaml"
OWN_RULES = 3  # blank "our own rule" boxes
MAX_RULE_CHARS = 200
ID = re.compile(r"^[a-z][a-z0-9_]*$")


class RulesError(ContentError):
    """agreement_rules.yaml is broken; the message names the file and the problem.
    Like any content error it stops start-up and fails `flask flows check`."""


@dataclass(frozen=True)
class Rule:
    id: str
    text: str


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    rules: tuple[Rule, ...]


@functools.lru_cache(maxsize=4)
def load_rules(path: str) -> tuple[Group, ...]:
    """Read and check the rules file once per path."""
    try:
        raw = strict_yaml.load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: cannot be read ({type(exc).__name__})") from exc
    groups_raw = raw.get("groups") if isinstance(raw, dict) else None
    if not isinstance(groups_raw, list) or not groups_raw:
        raise RulesError(f"{path}: needs a list of 'groups'")
    seen: set[str] = set()
    groups = []
    for g in groups_raw:
        if not isinstance(g, dict) or not all(isinstance(g.get(k), str) for k in ("id", "title")):
            raise RulesError(f"{path}: each group needs an 'id' and a 'title'")
        rules = []
        for r in g.get("rules") or []:
            rid, text = (r.get("id"), r.get("text")) if isinstance(r, dict) else (None, None)
            if not isinstance(rid, str) or not ID.match(rid) or not isinstance(text, str) or not text:
                raise RulesError(f"{path}: group '{g['id']}': each rule needs a lower_snake_case id and text")
            if rid in seen:
                raise RulesError(f"{path}: duplicate rule id '{rid}'")
            seen.add(rid)
            rules.append(Rule(rid, text.strip()))
        if not rules:
            raise RulesError(f"{path}: group '{g['id']}' has no rules")
        groups.append(Group(g["id"], g["title"], tuple(rules)))
    return tuple(groups)


def rules_path(content_dir: str) -> str:
    return str(Path(content_dir) / RULES_FILE)


@bp.record_once
def _check_rules(state: BlueprintSetupState) -> None:
    load_rules(rules_path(state.app.config["SAFECHAT"]["CONTENT_DIR"]))  # broken rules: no start


@bp.get("/agreement")
def agreement() -> str:
    groups = load_rules(rules_path(current_app.config["SAFECHAT"]["CONTENT_DIR"]))
    known = {r.id for g in groups for r in g.rules}
    chosen = set(request.args.getlist("rule")) & known
    own_in = [s.strip()[:MAX_RULE_CHARS] for s in request.args.getlist("own")[:OWN_RULES]]
    own_in += [""] * (OWN_RULES - len(own_in))
    context: dict[str, Any] = {
        "groups": groups,
        "chosen": chosen,
        "own_inputs": own_in,
        "own": [s for s in own_in if s],
        "made": "made" in request.args,
        "max_chars": MAX_RULE_CHARS,
    }
    return render_template("parents/agreement.html", **context)
