"""YAML read so that a key written twice is an error, not a silent loss.

PyYAML keeps the last of two equal keys in a mapping. In a hand-edited data
file that hides mistakes: crisis.yaml once gave one pattern group two
`except:` lists, and the first eight idiom exceptions were never applied.
Every data file the app reads goes through `load`.
"""

from __future__ import annotations

from typing import IO, Any

import yaml


class DuplicateKey(yaml.YAMLError):
    """A mapping names the same key twice."""


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            mark = key_node.start_mark
            raise DuplicateKey(f"{mark.name}, line {mark.line + 1}: {key!r} is given twice")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)  # type: ignore[arg-type]


def load(source: str | IO[str]) -> Any:
    """Like yaml.safe_load, but a key given twice in one mapping raises DuplicateKey."""
    return yaml.load(source, Loader=_Loader)
