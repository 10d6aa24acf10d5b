"""The table of the chart's values keys across releases (modelservice.charts.keys)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from modelservice.charts import keys as table
from modelservice.charts.keys import TABLE, Key, has_schema, history, keys
from modelservice.charts.versions import RELEASES, resolve
from tests.unit.helpers import SHARED

PACKAGED = SHARED / "reference" / "charts"


def node(version: str, path: str) -> Key | None:
    """The key at a dotted table path (``[]``, ``*`` as segments) in one release."""
    found: Key | None = keys(resolve(version))
    for part in path.split("."):
        if found is None:
            return None
        found = found.children.get(part)
    return found


def spans(path: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(a.version, b.version) for a, b in history(path)]


def test_every_range_names_a_release_in_order() -> None:
    versions = {r.version for r in RELEASES}
    index = {r.version: i for i, r in enumerate(RELEASES)}
    for path, (reads, schema) in table._table().items():
        ranges = [] if reads == "-" else [r.rstrip("+") for r in reads.split(",")]
        ranges += [s.strip().split(" ")[0] for s in schema.split(";")] if schema else []
        for text in ranges:
            low, _, high = text.partition("-")
            assert low in versions, (path, text)
            assert not high or high in versions, (path, text)
            assert not high or index[low] <= index[high], (path, text)
        if schema:
            lows = [index[s.strip().split("-")[0].split(" ")[0]] for s in schema.split(";")]
            assert lows == sorted(lows), f"{path}: schema ranges out of order"


def test_rows_nest_one_level_at_a_time() -> None:
    depth = 0
    for line in TABLE.splitlines():
        text = line.lstrip()
        if not text or text[0] in "#;,":
            continue
        indent = len(line) - len(text)
        assert indent % 2 == 0 and indent // 2 <= depth + 1, line
        depth = indent // 2


def test_schema_words_are_known() -> None:
    words = re.compile(
        r"^(any|(map|list|string|integer|number|boolean|null)(\|(map|list|string|integer|"
        r"number|boolean|null))*)( closed)?( req=[\w,]+)?( enum=[\w.,-]+)?$"
    )
    for path, (_, schema) in table._table().items():
        for segment in schema.split(";") if schema else []:
            spec = segment.strip().partition(" ")[2]
            assert words.match(spec), (path, spec)


def test_roles_share_their_keys() -> None:
    for release in RELEASES:
        root = keys(release)
        assert sorted(root.children["decode"].children) == sorted(
            root.children["prefill"].children
        ), release.version


def test_a_role_row_can_differ_per_role() -> None:
    """0.2.8's schema types prefill's modelCommand, and not decode's."""
    decode = node("0.2.8", "decode.containers.[].modelCommand")
    prefill = node("0.2.8", "prefill.containers.[].modelCommand")
    assert decode is not None and decode.spec is not None and decode.spec.types is None
    assert prefill is not None and prefill.spec is not None
    assert prefill.spec.types == ("string",)


def test_schemas_start_at_0_2_8() -> None:
    assert not has_schema(resolve("0.2.7"))
    assert has_schema(resolve("0.2.8"))
    assert all(k.spec is None for k in _all(keys(resolve("0.2.7"))))


def test_the_root_is_closed_until_0_4_7() -> None:
    closed = [r.version for r in RELEASES if (s := keys(r).spec) is not None and s.closed]
    assert closed[0] == "0.2.8" and closed[-1] == "0.4.7"
    assert keys(resolve("0.4.8")).spec == table.Spec(("map",), False, (), None)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("modelArtifacts", "labels"), [("0.3.0", "0.4.12")]),
        (("routing", "epp"), [("0.0.9", "0.2.16")]),
        (("routing", "modelName"), [("0.0.10", "0.2.1")]),
        (("routing", "proxy", "zapEncoder"), [("0.3.8", "0.4.12")]),
        (("decode", "containers", "[]", "ports"), [("0.2.1", "0.4.12")]),
        (("prefill", "parallelism", "dataLocal"), [("0.0.9", "0.0.11"), ("0.3.6", "0.4.12")]),
        (("accelerator", "resources", "rebellions-atom"), [("0.4.10", "0.4.12")]),
        (("no", "such", "key"), []),
    ],
)
def test_history(path: tuple[str, ...], expected: list[tuple[str, str]]) -> None:
    assert spans(path) == expected


def test_upstream_quirks_are_kept() -> None:
    # 0.3.7-0.3.11 close nodeSelector without declaring any key: no entry is accepted.
    for version in ("0.3.7", "0.3.11"):
        selector = node(version, "decode.nodeSelector")
        assert selector is not None and selector.spec is not None and selector.spec.closed
        assert not selector.children
    selector = node("0.3.12", "decode.nodeSelector")
    assert selector is not None and selector.spec is not None and not selector.spec.closed
    # 0.2.8 closes containers, and declares no probes: livenessProbe is read but refused.
    container = node("0.2.8", "decode.containers.[]")
    assert container is not None and container.spec is not None and container.spec.closed
    probe = container.children["livenessProbe"]
    assert probe.read and probe.spec is None
    # 0.0.9 reads no container ports although its defaults hold some.
    assert node("0.0.9", "decode.containers.[].ports") is None


def test_whole_values_read_everything_below() -> None:
    labels = node("0.4.12", "modelArtifacts.labels")
    assert labels is not None and labels.reads_all
    container = node("0.4.12", "decode.containers.[]")
    assert container is not None and not container.reads_all
    tolerations = node("0.4.12", "decode.tolerations")
    assert tolerations is not None and tolerations.reads_all  # no rows below: used whole


def test_nothing_is_worked_out_at_import_and_one_release_when_asked() -> None:
    code = (
        "import modelservice.charts.keys as k\n"
        "from modelservice.charts.versions import resolve\n"
        "print(k._table.cache_info().currsize, k.keys.cache_info().currsize)\n"
        "k.keys(resolve('0.3.0'))\n"
        "print(k._table.cache_info().currsize, k.keys.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "0", "1", "1"]


# --------------------------------------------------------------------------- upstream


def _all(root: Key) -> list[Key]:
    out = []
    stack = [root]
    while stack:
        k = stack.pop()
        out.append(k)
        stack.extend(k.children.values())
    return out


def _upstream_schema(version: str) -> dict[str, Any]:
    prefix = "" if version == "0.0.9" else "v"
    archive = PACKAGED / f"llm-d-modelservice-{prefix}{version}.tgz"
    with tarfile.open(archive) as tar:
        member = tar.extractfile("llm-d-modelservice/values.schema.json")
        assert member is not None
        data: dict[str, Any] = json.load(member)
        return data


_TYPES = {"object": "map", "array": "list"}


def _deep_in_init_container(path: tuple[str | int, ...]) -> bool:
    """Below an init container's fields and their list items: a whole Kubernetes Container
    upstream, opaque in the table."""
    if len(path) < 4 or path[1] != "initContainers":
        return False
    below = path[3:]  # (field,) or (field, item) are kept
    return len(below) > 2 or (
        len(below) == 2 and not (below[1] == "[]" or isinstance(below[1], int))
    )


def _flatten(
    schema: dict[str, Any], path: tuple[str, ...], out: dict[tuple[str, ...], Any]
) -> None:
    """Upstream's schema as path -> (types, closed, required, enum); an anyOf of alike
    variants is its first, a oneOf of types is their union (as upstream writes them)."""
    if _deep_in_init_container(path):
        return
    if "anyOf" in schema:
        schema = {**schema["anyOf"][0], **{k: v for k, v in schema.items() if k != "anyOf"}}
    types = schema.get("type")
    if "oneOf" in schema:
        types = [v["type"] for v in schema["oneOf"]]
    if isinstance(types, str):
        types = [types]
    required = schema.get("required") if isinstance(schema.get("required"), list) else []
    out[path] = (
        tuple(_TYPES.get(t, t) for t in types) if types else None,
        schema.get("additionalProperties") is False,
        tuple(required),
        tuple(schema["enum"]) if "enum" in schema else None,
    )
    for name, sub in schema.get("properties", {}).items():
        _flatten(sub, (*path, name), out)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        _flatten(extra, (*path, "*"), out)
    if "items" in schema:
        _flatten(schema["items"], (*path, "[]"), out)


@pytest.mark.parametrize("version", ["0.2.16", "0.3.18", "0.4.9", "0.4.12"])
def test_table_says_what_the_packaged_schema_says(version: str) -> None:
    """Every key the release's own values.schema.json declares, and nothing else, is
    declared in the table with the same types, closedness, required keys and enum."""
    upstream: dict[tuple[str, ...], Any] = {}
    _flatten(_upstream_schema(version), (), upstream)
    ours: dict[tuple[str, ...], Any] = {}

    def walk(k: Key, path: tuple[str, ...]) -> None:
        if k.spec is not None:
            ours[path] = tuple(k.spec)
        for name, child in k.children.items():
            walk(child, (*path, name))

    walk(keys(resolve(version)), ())
    assert ours == upstream


def test_packaged_charts_are_where_the_tests_expect() -> None:
    names = sorted(p.name for p in Path(PACKAGED).glob("*.tgz"))
    assert "llm-d-modelservice-v0.4.12.tgz" in names, names
