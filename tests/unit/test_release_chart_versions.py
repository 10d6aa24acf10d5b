"""Chart versions in a release's life, without a cluster: what a revision records about the
chart it was rendered from, which version an upgrade or a diff renders (the recorded one, or
a switch that is announced), records of other charts refused, rollbacks recorded with their
revision's chart, and Helm hooks (the HTTPRoute of the 0.2.x charts) kept out of the
manifest and run as Helm runs them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelservice.charts.defaults import defaults
from modelservice.charts.versions import MODE_ANNOTATION, resolve
from modelservice.cluster.errors import ChartMismatch, OwnershipConflict, ReleaseError
from modelservice.cluster.records import Record
from modelservice.cluster.release import parse_manifest
from modelservice.pipeline import render_release
from modelservice.values.layering import default_values, load_values
from tests.unit.test_operator_unit import LIGHT
from tests.unit.test_release import NS, Env

VERSIONS = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "versions"
V049 = VERSIONS / "v0.4.9-gen0" / "values.yaml"
V0216 = VERSIONS / "v0.2.16-example-cpu" / "values.yaml"
ROUTE = "rel-llm-d-modelservice"


def latest(env: Env, name: str = "rel") -> Record:
    return env.release(name).history()[-1]


def values_of(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def decode_chart_label(env: Env, name: str = "rel") -> str:
    deploy = env.cluster.find("Deployment", f"{name}-llm-d-modelservice-decode")
    assert deploy is not None
    return str(deploy["metadata"]["labels"]["helm.sh/chart"])


def helm_record(chart_version: str, values: dict[str, Any], **meta: Any) -> Record:
    """Revision 1 as `helm install` writes it with the upstream chart at ``chart_version``:
    the chart's metadata without this tool's annotation."""
    rendered = render_release(values, release="rel", namespace=NS, chart_version=chart_version)
    from modelservice.cluster.apply import HelmOwner

    owner = HelmOwner("rel", NS)
    manifest = yaml.safe_dump_all([owner.mark(o) for o in rendered.objects])
    record = Record("rel", NS, 1, "deployed", manifest, values, description="Install complete")
    chart = resolve(chart_version)
    record.extra["chart"] = {
        "metadata": {
            "apiVersion": "v2",
            "name": meta.get("name", "llm-d-modelservice"),
            "version": meta.get("version", chart.chart_version),
            "appVersion": chart.app_version,
        },
        "values": defaults(chart),
    }
    return Record.from_json(record.to_json(), NS)


# ---------------------------------------------------------------- what a revision records


def test_install_at_a_version_records_it_as_helm_does() -> None:
    env = Env()
    rec = env.release().install(values_of(V049), chart_version="0.4.9")
    stored = latest(env)
    for r in (rec, stored):
        assert (r.chart_name, r.chart_version, r.app_version) == (
            "llm-d-modelservice",
            "v0.4.9",
            "v0.4.0",
        )
        assert MODE_ANNOTATION not in r.chart_annotations
    chart = stored.to_json()["chart"]
    assert "annotations" not in chart["metadata"]
    # helm get values --all and helm upgrade --reuse-values read the chart's own defaults
    assert chart["values"] == defaults(resolve("0.4.9"))
    assert decode_chart_label(env) == "llm-d-modelservice-v0.4.9"
    assert stored.config == values_of(V049)  # the user's values only, as Helm's config


def test_values_loaded_for_a_version_install_as_that_version() -> None:
    env = Env()
    env.release().install(load_values(files=[V049], chart_version="0.4"))
    assert latest(env).chart_version == "v0.4.12"


def test_default_mode_records_are_marked_apart_from_the_upstream_0_0_9() -> None:
    env = Env()
    env.release().install(LIGHT)
    stored = latest(env)
    assert (stored.chart_name, stored.chart_version) == ("llm-d-modelservice", "0.0.9")
    meta = stored.to_json()["chart"]["metadata"]
    assert meta["annotations"] == {MODE_ANNOTATION: "default"}
    assert stored.to_json()["chart"]["values"] == default_values()
    again = Record.from_secret(stored.to_secret())
    assert again.chart_annotations == {MODE_ANNOTATION: "default"}


# ---------------------------------------------------------------- which version renders


def test_upgrade_and_diff_without_a_version_render_the_recorded_one() -> None:
    env = Env()
    rel = env.release()
    rel.install(values_of(V049), chart_version="0.4.9")
    env.notices.clear()
    diffs = rel.diff(values_of(V049))
    assert diffs and {d.action for d in diffs} == {"unchanged"}
    assert env.notices == [
        "rendering as chart llm-d-modelservice v0.4.9, as recorded in revision 1"
    ]
    bigger = copy.deepcopy(values_of(V049))
    bigger["decode"]["replicas"] = 5
    rec = rel.upgrade(bigger)
    assert rec.chart_version == "v0.4.9" and decode_chart_label(env) == "llm-d-modelservice-v0.4.9"
    deploy = env.cluster.find("Deployment", "rel-llm-d-modelservice-decode")
    assert deploy is not None and deploy["spec"]["replicas"] == 5
    assert env.notices[-1] == (
        "upgrading as chart llm-d-modelservice v0.4.9, as recorded in revision 1"
    )


def test_a_helm_release_of_the_upstream_0_0_9_is_upgraded_as_that_chart() -> None:
    """Helm's record of 0.0.9 carries no default-mode mark: it is the upstream chart, whose
    output differs from the default mode's, and the release keeps rendering as it."""
    env = Env()
    values = copy.deepcopy(LIGHT)
    values["decode"]["containers"][0]["mountModelVolume"] = True  # 0.0.9 needs it or an env
    env.driver.create(helm_record("0.0.9", values))
    upstream = render_release(values, release="rel", namespace=NS, chart_version="0.0.9")
    default = render_release(values, release="rel", namespace=NS)
    assert upstream.objects != default.objects  # the two renderings can be told apart
    rel = env.release()
    assert {d.action for d in rel.diff(values)} == {"create"}  # nothing live in memory
    rec = rel.upgrade(values)
    assert (rec.chart_version, rec.chart_annotations) == ("0.0.9", {})
    from modelservice.cluster.apply import HelmOwner

    owner = HelmOwner("rel", NS)
    assert parse_manifest(rec.manifest) == [owner.mark(o) for o in upstream.objects]


def test_a_version_asked_for_switches_the_release_and_says_so() -> None:
    env = Env()
    rel = env.release()
    rel.install(values_of(V049), chart_version="0.4.9")
    rec = rel.upgrade(values_of(V049), chart_version="0.4.12")
    assert rec.chart_version == "v0.4.12"
    assert env.notices[-1] == (
        "upgrading as chart llm-d-modelservice v0.4.12: switching from chart "
        "llm-d-modelservice v0.4.9 (revision 1)"
    )
    rec = rel.upgrade(LIGHT, chart_version="default")
    assert rec.chart_annotations == {MODE_ANNOTATION: "default"}
    assert env.notices[-1].startswith("upgrading as modelservice's default mode (chart 0.0.9")
    assert env.notices[-1].endswith("switching from chart llm-d-modelservice v0.4.12 (revision 2)")
    env.notices.clear()
    rel.upgrade(LIGHT)  # the default mode, recorded: nothing to say
    assert env.notices == []


def test_a_release_of_another_chart_is_refused() -> None:
    env = Env()
    env.driver.create(helm_record("0.4.9", values_of(V049), name="tiny", version="1.2.3"))
    rel = env.release()
    for call in (
        lambda: rel.upgrade(LIGHT),
        lambda: rel.upgrade(LIGHT, chart_version="0.4.9"),
        lambda: rel.diff(LIGHT),
    ):
        with pytest.raises(ChartMismatch) as err:
            call()
        assert "release 'rel' was made from chart 'tiny' version '1.2.3' (revision 1), not " in (
            err.value.describe(cli=True)
        )
    assert env.cluster.objects == {}


def test_a_version_this_tool_does_not_know_needs_one_named() -> None:
    env = Env()
    env.driver.create(helm_record("0.4.12", values_of(V049), version="v0.4.99"))
    rel = env.release()
    with pytest.raises(ReleaseError) as err:
        rel.upgrade(values_of(V049))
    text = err.value.describe(cli=True)
    assert "revision 1 of release 'rel' was rendered from chart llm-d-modelservice v0.4.99" in text
    assert "newer than 0.4.12" in text and text.endswith("--chart-version")
    rec = rel.upgrade(values_of(V049), chart_version="0.4.12")
    assert rec.chart_version == "v0.4.12"
    assert env.notices[-1].endswith("switching from chart llm-d-modelservice v0.4.99 (revision 1)")


def test_rollback_records_the_chart_of_the_revision_it_goes_back_to() -> None:
    env = Env()
    rel = env.release()
    rel.install(values_of(V049), chart_version="0.4.9")
    rel.upgrade(LIGHT, chart_version="default")
    rec = rel.rollback(1)
    assert (rec.version, rec.chart_version, rec.chart_annotations) == (3, "v0.4.9", {})
    assert latest(env).to_json()["chart"]["values"] == defaults(resolve("0.4.9"))
    assert decode_chart_label(env) == "llm-d-modelservice-v0.4.9"
    env.notices.clear()
    rel.upgrade(values_of(V049))
    assert env.notices == [
        "upgrading as chart llm-d-modelservice v0.4.9, as recorded in revision 3"
    ]


# ---------------------------------------------------------------- hooks


def test_the_0_2_httproute_is_a_hook_kept_out_of_the_manifest() -> None:
    env = Env()
    rel = env.release()
    rec = rel.install(values_of(V0216), chart_version="0.2.16")
    assert "kind: HTTPRoute" not in rec.manifest
    [hook] = latest(env).hooks
    assert (hook["kind"], hook["name"], hook["events"]) == (
        "HTTPRoute",
        ROUTE,
        ["post-install", "post-upgrade"],
    )
    assert hook["path"] == "llm-d-modelservice/templates/httproute.yaml"
    assert hook["last_run"]["phase"] == "Succeeded"
    route = env.cluster.find("HTTPRoute", ROUTE)
    assert route is not None
    annotations = route["metadata"]["annotations"]
    assert annotations == {"helm.sh/hook": "post-install,post-upgrade"}  # no release marks
    first_uid = route["metadata"]["uid"]

    # an upgrade runs it again: deleted and created (before-hook-creation)
    rel.upgrade(values_of(V0216))
    again = env.cluster.find("HTTPRoute", ROUTE)
    assert again is not None and again["metadata"]["uid"] != first_uid
    assert {d.action for d in rel.diff(values_of(V0216))} == {"unchanged"}

    # uninstall leaves it, as Helm does, and says so
    rel.uninstall()
    assert env.cluster.find("HTTPRoute", ROUTE) is not None
    assert env.cluster.find("Deployment", "rel-llm-d-modelservice-decode") is None
    assert any(f"HTTPRoute/{ROUTE}" in w and "as Helm leaves them" in w for w in env.warnings)


def test_switching_away_from_a_hook_adopts_the_object_it_made() -> None:
    env = Env()
    rel = env.release()
    rel.install(values_of(V0216), chart_version="0.2.16")
    # 0.2.1 to 0.2.16 are the only releases that make the HTTPRoute a hook; the default
    # mode renders it into the manifest, where it is the release's, with its marks
    values = copy.deepcopy(LIGHT)
    values["routing"]["httpRoute"] = {"create": True}
    values["routing"]["inferencePool"] = {"create": True}
    values["routing"]["epp"] = {"create": True}
    rel.upgrade(values, chart_version="default")
    route = env.cluster.find("HTTPRoute", "rel-llm-d-modelservice")
    assert route is not None
    assert route["metadata"]["annotations"]["meta.helm.sh/release-name"] == "rel"


def test_a_hook_over_another_releases_object_is_refused_before_anything_is_written() -> None:
    env = Env()
    env.cluster.put(
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": {
                "name": ROUTE,
                "labels": {"app.kubernetes.io/managed-by": "Helm"},
                "annotations": {
                    "meta.helm.sh/release-name": "other",
                    "meta.helm.sh/release-namespace": NS,
                },
            },
            "spec": {},
        }
    )
    with pytest.raises(OwnershipConflict) as err:
        env.release().install(values_of(V0216), chart_version="0.2.16")
    assert "it belongs to the Helm release 'other'" in err.value.describe(cli=True)
    assert [k.kind for k in env.cluster.objects] == ["HTTPRoute"]
    assert env.release().history() == []


def test_an_unknown_hook_event_is_left_out_as_helm_leaves_it() -> None:
    env = Env()
    values = copy.deepcopy(LIGHT)
    odd = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "odd", "annotations": {"helm.sh/hook": "post-install,whenever"}},
        "data": {"a": "b"},
    }
    values["extraObjects"] = [odd]
    rec = env.release().install(values)
    assert env.cluster.find("ConfigMap", "odd") is None
    assert "name: odd" not in rec.manifest and rec.hooks == []
    assert any("ConfigMap/odd is left out" in w and "'whenever'" in w for w in env.warnings)


def test_hooks_survive_the_record_round_trip() -> None:
    env = Env()
    env.release().install(values_of(V0216), chart_version="0.2.16")
    stored = latest(env)
    again = Record.from_secret(stored.to_secret())
    assert again.hooks == stored.hooks and again.chart_values == stored.chart_values
    empty = Record("x", NS, 1, "deployed", "", {})
    assert "hooks" not in empty.to_json()  # as Helm writes a release without hooks


def test_a_forced_takeover_of_a_dead_install_renders_its_version_and_supersedes_it() -> None:
    """An install at 0.4.9 that died mid-way (its pending revision is the lock): a forced
    upgrade without a version renders 0.4.9 too, and the dead revision ends superseded."""
    env = Env()
    dead = Record("rel", NS, 1, "pending-install", "", values_of(V049), lock_deadline=0.0)
    dead.set_chart(
        {"apiVersion": "v2", "name": "llm-d-modelservice", "version": "v0.4.9"},
        defaults(resolve("0.4.9")),
    )
    env.driver.create(dead)
    rel = env.release()
    with pytest.raises(ReleaseError, match="locked"):
        rel.upgrade(values_of(V049))
    rec = rel.upgrade(values_of(V049), force=True)
    assert (rec.version, rec.chart_version) == (2, "v0.4.9")
    assert [(r.version, r.status) for r in rel.history()] == [(1, "superseded"), (2, "deployed")]


def test_skip_schema_validation_as_helms_flag() -> None:
    """A key the release's schema refuses (here one it dropped in 0.3.0) stops an install
    unless the schema checks are skipped, as with helm's --skip-schema-validation."""
    from modelservice.errors import ValuesError

    env = Env()
    values = values_of(V049)
    values["routing"]["epp"] = {"create": False}
    with pytest.raises(ValuesError) as err:
        env.release().install(values, chart_version="0.4.12")
    assert "routing.epp: unknown key for chart 0.4.12" in str(err.value)
    assert env.release().history() == []
    rec = env.release().install(values, chart_version="0.4.12", skip_schema_validation=True)
    assert rec.status == "deployed"
    assert any(w.startswith("routing.epp:") and "removed in chart 0.3.0" in w for w in env.warnings)


def job_hook(name: str, outcome: str, *policies: str) -> dict[str, Any]:
    """A Job hook that reports ``outcome`` at once (the memory cluster runs no Jobs)."""
    annotations = {"helm.sh/hook": "post-install", "helm.sh/hook-weight": "5"}
    if policies:
        annotations["helm.sh/hook-delete-policy"] = ",".join(policies)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"template": {"spec": {"containers": [], "restartPolicy": "Never"}}},
        "status": {"conditions": [{"type": outcome, "status": "True"}]},
    }


def test_a_job_hook_is_waited_for_and_its_delete_policy_applied() -> None:
    env = Env()
    values = copy.deepcopy(LIGHT)
    values["extraObjects"] = [job_hook("migrate", "Complete", "hook-succeeded")]
    env.release().install(values)
    assert env.cluster.find("Job", "migrate") is None  # deleted once it succeeded
    [hook] = latest(env).hooks
    assert (hook["weight"], hook["delete_policies"], hook["last_run"]["phase"]) == (
        5,
        ["hook-succeeded"],
        "Succeeded",
    )

    failing = Env()
    values["extraObjects"] = [job_hook("migrate", "Failed")]
    with pytest.raises(ReleaseError, match="post-install hook Job/migrate failed"):
        failing.release().install(values)
    [record] = failing.release().history()
    assert record.status == "failed" and record.hooks[0]["last_run"]["phase"] == "Failed"
    assert failing.cluster.find("Job", "migrate") is not None  # kept: no hook-failed policy
