"""Reading scenario documents within limits: YAML text or a Python mapping -> a plain mapping.

Hostile or careless input is refused before anything is built from it, each
with one clear line (see docs/user_guide.md, "Limits"):

* files over :data:`MAX_FILE_BYTES`, empty documents (they would silently
  run the defaults), several documents in one file;
* duplicate keys in one mapping (YAML would silently keep the last);
* more than :data:`MAX_ALIASES` aliases (``*name``), recursive aliases, and
  documents that expand to more than :data:`MAX_NODES` values or nest deeper
  than :data:`MAX_DEPTH` (an "anchor bomb" of a few hundred bytes expands to
  billions of values);
* keys that are not strings.

NumPy scalars in Python mappings become Python numbers.
"""

from __future__ import annotations

import numpy as np
import yaml

MAX_FILE_BYTES = 1_000_000
MAX_ALIASES = 100
MAX_NODES = 200_000
MAX_DEPTH = 32


class InputRefused(ValueError):
    """A document is refused: ``where`` (line/key path, may be ''), ``found`` and ``allowed``."""

    def __init__(self, where: str, found: str, allowed: str):
        self.where, self.found, self.allowed = where, found, allowed
        super().__init__(f"{where}: found {found}; allowed: {allowed}")


def _mark(node_or_mark) -> str:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts aliases and refuses duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise InputRefused(_mark(self.peek_event()), f"more than {MAX_ALIASES} aliases (*name)", f"at most {MAX_ALIASES} aliases in a scenario file")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: refused later as "string keys only"
                continue
            if duplicate:
                raise InputRefused(_mark(key_node), f"the key {key!r} a second time in one mapping", "each key once (YAML would keep only the last)")
        return super().construct_mapping(node, deep)


def _expanded_size(node, depth=0, memo=None, path=()) -> int:
    """Number of values ``node`` stands for once aliases are expanded; refuses recursion and depth."""
    memo = {} if memo is None else memo
    if id(node) in memo:
        return memo[id(node)]
    if id(node) in path:
        raise InputRefused(_mark(node), "a recursive alias (a value that contains itself)", "values that do not refer to themselves")
    if depth > MAX_DEPTH:
        raise InputRefused(_mark(node), f"values nested more than {MAX_DEPTH} deep", f"at most {MAX_DEPTH} levels of nesting")
    size = 1
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    else:
        children = []
    for child in children:
        size += _expanded_size(child, depth + 1, memo, (*path, id(node)))
        if size > MAX_NODES:
            raise InputRefused(_mark(node), f"more than {MAX_NODES:,} values once aliases are expanded", f"at most {MAX_NODES:,} values")
    memo[id(node)] = size
    return size


def parse_text(text: str):
    """The document of YAML ``text`` within the limits; InputRefused or yaml.YAMLError otherwise."""
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise InputRefused("", f"{len(text):,} characters", f"a scenario of at most {MAX_FILE_BYTES:,} bytes")
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise InputRefused("", "values nested too deeply to read", f"at most {MAX_DEPTH} levels of nesting") from None
        if node is None:
            raise InputRefused("", "an empty document", "a YAML mapping of scenario keys (an empty scenario would silently run the defaults)")
        _expanded_size(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_file(path) -> str:
    """The text of a scenario file, refusing files over the size limit before reading them."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputRefused("", "a file larger than the limit", f"a scenario file of at most {MAX_FILE_BYTES:,} bytes")
    return data.decode("utf-8")


def plain(value, depth: int = 0, budget: list | None = None):
    """A Python mapping's copy with NumPy scalars as Python numbers, within the depth and size limits."""
    budget = [MAX_NODES] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        raise InputRefused("", f"more than {MAX_NODES:,} values", f"at most {MAX_NODES:,} values")
    if depth > MAX_DEPTH:
        raise InputRefused("", f"values nested more than {MAX_DEPTH} deep (or a value that contains itself)", f"at most {MAX_DEPTH} levels of nesting")
    if isinstance(value, dict):
        return {(k.item() if isinstance(k, np.generic) else k): plain(v, depth + 1, budget) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1, budget) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "InputRefused", "parse_text", "plain", "read_file"]
