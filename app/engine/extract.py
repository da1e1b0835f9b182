"""Babel extractors (registered as entry points in pyproject.toml), so
`pybabel extract` collects the words of flows and content with those of the
templates and Python code.

- flows/*.yaml: flow titles, option labels, and the global labels;
- content/en/**.md: each Markdown block (paragraph, list, heading) — the
  unit a translator sees, and the unit the engine translates at run time;
- content/**.yaml word lists (e.g. the family agreement rules): every string
  under a `text:` or `label:` key, or every string in a list.

Each extractor has Babel's signature: (fileobj, keywords, comment_tags,
options) → (lineno, funcname, message, comments).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from app import strict_yaml

from .content import blocks_of, split_front_matter

Extracted = Iterator[tuple[int, str | None, str, list[str]]]


def _lines(text: str, needle: str) -> int:
    """Line number where `needle` first appears (Babel wants one per message)."""
    at = text.find(needle[:40])
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def extract_flows(fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: Any) -> Extracted:
    text = fileobj.read().decode("utf-8")
    data = strict_yaml.load(text) or {}
    found: list[tuple[str, str]] = []
    if isinstance(data.get("title"), str):
        found.append((data["title"], "flow title"))
    for label in (data.get("labels") or {}).values():  # _global.yaml
        found.append((str(label), "action offered in every state"))
    for label in (data.get("adult_labels") or {}).values():  # _global.yaml
        found.append((str(label), "answer to the adults' safety question"))
    for sid, state in (data.get("states") or {}).items():
        for opt in (state or {}).get("options") or []:
            if isinstance(opt, dict) and isinstance(opt.get("label"), str):
                found.append((opt["label"], f"button in state '{sid}'"))
    for message, where in found:
        yield _lines(text, message), None, message, [where]


def extract_content(fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: Any) -> Extracted:
    text = fileobj.read().decode("utf-8")
    body = split_front_matter(text, getattr(fileobj, "name", "content"))[1]
    offset = text.count("\n", 0, len(text) - len(body))
    for block in blocks_of(body):
        yield offset + _lines(body, block), None, block, ["Markdown: keep **bold**, links and list dashes"]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "label", "title", "heading") or isinstance(value, (list, dict)):
                yield from _strings(value)


def extract_word_list(fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: Any) -> Extracted:
    text = fileobj.read().decode("utf-8")
    for message in _strings(strict_yaml.load(text)):
        yield _lines(text, message), None, message, []
