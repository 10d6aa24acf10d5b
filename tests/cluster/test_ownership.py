"""Issue 13's findings on the lifecycle side, replayed against the real API server:

- finding 2: the CLI overwrote an unowned ConfigMap and another release's ConfigMap, and
  ``uninstall`` deleted them (Helm refuses: "exists and cannot be imported into the current
  release"); a release over operator-owned objects: tests/operator/test_security.py;
- finding 3: one malformed release record anywhere broke ``list -A`` for everyone; a gzip
  bomb record and an alias-bomb manifest exhausted time and memory;
- finding 4: ``diff`` printed Secret data in clear;
- finding 5: a caller's short ``--timeout`` took over the lock of a running upgrade, and
  both recorded ``deployed``;
- issue 11, bug 6: a release whose only revision failed could be neither installed nor
  upgraded.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.cluster.test_lifecycle import cli, release
from tests.operator.test_operator import light_spec

import modelservice

pytestmark = pytest.mark.cluster


def light(**extra: Any) -> dict[str, Any]:
    return {**light_spec(), **extra}


def values_file(tmp_path: Path, values: dict[str, Any], name: str = "v.yaml") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(values))
    return str(path)


def cm(name: str, data: str = "ours") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": {"owner": data}}  # fmt: skip


# ---------------------------------------------------------------- finding 2


def test_install_refuses_unowned_and_other_releases_objects(
    cluster: Any, namespace: str, tmp_path: Path
) -> None:
    admin = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    admin.create(cm("handmade", "someone"))
    other = release(cluster, "other", namespace)
    other.install(light(extraObjects=[cm("theirs", "other")]))
    mine = values_file(tmp_path, light(extraObjects=[cm("handmade"), cm("theirs")]))

    proc = cli(cluster.kubeconfig, "install", "mine", "-n", namespace, "-f", mine)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert (
        f'ConfigMap "handmade" in namespace "{namespace}" exists and cannot be imported into '
        "the current release: invalid ownership metadata; label validation error: missing key "
        '"app.kubernetes.io/managed-by": must be set to "Helm"' in proc.stderr
    ), proc.stderr
    assert (
        'annotation validation error: key "meta.helm.sh/release-name" must equal "mine": '
        'current value is "other"' in proc.stderr
    ), proc.stderr
    assert "--take-ownership" in proc.stderr
    assert release(cluster, "mine", namespace).history() == []
    live = admin.get("v1", "ConfigMap", "handmade", namespace)
    assert live is not None and live["data"] == {"owner": "someone"}

    # the other release's object stays its own; with --take-ownership, the hand-made one
    # is adopted (Helm 4's flag)
    mine_only = values_file(tmp_path, light(extraObjects=[cm("handmade")]), "only.yaml")
    proc = cli(cluster.kubeconfig, "install", "mine", "-n", namespace, "-f", mine_only,
               "--take-ownership")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    adopted = admin.get("v1", "ConfigMap", "handmade", namespace)
    assert adopted is not None and adopted["data"] == {"owner": "ours"}
    ann = adopted["metadata"]["annotations"]
    assert ann["meta.helm.sh/release-name"] == "mine"
    theirs = admin.get("v1", "ConfigMap", "theirs", namespace)
    assert theirs is not None and theirs["data"] == {"owner": "other"}


def test_uninstall_deletes_only_what_still_names_the_release(
    cluster: Any, namespace: str, tmp_path: Path
) -> None:
    admin = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    rel = release(cluster, "mine", namespace)
    rel.install(light(extraObjects=[cm("a"), cm("b")]))
    # release "other" takes ConfigMap b over (as helm --take-ownership would)
    other = release(cluster, "other", namespace)
    other.install(light(extraObjects=[cm("b", "other")]), take_ownership=True)
    proc = cli(cluster.kubeconfig, "uninstall", "mine", "-n", namespace)
    assert proc.returncode == 0, proc.stderr
    assert "not owned by this release: ConfigMap/b" in proc.stderr
    assert admin.get("v1", "ConfigMap", "a", namespace) is None
    b = admin.get("v1", "ConfigMap", "b", namespace)
    assert b is not None and b["metadata"]["annotations"]["meta.helm.sh/release-name"] == "other"


# ---------------------------------------------------------------- finding 3


def _record_secret(name: str, payload: bytes, version: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v{version}",
            "labels": {
                "name": name,
                "owner": "helm",
                "status": "deployed",
                "version": str(version),
            },
        },
        "data": {"release": base64.b64encode(base64.b64encode(payload)).decode()},
    }


def test_bad_records_are_skipped_with_a_warning(
    cluster: Any, namespace: str, tmp_path: Path
) -> None:
    admin = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    release(cluster, "fine", namespace).install(light())
    admin.create(_record_secret("broken", gzip.compress(b"[]")))
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), 9)
    admin.create(_record_secret("bomb", bomb))
    listed = cli(cluster.kubeconfig, "list", "-A")
    assert listed.returncode == 0, listed.stderr
    assert any(line.startswith("fine ") for line in listed.stdout.splitlines())
    assert (
        f"skipped the release record {namespace}/sh.helm.release.v1.broken.v1: the release "
        "JSON is not an object" in listed.stderr
    )
    assert "sh.helm.release.v1.bomb.v1: the release decompresses to more than 32 MiB" in (
        listed.stderr
    )
    status = cli(cluster.kubeconfig, "status", "bomb", "-n", namespace)
    assert status.returncode == 1 and "release 'bomb' not found" in status.stderr
    assert "Traceback" not in status.stderr + listed.stderr


def test_rollback_to_an_alias_bomb_manifest_is_refused(cluster: Any, namespace: str) -> None:
    rel = release(cluster, "ab", namespace)
    rel.install(light())
    admin = modelservice.Cluster(kubeconfig=cluster.kubeconfig, namespace=namespace)
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    manifest = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n" + "\n".join(
        "  " + line for line in lines
    )
    doc = {"name": "ab", "namespace": namespace, "version": 2, "manifest": manifest,
           "info": {"status": "superseded"}, "config": {}}  # fmt: skip
    admin.create(_record_secret("ab", gzip.compress(json.dumps(doc).encode()), 2))
    proc = cli(cluster.kubeconfig, "rollback", "ab", "2", "-n", namespace, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "revision 2 of release 'ab' has a manifest that cannot be read" in proc.stderr
    assert "expands to more than" in proc.stderr and "Traceback" not in proc.stderr
    assert [r.status for r in rel.history()] == ["deployed", "superseded"]


# ---------------------------------------------------------------- finding 4


def test_diff_masks_secret_values(cluster: Any, namespace: str, tmp_path: Path) -> None:
    def with_secret(token: str) -> str:
        secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"},
                  "stringData": {"token": token, "user": "admin"}}  # fmt: skip
        return values_file(tmp_path, light(extraObjects=[secret]), f"{token}.yaml")

    proc = cli(cluster.kubeconfig, "install", "sec", "-n", namespace, "-f", with_secret("s3cr3t"))
    assert proc.returncode == 0, proc.stderr
    changed = cli(cluster.kubeconfig, "diff", "sec", "-n", namespace, "-f", with_secret("n3w"))
    assert changed.returncode == 2, changed.stderr
    for clear in (b"s3cr3t", b"n3w", b"admin"):
        assert clear.decode() not in changed.stdout
        assert base64.b64encode(clear).decode() not in changed.stdout  # as the server stores it
    assert "*** (before)" in changed.stdout and "*** (after)" in changed.stdout
    shown = cli(cluster.kubeconfig, "diff", "sec", "-n", namespace, "-f", with_secret("n3w"),
                "--show-secrets")  # fmt: skip
    assert shown.returncode == 2 and base64.b64encode(b"n3w").decode() in shown.stdout


# ---------------------------------------------------------------- finding 5


def test_a_short_timeout_cannot_take_over_a_running_upgrade(
    cluster: Any, namespace: str, tmp_path: Path
) -> None:
    rel = release(cluster, "lock", namespace)
    rel.install(light())
    stuck = light()
    stuck["decode"]["nodeSelector"] = {"example.com/none": "true"}  # never ready
    env = {**os.environ, "KUBECONFIG": cluster.kubeconfig, "NO_COLOR": "1"}
    holder = subprocess.Popen(
        [sys.executable, "-m", "modelservice.cli.main", "upgrade", "lock", "-n", namespace,
         "-f", values_file(tmp_path, stuck, "stuck.yaml"), "--wait", "--timeout", "20s"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while [r.status for r in rel.history()][-1:] != ["pending-upgrade"]:
            assert time.monotonic() < deadline, "the holder never took the lock"
            time.sleep(0.1)
        time.sleep(1.5)
        taker = cli(cluster.kubeconfig, "upgrade", "lock", "-n", namespace,
                    "-f", values_file(tmp_path, light()), "--force", "--timeout", "1s")  # fmt: skip
        assert taker.returncode == 1, taker.stdout
        assert "is locked" in taker.stderr and "once its deadline has passed" in taker.stderr
    finally:
        _out, err = holder.communicate(timeout=120)
    assert holder.returncode == 1 and "timed out after 20s" in err, err
    statuses = [r.status for r in rel.history()]
    assert statuses == ["deployed", "failed"], statuses
    assert statuses.count("deployed") == 1


def test_record_writes_are_compare_and_swap(cluster: Any, namespace: str) -> None:
    from modelservice.cluster.errors import Conflict
    from modelservice.cluster.storage import SecretDriver

    rel = release(cluster, "cas", namespace)
    rel.install(light())
    driver = SecretDriver(rel.cluster)
    first = driver.history("cas", namespace)[0][0]
    second = driver.history("cas", namespace)[0][0]
    first.description = "first writer"
    driver.update(first)
    second.description = "second writer"
    with pytest.raises(Conflict):
        driver.update(second)
    assert rel.history()[0].description == "first writer"


# ---------------------------------------------------------------- issue 11, bug 6


def test_a_failed_first_install_can_be_upgraded(
    cluster: Any, namespace: str, tmp_path: Path
) -> None:
    bad = light()
    bad["decode"]["podLabels"] = {"team": "x" * 70}  # passes our schema, not the API server
    proc = cli(cluster.kubeconfig, "install", "q", "-n", namespace,
               "-f", values_file(tmp_path, bad, "bad.yaml"))  # fmt: skip
    assert proc.returncode == 1 and "rejected" in proc.stderr
    rel = release(cluster, "q", namespace)
    assert [(r.version, r.status) for r in rel.history()] == [(1, "failed")]

    good = values_file(tmp_path, light(), "good.yaml")
    again = cli(cluster.kubeconfig, "install", "q", "-n", namespace, "-f", good)
    assert again.returncode == 1
    assert "already exists" in again.stderr and "(revision 1, failed)" in again.stderr
    assert "'modelservice upgrade' installs over it" in again.stderr

    up = cli(cluster.kubeconfig, "upgrade", "q", "-n", namespace, "-f", good)
    assert up.returncode == 0, up.stderr
    assert (
        "release 'q' has no deployed revision: revision 1 failed. Upgrading over it: revision 2 "
        "applies the new values" in up.stderr
    )
    assert [(r.version, r.status) for r in rel.history()] == [(1, "superseded"), (2, "deployed")]
    assert rel.status().ready
