"""The release lifecycle without a cluster: :class:`Release` over the in-memory cluster and
the in-memory record driver. Ownership (Helm's rule, --take-ownership), prune and uninstall
of owned objects only, the resource policy, lock deadlines and compare-and-swap record
writes, history trimming, --atomic undo, recovery from a failed install, records from
untrusted writers, and the requests each command makes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from modelservice.cluster.apply import HelmOwner
from modelservice.cluster.errors import (
    Invalid,
    KindNotServed,
    Locked,
    LockLost,
    OwnershipConflict,
    ReleaseError,
)
from modelservice.cluster.memory import MemoryCluster
from modelservice.cluster.records import Record
from modelservice.cluster.release import Release
from modelservice.cluster.storage import MemoryDriver
from modelservice.errors import Problem
from tests.unit.test_operator_unit import LIGHT

NS = "team-a"


def cm(name: str, **annotations: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if annotations:
        meta["annotations"] = dict(annotations)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"a": "1"}}


def with_extra(*objects: dict[str, Any], replicas: int = 1) -> dict[str, Any]:
    values = copy.deepcopy(LIGHT)
    values["decode"]["replicas"] = replicas
    values["extraObjects"] = list(objects)
    return values


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Env:
    """A memory cluster and record store shared by any number of Release objects."""

    def __init__(self, **cluster: Any) -> None:
        self.cluster = MemoryCluster(NS, **cluster)
        self.driver = MemoryDriver()
        self.clock = Clock()
        self.warnings: list[str] = []
        self.notices: list[str] = []

    def release(self, name: str = "rel") -> Release:
        def warn(problems: list[Problem]) -> None:
            self.warnings += [str(p) for p in problems]

        return Release(
            name,
            namespace=NS,
            cluster=self.cluster,
            driver=self.driver,
            on_warnings=warn,
            on_notice=self.notices.append,
            clock=self.clock,
        )

    def statuses(self, name: str = "rel") -> list[tuple[int, str]]:
        return [(r.version, r.status) for r in self.release(name).history()]


def names(env: Env, kind: str) -> set[str]:
    return {k.name for k in env.cluster.objects if k.kind == kind}


# ---------------------------------------------------------------- install and ownership


def test_install_marks_objects_and_records_revision_1() -> None:
    env = Env()
    rec = env.release().install(LIGHT)
    assert (rec.version, rec.status) == (1, "deployed")
    deploy = env.cluster.find("Deployment", "rel-llm-d-modelservice-decode")
    assert deploy is not None
    assert HelmOwner("rel", NS).conflict(deploy) is None
    # the renderer's own dicts are not shared with the marked copy (selector untouched)
    assert "app.kubernetes.io/managed-by" not in deploy["spec"]["selector"]["matchLabels"]
    assert env.statuses() == [(1, "deployed")]


def test_install_request_count_is_one_read_and_one_apply_per_object() -> None:
    env = Env()
    rel = env.release()
    rel.install(LIGHT)
    objects = [k for k in env.cluster.objects]
    # the namespace check, then per object: the ownership read and the apply
    assert env.cluster.requests == 1 + 2 * len(objects)
    env.cluster.requests = 0
    rel.upgrade(with_extra(replicas=2))
    # known objects need no ownership read: one apply each (+ the namespace check)
    assert env.cluster.requests == 1 + len(objects)


def test_install_refuses_an_unowned_object_with_helms_message() -> None:
    env = Env()
    env.cluster.put({**cm("shared"), "data": {"owner": "someone"}})
    rel = env.release()
    with pytest.raises(OwnershipConflict) as err:
        rel.install(with_extra(cm("shared")))
    text = err.value.describe(cli=True)
    assert (
        'ConfigMap "shared" in namespace "team-a" exists and cannot be imported into the '
        "current release: invalid ownership metadata; label validation error: missing key "
        '"app.kubernetes.io/managed-by": must be set to "Helm"; annotation validation error: '
        'missing key "meta.helm.sh/release-name": must be set to "rel"' in text
    )
    assert "--take-ownership" in text and "take_ownership=True" in str(err.value)
    # nothing written: no record, no object changed
    assert env.statuses() == []
    assert env.cluster.find("ConfigMap", "shared")["data"] == {"owner": "someone"}  # type: ignore[index]
    assert "Deployment" not in {k.kind for k in env.cluster.objects}

    rel.install(with_extra(cm("shared")), take_ownership=True)
    adopted = env.cluster.find("ConfigMap", "shared")
    assert adopted is not None and adopted["data"] == {"a": "1"}
    assert HelmOwner("rel", NS).owns(adopted)


def test_install_refuses_another_releases_object() -> None:
    env = Env()
    env.release("other").install(with_extra(cm("theirs")))
    with pytest.raises(OwnershipConflict, match='current value is "other"'):
        env.release("mine").install(with_extra(cm("theirs")))
    assert env.statuses("mine") == []


def test_upgrade_checks_only_objects_new_to_the_release() -> None:
    env = Env()
    rel = env.release()
    rel.install(LIGHT)
    env.cluster.put(cm("later"))
    with pytest.raises(OwnershipConflict):
        rel.upgrade(with_extra(cm("later")))
    assert env.statuses() == [(1, "deployed")]


# ---------------------------------------------------------------- prune, uninstall, keep


def test_uninstall_deletes_only_what_still_carries_this_releases_marks() -> None:
    env = Env()
    rel = env.release()
    kept = cm("kept", **{"helm.sh/resource-policy": "keep"})
    rel.install(with_extra(cm("mine"), cm("stolen"), kept))
    # someone else's release took "stolen" over meanwhile (helm --take-ownership)
    stolen = env.cluster.find("ConfigMap", "stolen")
    assert stolen is not None
    stolen["metadata"]["annotations"]["meta.helm.sh/release-name"] = "other"
    report = rel.uninstall()
    assert {i.name for i in report.deleted} >= {"mine", "rel-llm-d-modelservice-decode"}
    assert [i.name for i in report.foreign] == ["stolen"]
    assert [i.name for i in report.kept] == ["kept"]
    assert names(env, "ConfigMap") == {"stolen", "kept"}
    assert any("not owned by this release: ConfigMap/stolen" in w for w in env.warnings)
    assert env.statuses() == []


def test_prune_leaves_kept_and_foreign_objects() -> None:
    env = Env()
    rel = env.release()
    rel.install(with_extra(cm("drop"), cm("keep", **{"helm.sh/resource-policy": "keep"}), cm("x")))
    x = env.cluster.find("ConfigMap", "x")
    assert x is not None
    del x["metadata"]["labels"]["app.kubernetes.io/managed-by"]  # no longer Helm's
    rel.upgrade(LIGHT)
    assert names(env, "ConfigMap") == {"keep", "x"}


def test_prune_uses_the_live_objects_uid() -> None:
    """An object deleted and created again by someone else between the read and the
    delete is not deleted (the uid precondition)."""
    env = Env()
    rel = env.release()
    rel.install(with_extra(cm("gone-and-back")))
    live = rel.engine.live(cm("gone-and-back"))
    assert live is not None
    env.cluster.objects.clear()
    env.cluster.put(HelmOwner("rel", NS).mark(cm("gone-and-back")))
    assert rel.engine.delete(cm("gone-and-back"), live=live) == "foreign"
    assert names(env, "ConfigMap") == {"gone-and-back"}


# ---------------------------------------------------------------- locking


def test_lock_holds_until_the_holders_deadline_whatever_the_takers_timeout() -> None:
    """Finding 5: a caller's short --timeout took the lock of a running operation, and
    both recorded 'deployed'."""
    env = Env()
    holder, taker = env.release(), env.release()
    holder.install(LIGHT)
    attempts: list[str] = []

    def in_the_middle(states: Any) -> None:
        if attempts:
            return
        try:
            taker.upgrade(with_extra(replicas=3), force=True, timeout=1)
        except Locked as err:
            attempts.append(f"refused: {err}")
        env.clock.now += 601  # the holder's own deadline (600 s) passes
        taker.upgrade(with_extra(replicas=3), force=True, timeout=1)
        attempts.append("taken")

    with pytest.raises(LockLost, match="was changed by another operation"):
        holder.upgrade(with_extra(replicas=2), wait=True, timeout=600, progress=in_the_middle)
    assert attempts[0].startswith("refused") and "in 600s" in attempts[0]
    assert attempts[1] == "taken"
    assert env.statuses() == [(1, "superseded"), (2, "failed"), (3, "deployed")]
    assert [s for _, s in env.statuses()].count("deployed") == 1
    deploy = env.cluster.find("Deployment", "rel-llm-d-modelservice-decode")
    assert deploy is not None and deploy["spec"]["replicas"] == 3


def test_lock_without_force_is_refused_and_names_the_flag() -> None:
    env = Env()
    env.driver.create(
        Record("rel", NS, 1, "pending-install", "", {}, lock_deadline=env.clock.now + 50)
    )
    with pytest.raises(Locked) as err:
        env.release().upgrade(LIGHT, install=True)
    assert "--force" in err.value.describe(cli=True) and "in 50s" in str(err.value)


def test_concurrent_create_of_the_same_revision_is_refused() -> None:
    env = Env()
    rel = env.release()
    rel.install(LIGHT)
    env.driver.create(Record("rel", NS, 2, "pending-upgrade", "", {}))
    env.driver.delete(Record("rel", NS, 2, "", "", {}))
    first = env.release()
    original = first.driver.create

    def racing_create(record: Record) -> None:
        original(Record("rel", NS, record.version, "pending-upgrade", "", {}))  # the other one
        original(record)

    first.driver.create = racing_create  # type: ignore[method-assign]
    with pytest.raises(Locked, match="created by someone else"):
        first.upgrade(with_extra(replicas=2))


# ---------------------------------------------------------------- history, atomic, recovery


def test_history_is_trimmed_and_keeps_the_deployed_revision() -> None:
    env = Env()
    rel = env.release()
    rel.install(LIGHT)
    for n in range(2, 7):
        rel.upgrade(with_extra(replicas=n), history_max=3)
    assert env.statuses() == [(4, "superseded"), (5, "superseded"), (6, "deployed")]


def test_atomic_upgrade_failure_restores_the_previous_revision() -> None:
    env = Env()
    rel = env.release()
    rel.install(with_extra(cm("v1-only")))
    env.cluster.reject = lambda obj: "too big" if obj["metadata"]["name"] == "bad" else None
    with pytest.raises(ReleaseError, match=r"(?s)too big.*rolled back.*revision 1 is running"):
        rel.upgrade(with_extra(cm("new"), cm("bad"), replicas=4), atomic=True)
    assert env.statuses() == [(1, "deployed"), (2, "failed")]
    assert names(env, "ConfigMap") == {"v1-only"}
    deploy = env.cluster.find("Deployment", "rel-llm-d-modelservice-decode")
    assert deploy is not None and deploy["spec"]["replicas"] == 1


def test_atomic_install_failure_removes_everything() -> None:
    env = Env(reject=lambda obj: "no" if obj["kind"] == "ConfigMap" else None)
    with pytest.raises(ReleaseError, match="the failed install was removed"):
        env.release().install(with_extra(cm("x")), atomic=True)
    assert env.statuses() == [] and env.cluster.objects == {}


def test_failed_first_install_is_upgraded_over_as_helm_4_does() -> None:
    """Issue 11, bug 6: install said 'use upgrade', upgrade said 'use install'."""
    env = Env(reject=lambda obj: "rejected" if obj["metadata"]["name"] == "bad" else None)
    rel = env.release()
    with pytest.raises(Invalid):
        rel.install(with_extra(cm("leftover"), cm("bad")))
    assert env.statuses() == [(1, "failed")]
    assert names(env, "ConfigMap") == {"leftover"}  # applied before the failure

    with pytest.raises(ReleaseError) as err:
        rel.install(LIGHT)
    assert "(revision 1, failed)" in str(err.value)
    assert "'modelservice upgrade' installs over it" in err.value.describe(cli=True)

    env.warnings.clear()
    rec = rel.upgrade(LIGHT)
    assert (rec.version, rec.status, rec.description) == (2, "deployed", "Upgrade complete")
    assert env.statuses() == [(1, "superseded"), (2, "deployed")]  # as Helm 4 records it
    assert env.warnings == [
        "release 'rel' has no deployed revision: revision 1 failed. Upgrading over it: "
        "revision 2 applies the new values, and the objects of revision 1 that they no "
        "longer render are deleted"
    ]
    assert names(env, "ConfigMap") == set()  # revision 1's leftover pruned


def test_upgrade_of_a_missing_release_says_install() -> None:
    env = Env()
    with pytest.raises(ReleaseError) as err:
        env.release().upgrade(LIGHT)
    assert "use 'modelservice install' (or 'modelservice upgrade --install')" in (
        err.value.describe(cli=True)
    )
    assert env.release().upgrade(LIGHT, install=True).status == "deployed"


def test_missing_kind_writes_nothing() -> None:
    env = Env(served=(("v1", "ServiceAccount"), ("apps/v1", "Deployment")))
    with pytest.raises(KindNotServed):
        env.release().install(with_extra(cm("x")))
    assert env.statuses() == [] and env.cluster.objects == {}


# ---------------------------------------------------------------- untrusted records


def _forged(env: Env, *extra: dict[str, Any]) -> None:
    """Revision 2 as someone who can write Secrets in the namespace could write it."""
    rel = env.release()
    rel.install(LIGHT)
    current = rel.history()[-1]
    from modelservice.output.yaml import dump_all

    objects = [HelmOwner("rel", NS).mark(o) for o in extra]
    current.status = "superseded"
    env.driver.update(current)
    env.driver.create(
        Record(
            "rel",
            NS,
            2,
            "deployed",
            current.manifest + dump_all(objects, ["extra-objects.yaml"] * len(objects)),
            {},
        )
    )


def test_foreign_entries_of_a_record_are_left_alone_by_status_and_uninstall() -> None:
    crb = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "admin-for-me"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "cluster-admin"},
        "subjects": [{"kind": "ServiceAccount", "name": "me", "namespace": NS}],
    }  # fmt: skip
    elsewhere = {**cm("x"), "metadata": {"name": "x", "namespace": "kube-system"}}
    env = Env()
    _forged(env, crb, elsewhere)
    env.cluster.namespaces.add("kube-system")
    env.cluster.put(HelmOwner("rel", NS).mark(crb))
    env.cluster.put(HelmOwner("rel", NS).mark(elsewhere))
    rel = env.release()
    with pytest.raises(ReleaseError) as err:
        rel.rollback(2)
    text = err.value.describe(cli=True)
    assert "ClusterRoleBinding/admin-for-me (cluster-scoped)" in text
    assert "ConfigMap/x (namespace kube-system)" in text and "--include-foreign-objects" in text
    report = rel.uninstall()
    assert {i.kind for i in report.deleted} == {"ServiceAccount", "Deployment"}
    assert env.cluster.find("ClusterRoleBinding", "admin-for-me") is not None
    assert env.cluster.find("ConfigMap", "x", "kube-system") is not None
    assert any("left alone: ClusterRoleBinding/admin-for-me" in w for w in env.warnings)


def test_undecodable_records_are_skipped_with_a_warning() -> None:
    env = Env()
    rel = env.release()
    rel.install(LIGHT)
    env.driver.bad[f"{NS}/sh.helm.release.v1.rel.v9"] = "the release is not JSON"
    assert [r.version for r in rel.history()] == [1]
    assert env.warnings[-1] == (
        f"skipped the release record {NS}/sh.helm.release.v1.rel.v9: the release is not JSON"
    )
