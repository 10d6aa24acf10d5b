"""Helm release records: the encoding Helm reads, records of Helm's kept intact, and the
bounds on decoding records anyone who can write a Secret may have written (fuzzed)."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelservice.cluster.errors import RecordError
from modelservice.cluster.records import MAX_RECORD_BYTES, Record, secret_name
from modelservice.cluster.release import parse_manifest
from modelservice.errors import ValuesError


def _helm_secret(doc: dict[str, Any]) -> dict[str, Any]:
    """A Secret as Helm writes it: base64(gzip(JSON)), base64-encoded again by the Secret."""
    payload = base64.b64encode(gzip.compress(json.dumps(doc).encode()))
    return {
        "metadata": {"name": "x", "namespace": "ns"},
        "data": {"release": base64.b64encode(payload).decode()},
    }


def test_record_round_trip_and_labels() -> None:
    rec = Record(
        "rel",
        "ns",
        3,
        "deployed",
        "---\n# Source: x\nkind: ConfigMap\n",
        {"a": 1},
        description="Upgrade complete",
        first_deployed="2026-01-01T00:00:00Z",
    )
    secret = rec.to_secret()
    assert secret["type"] == "helm.sh/release.v1"
    assert secret["metadata"]["name"] == secret_name("rel", 3) == "sh.helm.release.v1.rel.v3"
    labels = secret["metadata"]["labels"]
    assert (labels["name"], labels["owner"], labels["status"], labels["version"]) == (
        "rel",
        "helm",
        "deployed",
        "3",
    )
    raw = base64.b64decode(base64.b64decode(secret["data"]["release"]))
    assert raw[:3] == b"\x1f\x8b\x08"  # Helm gunzips only with this magic
    doc = json.loads(gzip.decompress(raw))
    assert doc["chart"]["metadata"]["name"] == "llm-d-modelservice"
    assert doc["info"]["status"] == "deployed" and doc["version"] == 3
    back = Record.from_secret(secret)
    assert back is not None
    assert (back.name, back.version, back.status, back.config, back.manifest) == (
        "rel",
        3,
        "deployed",
        {"a": 1},
        rec.manifest,
    )


def test_helm_record_keeps_its_chart_when_rewritten() -> None:
    helm_doc = {
        "name": "theirs",
        "namespace": "ns",
        "version": 1,
        "config": {},
        "manifest": "",
        "info": {"status": "deployed", "first_deployed": "2026-01-01T00:00:00.123456789Z"},
        "chart": {
            "metadata": {"name": "tiny", "version": "1.2.3", "appVersion": "9", "apiVersion": "v2"},
            "templates": [{"name": "t", "data": ""}],
        },
        "labels": {"custom": "kept"},
    }
    rec = Record.from_secret(_helm_secret(helm_doc))
    assert rec is not None and rec.chart == "tiny-1.2.3" and rec.app_version == "9"
    rec.status = "superseded"
    doc = json.loads(
        gzip.decompress(base64.b64decode(base64.b64decode(rec.to_secret()["data"]["release"])))
    )
    assert doc["chart"]["metadata"] == helm_doc["chart"]["metadata"]
    assert doc["chart"]["templates"] == helm_doc["chart"]["templates"]
    assert doc["labels"] == {"custom": "kept"} and doc["info"]["status"] == "superseded"


def test_undecodable_record_says_why() -> None:
    with pytest.raises(RecordError, match="not base64"):
        Record.from_secret({"metadata": {}, "data": {"release": "bm90IGd6aXA="}})
    with pytest.raises(RecordError, match="no 'release' key"):
        Record.from_secret({"metadata": {}, "data": {}})


# ---------------------------------------------------------------- bounds


def _secret_of_payload(raw: bytes) -> dict[str, Any]:
    """A Secret whose release payload (after Helm's base64) is ``raw``."""
    return {
        "metadata": {"name": "sh.helm.release.v1.x.v1", "namespace": "ns"},
        "data": {"release": base64.b64encode(base64.b64encode(raw)).decode()},
    }


def test_gzip_of_an_empty_list_is_a_bad_record_not_a_crash() -> None:
    """The record that made `list -A` exit 70 for everyone: gzip(JSON [])."""
    with pytest.raises(RecordError, match="not an object"):
        Record.from_secret(_secret_of_payload(gzip.compress(b"[]")))


def test_gzip_bomb_is_refused_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * (MAX_RECORD_BYTES + 1024), 9)
    assert len(bomb) < MAX_RECORD_BYTES // 500  # tiny on the wire
    with pytest.raises(RecordError, match="decompresses to more than 32 MiB"):
        Record.from_secret(_secret_of_payload(bomb))


def test_deep_json_is_refused() -> None:
    deep = b'{"name": "x", "version": 1, "config": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    with pytest.raises(RecordError, match="nested"):
        Record.from_secret(_secret_of_payload(gzip.compress(deep)))
    shallow_enough = b'{"name": "x", "version": 1, "config": {"a": ' + b"[" * 150 + b"]" * 150
    rec = Record.from_secret(_secret_of_payload(gzip.compress(shallow_enough + b"}}")))
    assert rec.name == "x"


@pytest.mark.parametrize(
    ("doc", "why"),
    [
        ({"version": 1}, "no 'name'"),
        ({"name": "x"}, "'version' is not a number"),
        ({"name": "x", "version": "1"}, "'version' is not a number"),
        ({"name": "x", "version": 0}, "not a revision number"),
        ({"name": "x", "version": 1, "info": []}, "'info' is not"),
        ({"name": "x", "version": 1, "manifest": 7}, "'manifest' is not"),
        ({"name": ["x"], "version": 1}, "'name' is not"),
    ],
)
def test_fields_of_the_wrong_type_are_bad_records(doc: dict[str, Any], why: str) -> None:
    with pytest.raises(RecordError, match=why):
        Record.from_secret(_helm_secret(doc))


def test_alias_bomb_manifest_is_refused() -> None:
    """A revision whose manifest is an alias bomb: refused like a values file (rollback ran
    out of memory on it)."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n" + "\n".join(
        "  " + line for line in lines
    )
    with pytest.raises(ValuesError, match="expands to more than"):
        parse_manifest(bomb)


def test_manifest_entries_that_are_not_objects_are_left_out() -> None:
    text = "---\n# Source: x\nkind: ConfigMap\nmetadata: {name: a}\n---\n- 1\n---\nkind: X\n"
    assert [o["metadata"]["name"] for o in parse_manifest(text)] == ["a"]


# ---------------------------------------------------------------- fuzzing the decoder

_json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_json = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
_release_like = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(max_size=10) | _json,
        "namespace": st.text(max_size=10) | _json,
        "version": st.integers(-2, 5) | _json,
        "manifest": st.text(max_size=40) | _json,
        "config": st.dictionaries(st.text(max_size=5), _json) | _json,
        "info": st.fixed_dictionaries(
            {}, optional={"status": st.text(max_size=10) | _json, "description": _json}
        )
        | _json,
        "chart": st.fixed_dictionaries({}, optional={"metadata": _json}) | _json,
    },
)


def _decodes_or_says_why(secret: dict[str, Any]) -> None:
    try:
        rec = Record.from_secret(secret)
    except RecordError as err:
        assert err.message  # a reason, for the warning
        return
    assert isinstance(rec.name, str) and isinstance(rec.version, int) and rec.version >= 1
    assert isinstance(rec.manifest, str) and isinstance(rec.config, dict)
    assert isinstance(rec.status, str)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_random_payloads(raw: bytes) -> None:
    _decodes_or_says_why(_secret_of_payload(raw))
    _decodes_or_says_why(_secret_of_payload(gzip.compress(raw)))
    _decodes_or_says_why(_secret_of_payload(gzip.compress(raw)[: max(1, len(raw) // 2)]))


@settings(max_examples=300, deadline=None)
@given(_release_like)
def test_fuzz_release_documents(doc: dict[str, Any]) -> None:
    _decodes_or_says_why(_helm_secret(doc))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 20_000), st.sampled_from(["[", '{"a":']))
def test_fuzz_nesting(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = ('{"name": "x", "version": 1, "config": {"k": ' + opener * depth + "1" + closer * depth
            + "}}")  # fmt: skip
    _decodes_or_says_why(_secret_of_payload(gzip.compress(text.encode())))


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=1, max_size=64))
def test_fuzz_secret_shapes(junk: bytes) -> None:
    text = junk.decode("latin-1")
    for secret in (
        {"data": {"release": text}},
        {"data": text},
        {"metadata": text, "data": {"release": base64.b64encode(junk).decode()}},
        {"data": {"release": junk}},
    ):
        _decodes_or_says_why(secret)  # type: ignore[arg-type]
