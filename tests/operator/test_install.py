"""Finding 8 of issue 13: the README's one-liner ``modelservice operator manifests |
kubectl apply --server-side -f -`` failed on a fresh cluster (``no matches for kind
"ClusterKopfPeering"``: kubectl maps every object before the CRDs it creates are
established). On a fresh cluster of its own, with the real kubectl: the one-liner works in
one go, and the operator then runs with exactly the RBAC it installed (authenticated as
its ServiceAccount) and brings a ModelService to Ready."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import modelservice
from modelservice.operator.crd import API_VERSION, KIND
from modelservice.operator.manifests import DEFAULT_NAMESPACE, NAME
from tests.clusterenv import Cluster, token_kubeconfig
from tests.operator.conftest import Operator, model_service, wait_for
from tests.operator.test_operator import condition, light_spec

pytestmark = pytest.mark.cluster


def test_manifests_apply_in_one_go_on_a_fresh_cluster(
    tmp_path: Path, testenv_tools: Any, helm: Path
) -> None:
    kubectl = helm.parent / "kubectl"
    env = testenv_tools.start(
        tmp_path / "fresh" / "kubeconfig", ["--gpu-nodes", "0", "--cpu-nodes", "1"],
        timeout=600, echo=False,
    )  # fmt: skip
    operator: Operator | None = None
    try:
        run_env = {**os.environ, "KUBECONFIG": env.kubeconfig, "NO_COLOR": "1"}
        printed = subprocess.run(
            [sys.executable, "-m", "modelservice.cli.main", "operator", "manifests",
             "--image", "example.com/modelservice:test"],
            env=run_env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        applied = subprocess.run(
            [str(kubectl), "apply", "--server-side", "-f", "-"],
            input=printed, env=run_env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "no matches for kind" not in applied.stderr
        api = modelservice.Cluster(kubeconfig=env.kubeconfig, namespace="default")
        assert api.get("apps/v1", "Deployment", NAME, DEFAULT_NAMESPACE) is not None

        def established() -> bool:
            live = api.get("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                           "modelservices.llm-d.ai")  # fmt: skip
            conds = {c["type"]: c["status"] for c in ((live or {}).get("status") or {})
                     .get("conditions") or []}  # fmt: skip
            return conds.get("Established") == "True"

        wait_for(established, 60, what="the ModelService CRD Established")
        # the same objects again: the one-liner is idempotent
        again = subprocess.run(
            [str(kubectl), "apply", "--server-side", "-f", "-"],
            input=printed, env=run_env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr

        # the operator, as the ServiceAccount the manifests made, cluster-wide
        fresh = Cluster(kubeconfig=env.kubeconfig, client=testenv_tools.make_client(env.kubeconfig))
        config = token_kubeconfig(fresh, DEFAULT_NAMESPACE, NAME, tmp_path / "op.kubeconfig")
        operator = Operator(config, "", tmp_path).start()
        api.create(model_service("first", "default", light_spec()))

        def ready() -> bool:
            ms = api.get(API_VERSION, KIND, "first", "default")
            return condition(ms, "Ready").get("status") == "True"

        wait_for(ready, 120, what="the first ModelService Ready")
        assert "Traceback" not in operator.log(), operator.log()[-3000:]
    finally:
        if operator is not None:
            if operator.proc is not None and operator.proc.poll() is not None:
                sys.stderr.write(operator.log()[-4000:])
            operator.stop()
        testenv_tools.stop(env)
