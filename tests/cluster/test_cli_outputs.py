"""-o json|yaml, --dry-run client|server and release-name completion on the real API
server (issue 11's conventions)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cluster.test_helm_interop import run_helm
from tests.cluster.test_lifecycle import FACEBOOK, cli, kinds_names, release, values

pytestmark = pytest.mark.cluster


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_dry_runs_change_nothing_and_say_what_would(cluster: Any, namespace: str) -> None:
    kc, f = cluster.kubeconfig, str(FACEBOOK)
    rel = release(cluster, "dr", namespace)
    for mode in ("--dry-run", "--dry-run=server"):
        out = ok(cli(kc, "install", "dr", "-n", namespace, "-f", f, mode))
        assert "  would create Deployment/dr-llm-d-modelservice-decode" in out
        assert rel.history() == [] and kinds_names(rel) == set()

    ok(cli(kc, "install", "dr", "-n", namespace, "-f", f))
    before = kinds_names(rel)
    for mode in ("--dry-run", "--dry-run=server"):
        out = ok(
            cli(kc, "upgrade", "dr", "-n", namespace, "-f", f, "--set", "decode.replicas=2", mode)
        )
        assert "  would update Deployment/dr-llm-d-modelservice-decode" in out
        assert "  unchanged Deployment/dr-llm-d-modelservice-prefill" in out
        assert "revision 2" in out
    assert [r.version for r in rel.history()] == [1]
    dep = rel.cluster.get("apps/v1", "Deployment", "dr-llm-d-modelservice-decode", namespace)
    assert dep is not None and dep["spec"]["replicas"] == 1

    ok(cli(kc, "upgrade", "dr", "-n", namespace, "-f", f, "--set", "prefill.create=false"))
    for mode in ("--dry-run", "--dry-run=server"):
        out = ok(cli(kc, "rollback", "dr", "1", "-n", namespace, mode))
        assert "  would create Deployment/dr-llm-d-modelservice-prefill" in out
    assert [r.version for r in rel.history()] == [1, 2]

    for mode in ("--dry-run", "--dry-run=server"):
        out = ok(cli(kc, "uninstall", "dr", "-n", namespace, mode))
        assert "  would delete Deployment/dr-llm-d-modelservice-decode" in out
    assert kinds_names(rel) == before - {("Deployment", "dr-llm-d-modelservice-prefill")}
    assert len(rel.history()) == 2


def test_outputs_use_helms_field_names(cluster: Any, namespace: str, helm: Path) -> None:
    kc = cluster.kubeconfig
    rel = release(cluster, "out", namespace)
    rel.install(values(FACEBOOK), wait=True, timeout=120)
    ours = json.loads(ok(cli(kc, "list", "-n", namespace, "-o", "json")))
    theirs = json.loads(run_helm(helm, kc, "list", "-n", namespace, "-o", "json").stdout)
    assert [set(r) for r in ours] == [set(r) for r in theirs]
    for key in ("name", "namespace", "revision", "status", "chart", "app_version"):
        assert ours[0][key] == theirs[0][key], key
    assert yaml.safe_load(ok(cli(kc, "list", "-n", namespace, "-o", "yaml"))) == ours

    ours_h = json.loads(ok(cli(kc, "history", "out", "-n", namespace, "-o", "json")))
    theirs_h = json.loads(
        run_helm(helm, kc, "history", "out", "-n", namespace, "-o", "json").stdout
    )
    assert [set(r) for r in ours_h] == [set(r) for r in theirs_h]
    assert [(r["revision"], r["status"]) for r in ours_h] == [
        (r["revision"], r["status"]) for r in theirs_h
    ]

    status = json.loads(ok(cli(kc, "status", "out", "-n", namespace, "-o", "json")))
    assert (status["name"], status["revision"], status["status"]) == ("out", 1, "deployed")
    assert status["ready"] is True
    decode = next(o for o in status["objects"] if o["name"] == "out-llm-d-modelservice-decode")
    assert decode["kind"] == "Deployment" and decode["ready"] and decode["pods"] >= 1
    assert set(decode) == {
        "kind",
        "name",
        "ready",
        "progress",
        "pods_ready",
        "pods",
        "restarts",
        "detail",
    }


def test_release_names_complete_from_the_cluster(cluster: Any, namespace: str) -> None:
    release(cluster, "comp-a", namespace).install(values(FACEBOOK))
    proc = cli(cluster.kubeconfig, "__complete", "status", "-n", namespace, "comp")
    assert proc.stdout.split() == ["comp-a"], proc.stderr
