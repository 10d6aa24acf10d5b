"""Helm's values layering: merge rules, null deletion, --set into lists, source order, stdin."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import modelservice
from modelservice import ValuesError
from modelservice.values.layering import (
    coalesce,
    default_values,
    default_values_text,
    load_values,
    merge_user,
)
from tests.unit.helpers import FULL, find, objects, pod_spec


def _write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return str(p)


# --------------------------------------------------------------------------- merge_user


def test_merge_user_maps_merge_key_by_key() -> None:
    base = {"a": {"x": 1, "y": {"p": 1}}, "b": 1}
    top = {"a": {"y": {"q": 2}, "z": 3}}
    assert merge_user(base, top) == {"a": {"x": 1, "y": {"p": 1, "q": 2}, "z": 3}, "b": 1}


def test_merge_user_lists_and_scalars_replace() -> None:
    base = {"l": [1, 2, 3], "s": "old", "m": {"k": 1}}
    top = {"l": [9], "s": "new", "m": "scalar-now"}
    assert merge_user(base, top) == {"l": [9], "s": "new", "m": "scalar-now"}


def test_merge_user_keeps_null_as_marker_and_does_not_mutate_inputs() -> None:
    base = {"a": {"x": 1}, "b": 2}
    top = {"a": {"x": None}, "b": None}
    before = json.dumps([base, top], sort_keys=True)
    assert merge_user(base, top) == {"a": {"x": None}, "b": None}
    assert json.dumps([base, top], sort_keys=True) == before


def test_merge_user_map_over_scalar_replaces() -> None:
    assert merge_user({"a": 1}, {"a": {"b": 2}}) == {"a": {"b": 2}}


# --------------------------------------------------------------------------- coalesce


def test_coalesce_null_deletes_default_key() -> None:
    defaults = {"a": {"x": 1, "y": 2}, "b": 3}
    assert coalesce(defaults, {"a": {"x": None}, "b": None}) == {"a": {"y": 2}}


def test_coalesce_lists_replace_never_merge() -> None:
    defaults = {"l": [{"a": 1, "b": 2}, {"c": 3}]}
    assert coalesce(defaults, {"l": [{"a": 9}]}) == {"l": [{"a": 9}]}


def test_coalesce_user_only_keys_kept_and_nested_nulls_stripped() -> None:
    out = coalesce({"a": 1}, {"n": {"k": None, "v": 1}, "gone": None})
    assert out == {"a": 1, "n": {"v": 1}}


def test_coalesce_does_not_share_structure_with_defaults() -> None:
    defaults = {"a": {"l": [1]}}
    out = coalesce(defaults, {})
    out["a"]["l"].append(2)
    assert defaults == {"a": {"l": [1]}}


# --------------------------------------------------------------------------- load_values


def test_no_sources_gives_the_defaults() -> None:
    v = load_values()
    assert v.user == {}
    assert v.merged == default_values()
    assert v.merged["routing"]["proxy"]["image"] == "ghcr.io/llm-d/llm-d-routing-sidecar:0.0.6"


def test_default_values_text_is_the_defaults_file() -> None:
    import yaml

    assert yaml.safe_load(default_values_text()) == default_values()


def test_files_apply_in_order(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yaml", "decode:\n  replicas: 2\nrouting:\n  modelName: a\n")
    b = _write(tmp_path, "b.yaml", "decode:\n  replicas: 3\n")
    v = load_values([a, b])
    assert v.merged["decode"]["replicas"] == 3
    assert v.merged["routing"]["modelName"] == "a"
    assert load_values([b, a]).merged["decode"]["replicas"] == 2


def test_map_merge_keeps_default_siblings(tmp_path: Path) -> None:
    f = _write(tmp_path, "v.yaml", "routing:\n  proxy:\n    targetPort: 9000\n")
    proxy = load_values([f]).merged["routing"]["proxy"]
    defaults = default_values()["routing"]["proxy"]
    assert defaults["targetPort"] == 8200 and "image" in defaults
    assert proxy == {**defaults, "targetPort": 9000}


def test_user_list_replaces_default_list(tmp_path: Path) -> None:
    f = _write(tmp_path, "v.yaml", "routing:\n  parentRefs:\n  - name: gw2\n")
    assert load_values([f]).merged["routing"]["parentRefs"] == [{"name": "gw2"}]


def test_user_null_deletes_a_default_key_and_renders_without_it(tmp_path: Path) -> None:
    f = _write(tmp_path, "v.yaml", "routing:\n  parentRefs: null\nmodelArtifacts:\n  size: ~\n")
    v = load_values([f])
    assert "parentRefs" not in v.merged["routing"]
    assert "size" not in v.merged["modelArtifacts"]
    objs = modelservice.render_release(v, release="rel").objects
    route = find(objs, "HTTPRoute", FULL)
    assert "parentRefs" not in route["spec"]
    # modelArtifacts.size deleted: the emptyDir sizeLimit falls back to "0".
    model_vol = pod_spec(objs, "decode")["volumes"][-1]
    assert model_vol == {"name": "model-storage", "emptyDir": {"sizeLimit": "0"}}


def test_null_in_a_later_file_deletes_a_value_of_an_earlier_file(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yaml", "modelArtifacts:\n  authSecretName: tok\n")
    b = _write(tmp_path, "b.yaml", "modelArtifacts:\n  authSecretName: null\n")
    assert "authSecretName" not in load_values([a, b]).merged["modelArtifacts"]


def test_set_null_deletes_default_key() -> None:
    v = load_values(sets=["routing.parentRefs=null"])
    assert "parentRefs" not in v.merged["routing"]


def test_set_into_list_builds_fresh_list_replacing_default() -> None:
    v = load_values(sets=["routing.parentRefs[0].name=prod-gateway"])
    assert v.merged["routing"]["parentRefs"] == [{"name": "prod-gateway"}]


def test_set_into_list_index_fills_with_null_then_replaces_default() -> None:
    v = load_values(sets=["decode.containers[1].image=x"])
    assert v.user["decode"]["containers"] == [None, {"image": "x"}]


def test_set_into_list_from_a_file_edits_that_list(tmp_path: Path) -> None:
    """Helm parses --set into the merged user map: an index edits a list a -f file gave."""
    f = _write(tmp_path, "v.yaml", "routing:\n  parentRefs:\n  - name: gw\n    kind: Gateway\n")
    v = load_values([f], ["routing.parentRefs[0].name=prod"])
    assert v.merged["routing"]["parentRefs"] == [{"name": "prod", "kind": "Gateway"}]


def test_set_does_not_modify_file_layer_dicts(tmp_path: Path) -> None:
    f = _write(tmp_path, "v.yaml", "decode:\n  replicas: 2\n")
    v = load_values([f], ["decode.replicas=7"])
    assert v.layers[0].values == {"decode": {"replicas": 2}}
    assert v.merged["decode"]["replicas"] == 7


def test_user_values_dicts_are_not_modified() -> None:
    mine: dict[str, Any] = {"decode": {"replicas": 2}}
    load_values(sets=["decode.replicas=4"], user_values=[mine])
    assert mine == {"decode": {"replicas": 2}}


def test_set_typing_follows_helm() -> None:
    v = load_values(sets=["routing.modelName=007", "decode.replicas=3", "multinode=TRUE"])
    assert v.user["routing"]["modelName"] == "007"
    assert v.user["decode"]["replicas"] == 3
    assert v.user["multinode"] is True


@pytest.mark.parametrize(
    ("kw", "winner"),
    [
        ({"files": True}, "file"),
        ({"files": True, "set_json": True}, "json"),
        ({"files": True, "set_json": True, "sets": True}, "set"),
        ({"files": True, "set_json": True, "sets": True, "set_strings": True}, "string"),
        (
            {"files": True, "set_json": True, "sets": True, "set_strings": True, "set_files": True},
            "file-flag",
        ),
    ],
)
def test_source_order(tmp_path: Path, kw: dict[str, bool], winner: str) -> None:
    """defaults ← -f files ← --set-json ← --set ← --set-string ← --set-file."""
    f = _write(tmp_path, "v.yaml", "routing:\n  modelName: file\n")
    content = _write(tmp_path, "name.txt", "file-flag")
    v = load_values(
        [f] if kw.get("files") else [],
        ["routing.modelName=set"] if kw.get("sets") else [],
        set_json=['routing.modelName="json"'] if kw.get("set_json") else [],
        set_strings=["routing.modelName=string"] if kw.get("set_strings") else [],
        set_files=[f"routing.modelName={content}"] if kw.get("set_files") else [],
    )
    assert v.merged["routing"]["modelName"] == winner


def test_source_order_regardless_of_argument_order(tmp_path: Path) -> None:
    """--set-string wins over --set for the same key, --set wins over --set-json."""
    v = load_values(
        sets=["decode.replicas=5", "routing.modelName=s"],
        set_strings=["routing.modelName=ss"],
        set_json=["decode.replicas=9", 'routing.proxy={"targetPort": 1234}'],
    )
    assert v.merged["decode"]["replicas"] == 5
    assert v.merged["routing"]["modelName"] == "ss"
    assert v.merged["routing"]["proxy"]["targetPort"] == 1234
    assert v.merged["routing"]["proxy"]["image"] == "ghcr.io/llm-d/llm-d-routing-sidecar:0.0.6"


def test_later_set_flag_wins() -> None:
    v = load_values(sets=["decode.replicas=2", "decode.replicas=3"])
    assert v.merged["decode"]["replicas"] == 3


def test_set_string_keeps_strings() -> None:
    v = load_values(set_strings=["routing.modelName=true", "fullnameOverride=123"])
    assert v.merged["routing"]["modelName"] == "true"
    assert v.merged["fullnameOverride"] == "123"


def test_set_json_typed_values() -> None:
    v = load_values(set_json=['decode.parallelism={"tensor": 2, "data": 4}'])
    assert v.merged["decode"]["parallelism"] == {"tensor": 2, "data": 4}


def test_set_file_reads_content_as_string(tmp_path: Path) -> None:
    p = _write(tmp_path, "name.txt", "12")
    assert load_values(set_files=[f"routing.modelName={p}"]).merged["routing"]["modelName"] == "12"


def test_set_file_uses_injected_reader() -> None:
    seen: list[str] = []

    def reader(path: str) -> str:
        seen.append(path)
        return "from-reader"

    v = load_values(set_files=["routing.modelName=/nope"], read_file=reader)
    assert seen == ["/nope"]
    assert v.merged["routing"]["modelName"] == "from-reader"


def test_set_file_missing_file_is_values_error() -> None:
    with pytest.raises(ValuesError) as info:
        load_values(set_files=["routing.modelName=/definitely/not/here.txt"])
    assert "/definitely/not/here.txt" in str(info.value)


def test_layered_set_case_matches_expected_parent_refs() -> None:
    """The conformance layered-set case: the --set list replaces the default list whole."""
    from tests.unit.helpers import CASES_DIR

    d = CASES_DIR / "layered-set"
    v = load_values(
        [d / "base.yaml", d / "override.yaml"],
        [
            "decode.replicas=5",
            "routing.epp.debugLevel=1",
            "routing.parentRefs[0].name=prod-gateway",
            "modelArtifacts.size=100Gi",
        ],
    )
    assert v.merged["routing"]["parentRefs"] == [{"name": "prod-gateway"}]
    assert v.merged["decode"]["replicas"] == 5
    assert v.merged["modelArtifacts"]["size"] == "100Gi"


# --------------------------------------------------------------------------- stdin


class _FakeStdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_stdin_dash_is_a_values_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "stdin", _FakeStdin(b"decode:\n  replicas: 4\n"))
    a = _write(tmp_path, "a.yaml", "decode:\n  replicas: 2\nprefill:\n  replicas: 3\n")
    v = load_values([a, "-"])
    assert v.merged["decode"]["replicas"] == 4
    assert v.merged["prefill"]["replicas"] == 3
    assert [layer.source for layer in v.layers] == [a, "<stdin>"]


def test_stdin_position_among_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "stdin", _FakeStdin(b"decode:\n  replicas: 4\n"))
    b = _write(tmp_path, "b.yaml", "decode:\n  replicas: 2\n")
    assert load_values(["-", b]).merged["decode"]["replicas"] == 2


def test_stdin_twice_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _FakeStdin(b"decode:\n  replicas: 4\n"))
    with pytest.raises(ValuesError) as info:
        load_values(["-", "-"])
    assert "only once" in str(info.value)


def test_stdin_bad_yaml_names_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _FakeStdin(b"decode: [\n"))
    with pytest.raises(ValuesError) as info:
        load_values(["-"])
    assert info.value.problems[0].source == "<stdin>"


# --------------------------------------------------------------------------- read errors


def test_all_read_problems_reported_together(tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.yaml", "a: [\n")
    with pytest.raises(ValuesError) as info:
        load_values([str(tmp_path / "missing.yaml"), bad], ["a[x]=1"])
    sources = [p.source for p in info.value.problems]
    assert len(info.value.problems) == 3
    assert sources[0] == str(tmp_path / "missing.yaml")
    assert sources[1] == bad
    assert sources[2] == "--set a[x]=1"
    assert "file not found" in info.value.problems[0].message


def test_directory_as_values_file(tmp_path: Path) -> None:
    with pytest.raises(ValuesError) as info:
        load_values([str(tmp_path)])
    assert "directory" in str(info.value)


def test_values_render_uses_layered_values(tmp_path: Path) -> None:
    f = _write(tmp_path, "v.yaml", "decode:\n  replicas: 2\n")
    v = load_values([f], ["decode.replicas=6"])
    objs = modelservice.render_release(v, release="rel").objects
    assert find(objs, "Deployment", f"{FULL}-decode")["spec"]["replicas"] == 6


def test_api_dict_values_lay_over_defaults() -> None:
    objs = objects({"decode": {"replicas": 3}})
    assert find(objs, "Deployment", f"{FULL}-decode")["spec"]["replicas"] == 3
    # prefill keeps the default replicas and containers
    prefill = find(objs, "Deployment", f"{FULL}-prefill")
    assert prefill["spec"]["replicas"] == 1


def test_default_values_text_describes_what_the_tool_accepts() -> None:
    """Issue 11, bug 8: `modelservice values` shows every key the schema accepts (our
    additions as comments), and no chart comment that is wrong here."""
    from modelservice.values.schema import _resolve, values_schema

    root = values_schema()
    text = default_values_text()

    def keys(node: dict[str, Any], path: str, depth: int) -> list[str]:
        node = _resolve(node, root)
        out = []
        for key, sub in (node.get("properties") or {}).items():
            here = f"{path}.{key}" if path else key
            out.append(here)
            if depth < 3 and key not in ("resources", "prefill"):
                out += keys(sub, here, depth + 1)
        return out

    missing = [p for p in keys(root, "", 0) if f"{p.rsplit('.', 1)[-1]}" not in text]
    assert missing == []
    assert "not yet supported" not in text
    for scheme in ("hf://", "pvc://", "pvc+hf://", "oci://"):
        assert scheme in text
