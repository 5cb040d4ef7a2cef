"""YAML within limits: a hostile file is refused before it is expanded, in bounded memory.

The safe loader builds an alias (``*a``) as a second reference to the anchored value, so a
600-byte "billion laughs" file (each level's list naming the previous level ten times) loads
quickly, and then costs billions of values when anything walks it: storing it as JSON, or
checking its fields. Here each document's node graph is composed first and its size *as
expanded* is counted (each shared node once, so counting is linear in the file), and the
document is refused when it would expand to more than :data:`MAX_NODES` values, refers to
itself through an alias, or the file is larger than :data:`MAX_CHARS`.
"""

from __future__ import annotations

import yaml

from reliability.errors import BadInput

MAX_CHARS = 8 * 1024 * 1024  # characters of one YAML file (OpenSLO files are a few KB)
MAX_NODES = 200_000  # values (scalars, lists, mappings) one document may expand to


def load_documents(text: str, path: str) -> list:
    """The documents of YAML ``text`` (the safe loader's values), each checked against the
    limits before it is built; BadInput names the file and the document. Syntax errors are
    raised as ``yaml.YAMLError``, as ``yaml.load_all`` raises them."""
    if len(text) > MAX_CHARS:
        raise BadInput(f"the file is larger than {MAX_CHARS // (1024 * 1024)} MiB; an OpenSLO file is a "
                       "few KB", file=path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    documents = []
    try:
        index = 0
        while loader.check_node():
            index += 1
            node = loader.get_node()
            _check(node, path, index)
            documents.append(loader.construct_document(node))
    finally:
        loader.dispose()
    return documents


def read_file(path: str) -> tuple[str, list]:
    """(text, documents) of the YAML file at ``path``: read as UTF-8 text and loaded within the
    limits (:func:`load_documents`). Every failure is BadInput naming the file: missing, a
    directory, not UTF-8 text or binary, invalid YAML (with its line and column)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise BadInput("no such file", file=path) from None
    except IsADirectoryError:
        raise BadInput("is a directory, expected a YAML file", file=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("not a UTF-8 text file (binary?)", file=path) from None
    if "\x00" in text:
        raise BadInput("not a text file (binary?)", file=path)
    try:
        return text, load_documents(text, path)  # refuses alias bombs before expanding them
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BadInput(f"invalid YAML{at}: {problem}", file=path) from None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check(root: yaml.Node, path: str, index: int) -> None:
    """BadInput unless ``root`` expands to at most MAX_NODES values and has no cycle.

    Post-order over the node graph with an explicit stack (no recursion limit to hit on deep
    nesting); ``size`` memoises each node's expanded size, so a node reached through many
    aliases is counted once however many times it is used.
    """
    size: dict[int, int] = {}
    open_: set[int] = set()  # on the current path: reaching one again is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_.discard(key)
            total = 1 + sum(size[id(c)] for c in _children(node))
            if total > MAX_NODES:
                raise BadInput(
                    f"the document expands to more than {MAX_NODES:,} values through YAML aliases "
                    "(a 'billion laughs' file?); refused before expanding it",
                    file=path, document=index)
            size[key] = total
            continue
        if key in size:
            continue
        if key in open_:
            raise BadInput("a YAML alias refers to a value that contains it (a recursive document)",
                           file=path, document=index)
        open_.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)
