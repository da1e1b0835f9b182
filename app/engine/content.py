"""The words: Markdown files with front matter, rendered once to safe HTML.

A content id is the file's path under ``content/<locale>/`` with dots for
slashes and no ``.md``: ``youth.sextortion.dont_pay`` is
``content/en/youth/sextortion/dont_pay.md``. The first part is the area.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from app import strict_yaml

AREAS = ("welcome", "youth", "parents", "schools", "common")
FRONT_MATTER_KEYS = {"source", "reviewed", "kind"}
# How a client may present a message: a plain one, a list the person can tick
# (kept only in their browser), or a block that belongs in the printable summary.
KINDS = ("checklist", "summary")

# html=True only so that raw HTML shows up as tokens we can refuse at load time.
_md = MarkdownIt("commonmark", {"html": True, "typographer": True})


class ContentError(Exception):
    """A content file is broken; the message names the file."""


@dataclass(frozen=True)
class Message:
    id: str
    html: str
    text: str
    sources: tuple[str, ...]
    reviewed: dt.date
    kind: str | None = None
    # Markdown blocks as written, for translation at paragraph level.
    blocks: tuple[str, ...] = field(default=(), repr=False)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "html": self.html, "text": self.text}
        if self.kind:
            out["kind"] = self.kind
        return out


def split_front_matter(raw: str, where: str) -> tuple[dict[str, Any], str]:
    if not raw.startswith("---\n"):
        raise ContentError(f"{where}: missing front matter (source, reviewed)")
    end = raw.find("\n---\n", 4)
    if end < 0:
        raise ContentError(f"{where}: front matter is not closed with ---")
    meta = strict_yaml.load(raw[4:end]) or {}
    if not isinstance(meta, dict):
        raise ContentError(f"{where}: front matter must be a mapping")
    return meta, raw[end + 5 :]


def _plain_text(tokens: list[Token]) -> str:
    """A readable plain-text version, for screen readers' logs and transcripts."""
    lines: list[str] = []
    prefix = ""
    for tok in tokens:
        if tok.type in ("bullet_list_open",):
            prefix = "- "
        elif tok.type == "bullet_list_close":
            prefix = ""
        elif tok.type == "inline":
            words = []
            for child in tok.children or []:
                if child.type in ("text", "code_inline"):
                    words.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    words.append(" ")
            lines.append(prefix + "".join(words).strip())
    return "\n".join(line for line in lines if line)


def render_markdown(body: str, where: str) -> tuple[str, str]:
    """Markdown → (safe HTML, plain text). Raw HTML is an error, not escaped,
    so an author finds out at start-up rather than a reader seeing tags."""
    tokens = _md.parse(body)
    for tok in tokens:
        kids = tok.children or []
        if tok.type == "html_block" or any(k.type == "html_inline" for k in kids):
            raise ContentError(f"{where}: raw HTML is not allowed in content")
    return _md.renderer.render(tokens, _md.options, {}), _plain_text(tokens)


def blocks_of(body: str) -> tuple[str, ...]:
    """Paragraph-level blocks (blank-line separated): the unit of translation."""
    return tuple(b.strip() for b in body.strip().split("\n\n") if b.strip())


def load_message(path: Path, msg_id: str, sources: set[str]) -> Message:
    where = str(path)
    meta, body = split_front_matter(path.read_text(encoding="utf-8"), where)
    unknown = set(meta) - FRONT_MATTER_KEYS
    if unknown:
        raise ContentError(f"{where}: unknown front matter {sorted(unknown)}")
    src = meta.get("source")
    src_list = [src] if isinstance(src, str) else src
    if not src_list or not all(isinstance(s, str) for s in src_list):
        raise ContentError(f"{where}: 'source' must name one or more sources")
    missing = [s for s in src_list if s not in sources]
    if missing:
        raise ContentError(f"{where}: unknown source {missing} (see content/sources.yaml)")
    reviewed = meta.get("reviewed")
    if not isinstance(reviewed, dt.date):
        raise ContentError(f"{where}: 'reviewed' must be a date (YYYY-MM-DD)")
    kind = meta.get("kind")
    if kind is not None and kind not in KINDS:
        raise ContentError(f"{where}: 'kind' must be one of {KINDS}")
    if not body.strip():
        raise ContentError(f"{where}: no words")
    html, text = render_markdown(body, where)
    return Message(msg_id, html, text, tuple(src_list), reviewed, kind, blocks_of(body))


def load_sources(content_dir: Path) -> dict[str, dict[str, Any]]:
    path = content_dir / "sources.yaml"
    data = strict_yaml.load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ContentError(f"{path}: must map source ids to their details")
    return data


def load_content(content_dir: Path, locale: str = "en") -> dict[str, Message]:
    """Every message of one locale's folder, keyed by content id."""
    sources = set(load_sources(content_dir))
    root = content_dir / locale
    messages: dict[str, Message] = {}
    for path in sorted(root.rglob("*.md")):
        rel = path.relative_to(root).with_suffix("")
        msg_id = ".".join(rel.parts)
        if rel.parts[0] not in AREAS:
            raise ContentError(f"{path}: area must be one of {AREAS}")
        messages[msg_id] = load_message(path, msg_id, sources)
    return messages
