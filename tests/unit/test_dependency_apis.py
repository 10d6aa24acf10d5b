"""The parts of our runtime dependencies the tool uses, exercised without a cluster.

CI runs the unit tests once more against the lowest versions pyproject.toml allows
(`make test-lowest`); these tests make that run meaningful for lightkube and rich, whose
other users are the cluster tests and a terminal. (lightkube 0.15 to 0.18, which the old
floor allowed, lack ``ConnectionParams``: every cluster command ended in an internal error.)
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
import yaml

from tests.unit.helpers import run_cli

CaptureFixture = pytest.CaptureFixture[str]


def _dead_kubeconfig(tmp_path: Path) -> Path:
    """A kubeconfig whose API server does not exist (port 1 refuses connections)."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "ns"}}],
        "current-context": "x",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize("command", [["status", "rel"], ["list"], ["history", "rel"]])
def test_cluster_commands_reach_the_network_and_explain_failure(
    tmp_path: Path, capsys: CaptureFixture, command: list[str]
) -> None:
    kubeconfig = _dead_kubeconfig(tmp_path)
    code, _, err = run_cli([*command, "--kubeconfig", str(kubeconfig)], capsys)
    assert code == 1, err
    assert "cannot reach the Kubernetes API server at https://127.0.0.1:1" in err
    assert "internal error" not in err


def test_generic_resource_classes_hold_plain_objects() -> None:
    from modelservice.cluster.client import ResourceType, _as_dict, _generic_class

    deployment = _generic_class(ResourceType("apps/v1", "Deployment", "deployments", True))
    namespace = _generic_class(ResourceType("v1", "Namespace", "namespaces", False))
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {}}
    assert _as_dict(deployment(obj)) == obj
    assert (
        _as_dict(namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {}}))["kind"]
        == "Namespace"
    )


def test_live_progress_table_draws_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from modelservice.cli.cluster_cmds import _Progress
    from modelservice.cluster.wait import Readiness

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    progress = _Progress()
    assert progress.tty
    progress([Readiness("Deployment", "d", False, "0/1 pods")])
    progress([Readiness("Deployment", "d", True, "1/1 pods")])
    progress.close()
    assert "Deployment/d" in screen.getvalue() and "1/1 pods" in screen.getvalue()
