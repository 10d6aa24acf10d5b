"""Property tests: whatever the input, the result is valid objects or a clean ValuesError.

Random and malformed values (wrong types at known keys, unknown keys, huge strings, deep
nesting, random bytes as a values file, alias bombs, random ``--set`` strings) must never
raise anything but :class:`modelservice.ValuesError`, and never hang.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelservice import ValuesError
from modelservice.pipeline import render_release
from modelservice.values.layering import load_values
from tests.unit.helpers import VLLM

FAST = settings(
    # MODELSERVICE_PROP_EXAMPLES raises the count for a longer local bug hunt.
    max_examples=int(os.environ.get("MODELSERVICE_PROP_EXAMPLES", "60")),
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: A valid values document that touches most keys, the base of mutations.
BASE: dict[str, Any] = {
    "nameOverride": "svc",
    "multinode": False,
    "modelArtifacts": {"uri": "hf://org/model", "size": "10Gi", "authSecretName": "hf"},
    "routing": {
        "modelName": "m",
        "servicePort": 8000,
        "proxy": {"image": "proxy:1", "targetPort": 8200, "debugLevel": 3},
        "parentRefs": [{"name": "gw", "kind": "Gateway"}],
        "inferencePool": {"create": True},
        "httpRoute": {"create": True, "matches": [{"path": {"type": "PathPrefix", "value": "/"}}]},
        "epp": {
            "create": True,
            "image": "epp:1",
            "replicas": 1,
            "env": [{"name": "A", "value": "1"}],
            "service": {"type": "ClusterIP", "port": 9002, "targetPort": 9002},
        },
    },
    "decode": {
        "create": True,
        "replicas": 1,
        "autoscaling": {"enabled": False},
        "parallelism": {"tensor": 2, "data": 2, "dataLocal": 2},
        "acceleratorTypes": {"labelKey": "gpu", "labelValues": ["H100"]},
        "volumes": [{"name": "dshm", "emptyDir": {}}],
        "imagePullSecrets": [{"name": "pull"}],
        "podSecurityContext": {"runAsUser": 1},
        "containers": [
            {
                "name": "vllm",
                "image": VLLM,
                "modelCommand": "vllmServe",
                "args": ["--x"],
                "env": [{"name": "E", "value": "v"}],
                "ports": [{"containerPort": 8200}],
                "resources": {"limits": {"nvidia.com/gpu": "4"}},
                "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"}],
                "mountModelVolume": True,
                "livenessProbe": {"httpGet": {"path": "/h", "port": 8200}},
            }
        ],
    },
    "prefill": {
        "replicas": 2,
        "containers": [{"name": "vllm", "image": VLLM, "command": ["run"]}],
    },
}


def _leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (to maps, lists and scalars) in a document."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _leaf_paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _leaf_paths(v, (*prefix, i))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _display(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


PATHS = _leaf_paths(BASE)
MAP_PATHS = [()] + [p for p in PATHS if isinstance(_get(BASE, p), dict)]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.binary(max_size=10).map(lambda b: b.decode("latin-1")),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=12), inner, max_size=4),
    ),
    max_leaves=15,
)


def check(produce: Callable[[], list[dict[str, Any]]]) -> ValuesError | None:
    """Valid objects or a clean ValuesError; anything else fails the test."""
    try:
        objs = produce()
    except ValuesError as err:
        assert err.problems
        for p in err.problems:
            assert isinstance(p.message, str) and p.message.strip()
            assert isinstance(p.path, str)
        assert str(err)
        return err
    assert isinstance(objs, list) and objs
    for obj in objs:
        assert isinstance(obj, dict)
        assert isinstance(obj.get("apiVersion"), str) and obj["apiVersion"]
        assert isinstance(obj.get("kind"), str) and obj["kind"]
        assert isinstance(obj["metadata"]["name"], str) and obj["metadata"]["name"]
    return None


def _render(values: Any) -> list[dict[str, Any]]:
    return render_release(values, release="prop", namespace="default").objects


def test_base_is_valid() -> None:
    assert check(lambda: _render(BASE)) is None


# --------------------------------------------------------------------------- mutations


@FAST
@given(st.sampled_from(PATHS), json_values)
def test_any_value_at_a_known_key(path: tuple[Any, ...], value: Any) -> None:
    doc = copy.deepcopy(BASE)
    _set(doc, path, value)
    check(lambda: _render(doc))


TYPED_LEAVES: dict[tuple[Any, ...], type] = {
    ("decode", "replicas"): int,
    ("prefill", "replicas"): int,
    ("routing", "servicePort"): int,
    ("routing", "proxy", "targetPort"): int,
    ("decode", "parallelism", "tensor"): int,
    ("multinode",): bool,
    ("routing", "epp", "create"): bool,
    ("decode", "containers", 0, "mountModelVolume"): bool,
    ("routing", "modelName"): str,
    ("modelArtifacts", "uri"): str,
    ("decode", "containers", 0, "image"): str,
    ("decode", "containers", 0, "args"): list,
    ("decode", "volumes"): list,
    ("decode", "podSecurityContext"): dict,
}


def _has_type(value: Any, wanted: type) -> bool:
    if wanted is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, wanted)


@FAST
@given(st.sampled_from(sorted(TYPED_LEAVES, key=str)), json_values)
def test_wrong_type_at_known_key_names_the_key(path: tuple[Any, ...], value: Any) -> None:
    wanted = TYPED_LEAVES[path]
    if value is None or _has_type(value, wanted):
        return
    doc = copy.deepcopy(BASE)
    _set(doc, path, value)
    err = check(lambda: _render(doc))
    assert err is not None, f"{_display(path)}={value!r} was accepted"
    assert _display(path) in [p.path for p in err.problems], [str(p) for p in err.problems]


identifiers = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ_", min_size=1, max_size=20)


@FAST
@given(st.sampled_from(MAP_PATHS), identifiers, json_values)
def test_unknown_key_is_reported_with_its_path(path: tuple[Any, ...], key: str, value: Any) -> None:
    doc = copy.deepcopy(BASE)
    target = _get(doc, path) if path else doc
    if key in target or value is None:
        return
    target[key] = value
    err = check(lambda: _render(doc))
    closed = _display(path) in {
        "",
        "modelArtifacts",
        "routing",
        "routing.proxy",
        "routing.inferencePool",
        "routing.httpRoute",
        "routing.epp",
        "routing.epp.service",
        "decode",
        "prefill",
        "decode.autoscaling",
        "decode.parallelism",
        "decode.acceleratorTypes",
        "decode.containers[0]",
        "prefill.containers[0]",
        "decode.imagePullSecrets[0]",
    }
    if closed:
        assert err is not None
        full = f"{_display(path)}.{key}" if path else key
        assert full in [p.path for p in err.problems], [str(p) for p in err.problems]


@FAST
@given(st.dictionaries(st.text(max_size=15), json_values, max_size=6))
def test_random_documents(doc: dict[str, Any]) -> None:
    check(lambda: _render(doc))


# --------------------------------------------------------------------------- --set strings

set_tokens = st.sampled_from(
    [*"abcdez.,=[]{}\\01239-_ ", "decode", "routing", "replicas", "containers", "null"]
)
set_like = st.lists(set_tokens, max_size=15).map("".join)


@FAST
@given(st.lists(st.one_of(st.text(max_size=40), set_like), max_size=4))
def test_random_set_strings(sets: list[str]) -> None:
    check(lambda: _render(load_values(sets=sets)))


@FAST
@given(st.text(max_size=60), st.text(max_size=60))
def test_random_set_json_and_set_string(json_expr: str, str_expr: str) -> None:
    check(lambda: _render(load_values(set_json=[json_expr], set_strings=[str_expr])))


@FAST
@given(
    st.sampled_from([_display(p) for p in PATHS if not any(isinstance(x, int) for x in p)]),
    st.text(max_size=20),
)
def test_set_any_text_at_known_key(key: str, text: str) -> None:
    check(lambda: _render(load_values(sets=[f"{key}={text}"])))


# --------------------------------------------------------------------------- files


@FAST
@given(st.binary(max_size=200))
def test_random_bytes_as_values_file(tmp_path: Path, data: bytes) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(data)
    check(lambda: _render(load_values([f])))


@FAST
@given(st.text(alphabet=st.sampled_from(list("ab:- \n[]{}&*!|>'\"#,?0y~")), max_size=80))
def test_random_yaml_text_as_values_file(tmp_path: Path, text: str) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(text, "utf-8")
    check(lambda: _render(load_values([f])))


def test_non_utf8_values_file(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_bytes(b"routing:\n  modelName: \xc3\x28\xa0\xa1\n")
    err = check(lambda: _render(load_values([f])))
    assert err is not None and "UTF-8" in err.problems[0].message


def _bomb(levels: int = 12) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_values_file(tmp_path: Path) -> None:
    f = tmp_path / "bomb.yaml"
    f.write_text(_bomb())
    start = time.monotonic()
    err = check(lambda: _render(load_values([f])))
    assert time.monotonic() - start < 3
    assert err is not None


def test_billion_laughs_under_a_known_key(tmp_path: Path) -> None:
    f = tmp_path / "bomb.yaml"
    nested = "".join(f"    {line}\n" for line in _bomb().splitlines())
    f.write_text("decode:\n  podSecurityContext:\n" + nested)
    start = time.monotonic()
    check(lambda: _render(load_values([f])))
    assert time.monotonic() - start < 3


# --------------------------------------------------------------------------- huge and deep


def test_huge_strings() -> None:
    big = "x" * 2_000_000
    check(lambda: _render({"routing": {"modelName": big}}))
    err = check(lambda: _render({"modelArtifacts": {"uri": "s3://" + big}}))
    assert err is not None
    assert len(str(err)) < 10_000, "error messages must not echo megabytes of input"
    check(lambda: _render(load_values(sets=["routing.modelName=" + big])))


def test_huge_integers() -> None:
    err = check(lambda: _render({"decode": {"replicas": 10**100}}))
    assert err is None or "decode.replicas" in [p.path for p in err.problems]
    check(lambda: _render(load_values(sets=["decode.replicas=" + "9" * 5000])))


def _deep(depth: int, leaf: Any = 1) -> Any:
    value: Any = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [100, 1_000, 10_000])
def test_deep_nesting_in_pass_through_object(depth: int) -> None:
    check(lambda: _render({"decode": {"podSecurityContext": _deep(depth)}}))


@pytest.mark.parametrize("depth", [1_000, 10_000])
def test_deep_nesting_unknown_key(depth: int) -> None:
    err = check(lambda: _render({"bogus": _deep(depth)}))
    assert err is not None and "bogus" in [p.path for p in err.problems]


@pytest.mark.parametrize("depth", [500, 5_000, 100_000])
def test_deep_nesting_set_json(depth: int) -> None:
    expr = "decode.podSecurityContext=" + '{"a":' * depth + "1" + "}" * depth
    check(lambda: _render(load_values(set_json=[expr])))


@pytest.mark.parametrize("depth", [150, 100_000])
def test_deep_nesting_values_file(tmp_path: Path, depth: int) -> None:
    f = tmp_path / "deep.yaml"
    f.write_text("decode:\n  podSecurityContext: " + "{a: " * depth + "1" + "}" * depth + "\n")
    check(lambda: _render(load_values([f])))


def test_deep_set_index_path() -> None:
    check(lambda: _render(load_values(sets=["decode" + "[0]" * 5000 + "=1"])))


def test_many_list_items() -> None:
    env = [{"name": f"V{i}", "value": str(i)} for i in range(20_000)]
    start = time.monotonic()
    check(
        lambda: _render(
            {"decode": {"containers": [{"image": VLLM, "modelCommand": "vllmServe", "env": env}]}}
        )
    )
    assert time.monotonic() - start < 5


# --------------------------------------------------------------------------- CLI level


def _cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelservice.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


@pytest.mark.parametrize("kind", ["bomb", "non-utf8", "deep"])
def test_cli_hostile_files_fail_fast_without_traceback(tmp_path: Path, kind: str) -> None:
    f = tmp_path / "v.yaml"
    if kind == "bomb":
        f.write_text(_bomb())
    elif kind == "non-utf8":
        f.write_bytes(b"decode:\n  replicas: \xff\xfe\n")
    else:
        f.write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    start = time.monotonic()
    proc = _cli(["template", "rel", "-f", str(f)])
    assert time.monotonic() - start < 10
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert "internal error" not in proc.stderr
    assert str(f) in proc.stderr
