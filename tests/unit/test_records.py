"""Helm release records: the encoding Helm reads, and records of Helm's kept intact."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from modelservice.cluster.records import Record, secret_name


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


def test_undecodable_record_is_skipped_like_helm() -> None:
    assert Record.from_secret({"metadata": {}, "data": {"release": "bm90IGd6aXA="}}) is None
    assert Record.from_secret({"metadata": {}, "data": {}}) is None
