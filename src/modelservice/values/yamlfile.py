"""Reading values files the way Helm reads them.

Helm parses values with go-yaml v2 (through sigs.k8s.io/yaml), i.e. YAML 1.1 resolution:
``y``/``yes``/``on`` are booleans, ``0777`` is octal, ``1e3`` is a float. PyYAML's C loader
is fast but differs on ``y``/``n`` and exponent floats, and it turns timestamps into
``datetime`` objects that go-yaml keeps as strings. So we take libyaml's parser and give it
go-yaml's resolution table. Untrusted input is also bounded here: alias bombs ("billion
laughs"), deep nesting and invalid UTF-8 become clean :class:`ValuesError` s.
"""

from __future__ import annotations

import re

from modelservice._yaml import lazy_compile, yaml
from modelservice.errors import Problem, ValuesError, type_name

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

try:  # libyaml is present in PyYAML's wheels; the pure-Python loader is a slow fallback.
    _BaseLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _BaseLoader = yaml.SafeLoader

#: Upper bound on the number of nodes a document may expand to once aliases are followed.
#: Real values files have a few thousand; this stops alias bombs long before memory does.
MAX_EXPANDED_NODES = 1_000_000
#: Upper bound on the distinct nodes of one values file, counted while it is read (before
#: the parser builds them: a node costs about a kilobyte once built, and 50 MB of YAML would
#: otherwise cost gigabytes before any check).
MAX_COMPOSED_NODES = 250_000
#: Deeper nesting than this is never a real values file, and would exhaust the stack later.
MAX_DEPTH = 200
#: Default cap on the bytes read from one values file, standard input or --set-file;
#: ``MODELSERVICE_MAX_INPUT_BYTES`` overrides it.
MAX_INPUT_BYTES = 4 * 1024 * 1024
INPUT_LIMIT_ENV = "MODELSERVICE_MAX_INPUT_BYTES"


class _Loader(_BaseLoader):  # type: ignore[misc]
    """SafeLoader with go-yaml v2's implicit typing."""


# Start from an empty resolver table, then add go-yaml v2's rules (resolve.go).
_Loader.yaml_implicit_resolvers = {}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    lazy_compile(
        r"^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON"
        r"|n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$"
    ),
    list("yYnNtTfFoO"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    lazy_compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.VERBOSE,
    ),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    lazy_compile(
        r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.VERBOSE,
    ),
    list("-+0123456789."),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", lazy_compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:merge", lazy_compile(r"^(?:<<)$"), ["<"])

_BOOL = {
    "y": True,
    "yes": True,
    "true": True,
    "on": True,
    "n": False,
    "no": False,
    "false": False,
    "off": False,
}


def _to_int(text: str) -> int:
    t = text.replace("_", "")
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-")
    if t.startswith("0b"):
        return sign * int(t[2:], 2)
    if t.startswith("0x"):
        return sign * int(t[2:], 16)
    if len(t) > 1 and t.startswith("0"):
        return sign * int(t, 8)  # YAML 1.1 octal, as go-yaml v2 reads 0777
    return sign * int(t)


def _to_float(text: str) -> float:
    t = text.replace("_", "").lower()
    if t.endswith(".inf"):
        return float("-inf") if t.startswith("-") else float("inf")
    if t == ".nan":
        return float("nan")
    return float(t)


_SCALARS: dict[str, Any] = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:null": lambda text: None,
    "tag:yaml.org,2002:bool": lambda text: _BOOL[text.lower()],
    "tag:yaml.org,2002:int": _to_int,
    "tag:yaml.org,2002:float": _to_float,
    # go-yaml v2 keeps an explicitly tagged timestamp as its text when decoding into
    # interface{}; implicit timestamps are not resolved at all (see the table above).
    "tag:yaml.org,2002:timestamp": str,
}
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


class _ConstructError(Exception):
    def __init__(self, message: str, node: Any) -> None:
        super().__init__(message)
        self.line = node.start_mark.line + 1


def _key(value: Any, node: Any) -> str:
    """sigs.k8s.io/yaml turns every mapping key into a JSON object key, i.e. a string."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list | dict):
        raise _ConstructError("a mapping key must be a scalar", node)
    return str(value)


def _construct(node: Any, memo: dict[int, Any]) -> Any:
    """Build Python values from libyaml's node graph.

    PyYAML's generic constructor costs about as much as the rest of a render; this one
    knows only the safe YAML types (and merge keys), and keeps aliased nodes shared, so an
    alias bomb stays small in memory until :func:`check_size` rejects it.
    """
    known = memo.get(id(node))
    if known is not None:
        return known
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        convert = _SCALARS.get(tag)
        if convert is None:
            raise _ConstructError(f"unsupported YAML tag {tag!r}", node)
        try:
            return convert(node.value)
        except (KeyError, ValueError):
            raise _ConstructError(
                f"{node.value!r} is not a valid {tag.rsplit(':', 1)[-1]}", node
            ) from None
    if isinstance(node, yaml.SequenceNode):
        if tag != _SEQ:
            raise _ConstructError(f"unsupported YAML tag {tag!r}", node)
        seq: list[Any] = []
        memo[id(node)] = seq
        seq.extend(_construct(child, memo) for child in node.value)
        return seq
    if tag != _MAP:
        raise _ConstructError(f"unsupported YAML tag {tag!r}", node)
    mapping: dict[str, Any] = {}
    memo[id(node)] = mapping
    explicit = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            # "<<: *base" or "<<: [*a, *b]": earlier sources win, explicit keys win over all.
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in reversed(sources):
                merged = _construct(source, memo)
                if not isinstance(merged, dict):
                    raise _ConstructError(
                        "a merge key (<<) needs a mapping or a list of mappings", source
                    )
                mapping.update(merged)
        else:
            explicit.append((key_node, value_node))
    for key_node, value_node in explicit:
        mapping[_key(_construct(key_node, memo), key_node)] = _construct(value_node, memo)
    return mapping


def check_size(doc: Any, source: str) -> None:
    """Reject documents that would expand past our bounds once aliases are followed.

    Aliased nodes are shared objects after loading, so sizes are memoised by identity: the
    walk is linear in the distinct nodes even for an exponential expansion.
    """
    sizes: dict[int, int] = {}
    top = ""  # the top-level key being walked, to name in a nesting error

    def size(node: Any, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ValuesError(Problem(top, f"nesting deeper than {MAX_DEPTH} levels", source))
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            return 1
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_EXPANDED_NODES:
                raise ValuesError(
                    Problem(
                        "",
                        f"the document expands to more than {MAX_EXPANDED_NODES:,} nodes "
                        "(alias bomb?); refusing to process it",
                        source,
                    )
                )
        sizes[id(node)] = total
        return total

    if isinstance(doc, dict):
        total = 1
        for key, value in doc.items():
            top = str(key)
            total += size(value, 1)
        if total > MAX_EXPANDED_NODES:  # pragma: no cover - caught per subtree first
            raise ValuesError(Problem("", "the document is too large", source))
    else:
        size(doc, 0)


def input_limit() -> int:
    """The byte cap for one input (``MODELSERVICE_MAX_INPUT_BYTES``, or the default)."""
    import os

    text = os.environ.get(INPUT_LIMIT_ENV, "").strip()
    if not text:
        return MAX_INPUT_BYTES
    try:
        value = int(text)
    except ValueError:
        raise ValuesError(
            Problem("", f"{INPUT_LIMIT_ENV}={text!r} is not a number of bytes")
        ) from None
    if value <= 0:
        raise ValuesError(Problem("", f"{INPUT_LIMIT_ENV} must be positive, got {value}"))
    return value


def read_bounded(stream: Any, source: str, limit: int | None = None) -> bytes:
    """Read a binary stream to its end, refusing more than ``limit`` bytes.

    Works for regular files, pipes, terminals and devices alike (``/dev/zero`` is refused
    once the cap is reached, not read forever).
    """
    cap = input_limit() if limit is None else limit
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(1 << 20, cap + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            raise ValuesError(
                Problem(
                    "",
                    f"larger than the input limit of {_size(cap)}; values this large are "
                    f"not a values file (set {INPUT_LIMIT_ENV} to raise the limit)",
                    source,
                )
            )


def _size(n: int) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n:,} bytes"


def _count_nodes(text: str, budget: int, source: str) -> None:
    """Refuse a document with more than ``budget`` nodes, counting parser events (cheap)
    so that the refusal comes before the parser builds the nodes (expensive)."""
    if len(text) <= budget:
        return  # every node takes at least one character
    loader = _Loader(text)
    count = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, _NODE_EVENTS):
                count += 1
                if count > budget:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    raise ValuesError(
                        Problem(
                            "",
                            f"more than {budget:,} YAML nodes; refusing to read further",
                            source,
                            line,
                        )
                    )
    except yaml.YAMLError:
        return  # the real parse reports it, with its line
    finally:
        loader.dispose()


_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)


def _decode(data: bytes | str, source: str) -> str:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValuesError(
                Problem(
                    "",
                    f"not valid UTF-8 (byte {exc.start}): values files must be UTF-8 text",
                    source,
                )
            ) from None
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _documents(text: str, source: str, max_nodes: int) -> list[Any]:
    _count_nodes(text, max_nodes, source)
    try:
        return [_construct(node, {}) for node in yaml.compose_all(text, Loader=_Loader)]
    except _ConstructError as exc:
        raise ValuesError(Problem("", f"invalid YAML: {exc}", source, exc.line)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        raise ValuesError(Problem("", f"invalid YAML: {what}", source, line)) from None
    except yaml.YAMLError as exc:
        raise ValuesError(Problem("", f"invalid YAML: {exc}", source)) from None
    except RecursionError:
        raise ValuesError(Problem("", "nesting too deep to read", source)) from None


def load_documents(
    data: bytes | str, source: str, *, max_nodes: int = MAX_EXPANDED_NODES
) -> list[Any]:
    """Every document of a multi-document YAML stream (a release manifest), read with the
    same bounds as values files: a node budget while reading, alias expansion and depth
    checked after. Empty documents are left out."""
    docs = [d for d in _documents(_decode(data, source), source, max_nodes) if d is not None]
    for doc in docs:
        check_size(doc, source)
    return docs


#: Parsed documents by content, frozen (:func:`modelservice.datatree.freeze`): the same
#: values files are read again and again by sweeps, plans and API callers rendering many
#: releases, and parsing dominates their cost.
_PARSED: dict[bytes | str, bytes] = {}
_PARSED_MAX = 64


def load_yaml(data: bytes | str, source: str) -> dict[str, Any]:
    """Parse one values document; empty documents give ``{}``.

    ``source`` names the file (or ``<stdin>``) in error messages. A document seen before
    (same content) is not parsed again: the caller gets its own copy of the earlier result.
    """
    from modelservice.datatree import freeze, thaw

    known = _PARSED.get(data)
    if known is not None:
        thawed: dict[str, Any] = thaw(known)
        return thawed
    doc = _load_yaml(data, source)
    if len(data) > 256 * 1024:  # keep the cache small: real values files are a few KiB
        return doc
    frozen = freeze(doc)
    if frozen is not None:  # only plain trees (a YAML timestamp is not)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[data] = frozen
    return doc


def _load_yaml(data: bytes | str, source: str) -> dict[str, Any]:
    docs = [d for d in _documents(_decode(data, source), source, MAX_COMPOSED_NODES)
            if d is not None]  # fmt: skip
    if not docs:
        return {}
    if len(docs) > 1:
        raise ValuesError(
            Problem("", "a values file must hold one YAML document, found several", source)
        )
    doc = docs[0]
    if not isinstance(doc, dict):
        raise ValuesError(
            Problem(
                "", f"a values file must be a mapping at the top, found {type_name(doc)}", source
            )
        )
    check_size(doc, source)
    return doc
