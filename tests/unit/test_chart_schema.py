"""The JSON Schema of one upstream release's values (``schema --chart-version``)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml

from modelservice.charts.schema import json_schema
from modelservice.charts.versions import RELEASES, resolve
from modelservice.values.layering import from_user
from tests.chart_oracle import mutations
from tests.unit.helpers import SHARED
from tests.unit.test_chart_keys import _deep_in_init_container, _upstream_schema

VERSIONS = SHARED / "conformance" / "versions"


def _properties(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name, sub in schema.get("properties", {}).items():
        out.append((f"{path}.{name}", sub))
        out += _properties(sub, f"{path}.{name}")
    for key in ("items", "additionalProperties"):
        sub = schema.get(key)
        if isinstance(sub, dict):
            out.append((f"{path}.{key}", sub))
            out += _properties(sub, f"{path}.{key}")
    return out


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.version)
def test_a_valid_draft_07_schema_with_every_key_described(release: Any) -> None:
    schema = json_schema(release)
    jsonschema.Draft7Validator.check_schema(schema)
    undescribed = [path for path, sub in _properties(schema) if not sub.get("description")]
    assert undescribed == []
    assert release.version in schema["title"]


def test_releases_without_a_schema_list_their_keys_and_constrain_nothing() -> None:
    schema = json_schema(resolve("0.2.7"))
    assert "ships no schema" in schema["description"]
    assert "uri" in schema["properties"]["modelArtifacts"]["properties"]
    validator = jsonschema.Draft7Validator(schema)
    assert validator.is_valid({"decode": {"replicas": "two"}, "anything": [1, {"x": None}]})
    assert not any("type" in sub for _, sub in _properties(schema))


def test_keys_read_below_open_maps_are_listed() -> None:
    """0.4.12's schema leaves containers open; the keys the templates read are listed,
    described, and constrain nothing."""
    containers = json_schema(resolve("0.4.12"))["properties"]["decode"]["properties"]["containers"]
    item = containers["items"]
    assert "livenessProbe" in item["properties"]
    assert item["properties"]["livenessProbe"] == {"description": "Liveness probe."}
    assert "additionalProperties" not in item


def _documents(version: str) -> list[tuple[str, dict[str, Any]]]:
    """Values that helm rendered at ``version``, and what mutations make of them, as the
    merged values helm validates."""
    chart = resolve(version)
    others = [r for r in RELEASES if r != chart]
    docs = []
    for i, d in enumerate(sorted(VERSIONS.glob(f"v{version}-*"))):
        base = yaml.safe_load((d / "values.yaml").read_text()) or {}
        docs.append((d.name, base))
        if i < 2:
            docs += [(f"{d.name}:{m}", doc) for m, doc in mutations(base, chart, others, n=3)]
    return [(name, from_user(doc, chart=chart).merged) for name, doc in docs]


def _inside_init_container(error: jsonschema.ValidationError) -> bool:
    return _deep_in_init_container(tuple(error.absolute_path))


@pytest.mark.parametrize("version", ["0.2.16", "0.3.18", "0.4.9", "0.4.12"])
def test_accepts_and_refuses_what_the_packaged_schema_does(version: str) -> None:
    """Judged by the jsonschema reference validator, ours and upstream's values.schema.json
    agree on every document, except deep inside init containers (whole Kubernetes
    Containers upstream, opaque here below their fields and list items)."""
    ours = jsonschema.Draft7Validator(json_schema(resolve(version)))
    theirs = jsonschema.Draft7Validator(_upstream_schema(version))
    documents = _documents(version)
    assert len(documents) > 20
    refused = 0
    for name, doc in documents:
        upstream = [e for e in theirs.iter_errors(doc) if not _inside_init_container(e)]
        assert ours.is_valid(doc) == (not upstream), name
        refused += bool(upstream)
    assert refused > 5  # the mutations do reach the schema
