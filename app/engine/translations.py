"""Is every string in use translated in every catalog under locales/?

"In use" means what `pybabel extract` finds with babel.cfg: templates, Python,
flows and content. A missing, empty or fuzzy translation is a problem.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po


def strings_in_use(root: Path) -> dict[str, str]:
    """msgid → where it was first found ('flows/welcome.yaml:9')."""
    with (root / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    # Only the folders babel.cfg names: walking node_modules and the rest took
    # most of the check's time (10,000 files for ~300).
    tops = {pattern.split("/")[0] for pattern, _ in method_map}

    def named(dirpath: str) -> bool:
        relative = Path(dirpath).relative_to(root.resolve()).parts
        return relative[0] in tops and not any(part.startswith((".", "_")) for part in relative)

    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, directory_filter=named
    ):
        msgid = message[0] if isinstance(message, tuple) else message  # plurals: the singular
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def missing_translations(root: Path, locales_dir: Path) -> list[str]:
    problems: list[str] = []
    catalogs = sorted(locales_dir.glob("*/LC_MESSAGES/messages.po"))
    if not catalogs:
        return problems
    in_use = strings_in_use(root)
    for po_path in catalogs:
        with po_path.open("rb") as f:
            catalog = read_po(f)
        rel = po_path.relative_to(root) if po_path.is_relative_to(root) else po_path
        for msgid, where in in_use.items():
            msg = catalog.get(msgid)
            if msg is None or not msg.string:
                problems.append(f"{rel}: no translation for {msgid[:60]!r} ({where})")
            elif msg.fuzzy:
                problems.append(f"{rel}: fuzzy translation for {msgid[:60]!r} ({where})")
    return problems
