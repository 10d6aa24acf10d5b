"""The ModelService operator without a cluster: CRD generation, convert, manifests, status,
the desired-versus-live comparison, and whole reconciles against a fake cluster."""

from __future__ import annotations

import copy
import io
import json
import time
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

import modelservice
from modelservice.cli.main import main
from modelservice.cluster.memory import MemoryCluster
from modelservice.operator import crd as crdmod
from modelservice.operator import reconciler as reconciler_mod
from modelservice.operator.desired import (
    adopt,
    desired_children,
    drift,
    first_difference,
    key_of,
    plan,
    quantity,
)
from modelservice.operator.manifests import cluster_rules, epp_rules, manifests, namespaced_rules
from modelservice.operator.reconciler import Reconciler
from modelservice.operator.status import compute_status, merge_patch, owned_refs
from modelservice.values.schema import values_schema

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CASES = SHARED / "conformance" / "cases"
VALID_CASES = sorted(
    p
    for p in CASES.iterdir()
    if p.is_dir() and "error" not in p.name and (p / "values.yaml").exists()
)


# ---------------------------------------------------------------- helpers


def walk(node: Any, path: str = "") -> Any:
    """(path, schema node) of every schema node of an OpenAPI schema."""
    yield path, node
    for key, sub in (node.get("properties") or {}).items():
        yield from walk(sub, f"{path}.{key}")
    if isinstance(node.get("items"), dict):
        yield from walk(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        yield from walk(node["additionalProperties"], f"{path}.*")


def values_node(path: str) -> dict[str, Any]:
    """The values-schema node at a CRD schema path (refs resolved)."""
    root = values_schema()
    node: dict[str, Any] = root
    for part in [p for p in path.replace("[]", ".[]").split(".") if p]:
        while "$ref" in node:
            node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
        if part == "[]":
            node = node["items"]
        elif part == "*":
            node = node["additionalProperties"]
        else:
            node = node["properties"][part]
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def prune(value: Any, schema: dict[str, Any]) -> Any:
    """What the API server keeps of ``value`` under a structural schema."""
    if schema.get(crdmod.PRESERVE) and not schema.get("properties"):
        return value
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        out = {}
        for k, v in value.items():
            if k in props:
                out[k] = prune(v, props[k])
            elif isinstance(extra, dict):
                out[k] = prune(v, extra)
            elif schema.get(crdmod.PRESERVE):
                out[k] = v
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [prune(v, schema["items"]) for v in value]
    return value


def openapi_to_jsonschema(node: dict[str, Any]) -> dict[str, Any]:
    """Enough of OpenAPI v3 → JSON Schema to type-check documents with jsonschema."""
    out: dict[str, Any] = {}
    if node.get(crdmod.INT_OR_STRING):
        out["type"] = ["integer", "string"]
    elif "type" in node:
        out["type"] = [node["type"], "null"] if node.get("nullable") else node["type"]
    if "properties" in node:
        out["properties"] = {k: openapi_to_jsonschema(v) for k, v in node["properties"].items()}
    if isinstance(node.get("items"), dict):
        out["items"] = openapi_to_jsonschema(node["items"])
    if isinstance(node.get("additionalProperties"), dict):
        out["additionalProperties"] = openapi_to_jsonschema(node["additionalProperties"])
    return out


def parent(spec: dict[str, Any] | None = None, **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": crdmod.API_VERSION,
        "kind": crdmod.KIND,
        "metadata": {
            "name": "llama",
            "namespace": "ns",
            "uid": "uid-1",
            "generation": 1,
            **meta,
        },
        "spec": spec if spec is not None else {},
    }


def make_live(obj: dict[str, Any], **status: Any) -> dict[str, Any]:
    """A live object as the API server would return it: defaults and bookkeeping added."""
    live = copy.deepcopy(obj)
    meta = live["metadata"]
    meta.update(uid=f"uid-{obj['kind']}-{meta['name']}", resourceVersion="1", generation=1)
    meta.setdefault("annotations", {})["deployment.kubernetes.io/revision"] = "1"
    if obj["kind"] == "Deployment":
        live["spec"].setdefault("strategy", {"type": "RollingUpdate"})
        live["spec"]["progressDeadlineSeconds"] = 600
        live["status"] = {"observedGeneration": 1, **status}
    return live


LIGHT = {
    "modelArtifacts": {"uri": "hf://facebook/opt-125m"},
    "routing": {
        "modelName": "facebook/opt-125m",
        "epp": {"create": False},
        "inferencePool": {"create": False},
        "httpRoute": {"create": False},
    },
    "decode": {
        "replicas": 1,
        "containers": [
            {
                "name": "vllm",
                "image": "ghcr.io/llm-d/llm-d-inference-sim:0.0.4",
                "modelCommand": "imageDefault",
                "resources": {"limits": {"cpu": "1000m", "memory": "1Gi"}},
            }
        ],
    },
    "prefill": {"create": False},
}


# ---------------------------------------------------------------- the CRD


def test_spec_schema_is_structural() -> None:
    schema = crdmod.spec_schema()
    text = json.dumps(schema)
    assert "$ref" not in text and "$defs" not in text
    for banned in ("anyOf", "oneOf", "allOf", '"not"', "$schema", "$id", '"title"'):
        assert banned not in text, banned
    for path, node in walk(schema):
        assert "type" in node or node.get(crdmod.INT_OR_STRING) or node.get(crdmod.PRESERVE), path
        assert not isinstance(node.get("type"), list), path
        assert not ("properties" in node and isinstance(node.get("additionalProperties"), dict))
        if node.get(crdmod.INT_OR_STRING):
            assert "type" not in node, path
        if path:
            assert node.get("nullable") is True, path
    assert "nullable" not in schema  # spec itself is not nullable


def test_preserve_unknown_fields_only_on_pass_through_nodes_of_the_values_schema() -> None:
    preserved = []
    for path, node in walk(crdmod.structural(values_schema())):
        if not node.get(crdmod.PRESERVE):
            continue
        preserved.append(path)
        source = values_node(path)
        passes_through = source.get("additionalProperties", True) is True or "type" not in source
        assert passes_through, f"{path} keeps unknown fields but the values schema closes it"
    for path in (
        ".decode.containers[].env[]",
        ".decode.volumes[]",
        ".decode.affinity",
        ".extraObjects[]",
        ".decode.containers[].env[].valueFrom",
    ):
        assert path in preserved, path
    for path in (".decode", ".decode.containers[]", ".routing", ".routing.epp", ""):
        assert path not in preserved, path


def test_the_spec_keeps_unknown_keys_for_other_chart_versions() -> None:
    """Every object of the spec keeps keys the default mode's schema does not name: a spec
    at another chart version has its own (the controller checks keys, per version)."""
    schema = crdmod.spec_schema()
    for path, node in walk(schema):
        if node.get("type") == "object" and not isinstance(node.get("additionalProperties"), dict):
            assert node.get(crdmod.PRESERVE) is True, path
    field = schema["properties"][crdmod.CHART_VERSION_FIELD]
    assert field["type"] == "string" and field["nullable"] is True
    columns = {c["name"]: c for c in crdmod.PRINTER_COLUMNS}
    assert columns["Chart"]["jsonPath"] == ".spec.chartVersion"


def test_quantities_are_int_or_string_and_maps_stay_maps() -> None:
    schema = crdmod.spec_schema()
    limits = schema["properties"]["decode"]["properties"]["containers"]["items"]["properties"][
        "resources"
    ]["properties"]["limits"]
    assert limits["type"] == "object"
    assert limits["additionalProperties"][crdmod.INT_OR_STRING] is True
    size = schema["properties"]["modelArtifacts"]["properties"]["size"]
    assert size[crdmod.INT_OR_STRING] is True and "type" not in size
    node_selector = schema["properties"]["decode"]["properties"]["nodeSelector"]
    assert node_selector["additionalProperties"]["type"] == "string"


def test_validation_keywords_are_left_to_the_controller_unless_asked() -> None:
    loose = json.dumps(crdmod.spec_schema())
    assert '"enum"' not in loose and '"minimum"' not in loose and '"required"' not in loose
    strict = crdmod.spec_schema(validation=True)
    command = strict["properties"]["decode"]["properties"]["containers"]["items"]["properties"][
        "modelCommand"
    ]
    assert command["enum"] == ["vllmServe", "imageDefault", "custom"]


def test_crd_shape_and_kubernetes_validation() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    doc = crdmod.crd()
    kubernetes_validate.validate(doc, "1.34", strict=True)
    spec = doc["spec"]
    assert doc["metadata"]["name"] == "modelservices.llm-d.ai"
    assert spec["scope"] == "Namespaced" and spec["names"]["shortNames"] == ["ms"]
    version = spec["versions"][0]
    assert version["name"] == "v1alpha1" and version["subresources"] == {"status": {}}
    columns = {c["name"]: c["jsonPath"] for c in version["additionalPrinterColumns"]}
    assert columns["Decode"] == ".status.decode.ready"
    assert columns["Prefill"] == ".status.prefill.ready"
    assert "Ready" in columns["Ready"] and columns["Age"] == ".metadata.creationTimestamp"
    status = version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    assert {"observedGeneration", "conditions", "decode", "prefill", "owned", "model"} <= set(
        status
    )


@pytest.mark.parametrize("case", VALID_CASES, ids=lambda p: p.name)
def test_crd_keeps_and_accepts_every_valid_values_file(case: Path) -> None:
    """The API server would neither drop (prune) nor refuse any key of a valid values file."""
    jsonschema = pytest.importorskip("jsonschema")
    values = yaml.safe_load((case / "values.yaml").read_text()) or {}
    spec = crdmod.custom_resource("x", values)["spec"]
    schema = crdmod.spec_schema()
    assert prune(spec, schema) == spec
    jsonschema.validate(spec, openapi_to_jsonschema(schema))
    # and the controller renders the same objects from the normalised spec
    assert modelservice.render(spec, release="x") == modelservice.render(values, release="x")


VERSION_CASES = sorted(p for p in (SHARED / "conformance" / "versions").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", VERSION_CASES, ids=lambda p: p.name)
def test_crd_keeps_and_accepts_the_values_of_every_chart_version(case: Path) -> None:
    """A ModelService naming an upstream release keeps every key of that release's values
    (none pruned, none refused), and renders as that release."""
    jsonschema = pytest.importorskip("jsonschema")
    chart_version = str(yaml.safe_load((case / "case.yaml").read_text())["chartVersion"])
    values = yaml.safe_load((case / "values.yaml").read_text()) or {}
    spec = crdmod.custom_resource("x", values, chart_version=chart_version)["spec"]
    schema = crdmod.spec_schema()
    assert prune(spec, schema) == spec
    jsonschema.validate(spec, openapi_to_jsonschema(schema))
    assert spec.pop(crdmod.CHART_VERSION_FIELD) == chart_version
    assert modelservice.render(spec, release="x", chart_version=chart_version) == (
        modelservice.render(values, release="x", chart_version=chart_version)
    )


def test_desired_children_at_a_chart_version() -> None:
    values = yaml.safe_load((SHARED / "conformance" / "versions" / "v0.4.9-gen0" /
                             "values.yaml").read_text())  # fmt: skip
    values["modelArtifacts"]["labels"] = {"team": "a"}  # a 0.3.0+ key the default mode lacks
    desired = desired_children(parent({"chartVersion": "0.4.9", **values}))
    assert desired.error is None, desired.error
    expected = modelservice.render(values, release="llama", namespace="ns", chart_version="0.4.9")
    assert [adopt(o, parent({})) for o in expected] == desired.objects
    deploy = next(o for o in desired.objects if o["kind"] == "Deployment")
    assert deploy["metadata"]["labels"]["helm.sh/chart"] == "llm-d-modelservice-v0.4.9"
    assert deploy["spec"]["template"]["metadata"]["labels"]["team"] == "a"
    # the default mode does not know the key: the same spec without a version is invalid
    invalid = desired_children(parent(values))
    assert invalid.error is not None and "modelArtifacts.labels" in str(invalid.error)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0.0.5", "chartVersion: chart version '0.0.5' predates 0.0.9"),
        ("0.2.2", "chartVersion: chart version '0.2.2' was never released upstream"),
        ("0.4.99", "chartVersion: chart version '0.4.99' is newer than 0.4.12"),
        (4, "chartVersion: must be an upstream chart release such as 0.4.9"),
    ],
)
def test_a_bad_chart_version_is_an_invalid_spec(value: Any, message: str) -> None:
    desired = desired_children(parent({"chartVersion": value, **LIGHT}))
    assert desired.reason == "InvalidSpec" and desired.objects == []
    assert str(desired.error).startswith(message), str(desired.error)


def test_convert_names_the_chart_version(tmp_path: Path) -> None:
    values = SHARED / "conformance" / "versions" / "v0.4.9-gen0" / "values.yaml"
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["operator", "convert", "-f", str(values), "--name", "x", "--chart-version",
                     "0.4"])  # fmt: skip
    assert code == 0
    doc = yaml.safe_load(out.getvalue())
    assert doc["spec"]["chartVersion"] == "0.4.12"  # pinned: what is rendered
    assert {k: v for k, v in doc["spec"].items() if k != "chartVersion"} == yaml.safe_load(
        values.read_text()
    )


def test_normalize_spec_writes_fractional_quantities_as_strings() -> None:
    spec = crdmod.normalize_spec(
        {"decode": {"containers": [{"resources": {"limits": {"cpu": 0.5, "x": 2.0, "m": 3}}}]}}
    )
    assert spec["decode"]["containers"][0]["resources"]["limits"] == {
        "cpu": "0.5",
        "x": "2",
        "m": 3,
    }


# ---------------------------------------------------------------- convert and manifests


def run_cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue()


def test_convert_puts_only_the_user_values_into_spec(tmp_path: Path) -> None:
    values = tmp_path / "v.yaml"
    values.write_text(yaml.safe_dump(LIGHT))
    code, out = run_cli(
        "operator", "convert", "-f", str(values), "--name", "llama", "-n", "llm-d",
        "--set", "decode.replicas=3",
    )  # fmt: skip
    assert code == 0
    doc = yaml.safe_load(out)
    assert doc["apiVersion"] == "llm-d.ai/v1alpha1" and doc["kind"] == "ModelService"
    assert doc["metadata"] == {"name": "llama", "namespace": "llm-d"}
    expected = copy.deepcopy(LIGHT)
    expected["decode"]["replicas"] = 3
    assert doc["spec"] == expected  # no defaults copied in


def test_convert_refuses_invalid_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    values = CASES / "error-bad-model-command" / "values.yaml"
    code, out = run_cli("operator", "convert", "-f", str(values), "--name", "x")
    assert code == 1 and out == ""
    assert "modelCommand" in capsys.readouterr().err


def test_manifests_objects_and_image() -> None:
    code, out = run_cli("operator", "manifests", "--image", "example.com/ms:1", "-n", "ops")
    assert code == 0
    docs = [d for d in yaml.safe_load_all(out) if d]
    kinds = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert ("CustomResourceDefinition", "modelservices.llm-d.ai") in kinds
    assert ("CustomResourceDefinition", "kopfpeerings.kopf.dev") in kinds
    # no custom resources: kubectl maps every kind before the CRDs are established
    assert {d["apiVersion"].partition("/")[0] for d in docs} <= {
        "apiextensions.k8s.io", "v1", "rbac.authorization.k8s.io", "apps"
    }  # fmt: skip
    deploy = next(d for d in docs if d["kind"] == "Deployment")
    assert deploy["metadata"]["namespace"] == "ops"
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "example.com/ms:1"
    assert "--all-namespaces" in container["args"] and "--peering" in container["args"]
    sa = next(d for d in docs if d["kind"] == "ServiceAccount")
    assert deploy["spec"]["template"]["spec"]["serviceAccountName"] == sa["metadata"]["name"]


def test_manifests_watch_namespace_uses_roles() -> None:
    _code, out = run_cli(
        "operator", "manifests", "--watch-namespace", "a", "--watch-namespace", "b"
    )
    docs = [d for d in yaml.safe_load_all(out) if d]
    roles = [d for d in docs if d["kind"] == "Role"]
    assert sorted(r["metadata"]["namespace"] for r in roles) == ["a", "b"]
    # nothing cluster-wide: the operator does not observe namespaces or CRDs then
    assert not [d for d in docs if d["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    rules = roles[0]["rules"]
    assert {"apiGroups": ["kopf.dev"], "resources": ["kopfpeerings"],
            "verbs": ["get", "list", "watch", "patch", "create"]} in rules  # fmt: skip
    deploy = next(d for d in docs if d["kind"] == "Deployment")
    args = deploy["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args.count("--namespace") == 2 and "--all-namespaces" not in args


def test_manifests_namespace_scoped_holds_only_namespaced_objects() -> None:
    code, out = run_cli(
        "operator", "manifests", "-n", "team-a", "--watch-namespace", "team-a",
        "--namespace-scoped", "--allow", "secret=hf-token",
    )  # fmt: skip
    assert code == 0
    docs = [d for d in yaml.safe_load_all(out) if d]
    assert [d["kind"] for d in docs] == ["ServiceAccount", "Role", "RoleBinding", "Deployment"]
    assert {d["metadata"]["namespace"] for d in docs} == {"team-a"}
    args = docs[-1]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--allow=secret=hf-token" in args
    code, _ = run_cli("operator", "manifests", "--namespace-scoped")
    assert code == 1
    code, _ = run_cli("operator", "manifests", "--allow", "everything")
    assert code == 1


def test_rbac_is_least_privilege() -> None:
    for rules in (namespaced_rules(), cluster_rules(clusterwide=True)):
        for rule in rules:
            assert "*" not in rule["verbs"] and "*" not in rule["resources"], rule
            assert "*" not in rule["apiGroups"], rule
            assert not {"escalate", "bind", "impersonate"} & set(rule["verbs"]), rule
            # ConfigMaps are granted: v1 pools render the endpoint picker's configuration
            # as one. Secrets never are.
            assert not {"secrets", "clusterroles", "clusterrolebindings"} & set(
                rule["resources"]
            ), rule
    granted = {
        (g, r, v) for rule in namespaced_rules() for g in rule["apiGroups"]
        for r in rule["resources"] for v in rule["verbs"]
    }  # fmt: skip
    # the endpoint picker's Role can be created only by someone holding its permissions
    for rule in epp_rules():
        for g in rule["apiGroups"]:
            for r in rule["resources"]:
                for v in rule["verbs"]:
                    assert (g, r, v) in granted, (g, r, v)
    assert ("apps", "deployments", "delete") in granted
    assert ("llm-d.ai", "modelservices/status", "patch") in granted
    assert ("llm-d.ai", "modelservices/finalizers", "update") in granted
    assert ("llm-d.ai", "modelservices", "delete") not in granted
    assert ("", "pods", "delete") not in granted
    assert ("", "configmaps", "create") in granted


def test_manifests_validate_as_kubernetes_objects() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for doc in manifests(watch_namespaces=["a"]):
        if doc["apiVersion"].startswith("kopf.dev"):
            continue
        kubernetes_validate.validate(doc, "1.34", strict=True)


# ---------------------------------------------------------------- desired objects


def test_desired_children_are_owned_labelled_and_hashed() -> None:
    desired = desired_children(parent({}))
    assert desired.error is None
    rendered = modelservice.render({}, release="llama", namespace="ns")
    assert [key_of(o) for o in desired.objects] == [key_of(o, "ns") for o in rendered]
    for obj, plain in zip(desired.objects, rendered, strict=True):
        meta = obj["metadata"]
        assert meta["namespace"] == "ns"
        assert meta["labels"][crdmod.OWNER_LABEL] == "llama"
        ref = meta["ownerReferences"][0]
        assert ref["uid"] == "uid-1" and ref["controller"] and ref["blockOwnerDeletion"]
        assert len(meta["annotations"][crdmod.HASH_ANNOTATION]) == 32
        if "app.kubernetes.io/managed-by" in (plain["metadata"].get("labels") or {}):
            assert meta["labels"]["app.kubernetes.io/managed-by"] == crdmod.MANAGED_BY
        # apart from metadata, exactly what `template` renders
        assert {k: v for k, v in obj.items() if k != "metadata"} == {
            k: v for k, v in plain.items() if k != "metadata"
        }
    assert desired.model_name == "random/modelId"


def test_invalid_spec_gives_the_cli_message() -> None:
    values = yaml.safe_load((CASES / "error-bad-model-command" / "values.yaml").read_text())
    desired = desired_children(parent(values))
    assert desired.objects == []
    with pytest.raises(modelservice.ValuesError) as err:
        modelservice.render(values, release="llama", namespace="ns")
    assert str(desired.error) == str(err.value)
    assert "modelCommand" in str(desired.error)


def test_extra_objects_must_stay_in_the_namespace() -> None:
    spec = {
        "extraObjects": [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "x"}},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
             "metadata": {"name": "b"}},
        ]
    }  # fmt: skip
    desired = desired_children(
        parent(spec), cluster_scoped={("rbac.authorization.k8s.io/v1", "ClusterRole")}
    )
    assert desired.error is not None
    text = str(desired.error)
    assert "extraObjects[0]" in text and "extraObjects[1]" in text and "cluster-scoped" in text


def test_hash_changes_with_the_spec_only() -> None:
    a = desired_children(parent(LIGHT)).objects
    b = desired_children(parent(LIGHT)).objects
    assert a == b
    changed = copy.deepcopy(LIGHT)
    changed["decode"]["replicas"] = 2
    c = desired_children(parent(changed)).objects
    ann = crdmod.HASH_ANNOTATION
    deploy = next(o for o in c if o["kind"] == "Deployment")
    old = next(o for o in a if o["kind"] == "Deployment")
    assert deploy["metadata"]["annotations"][ann] != old["metadata"]["annotations"][ann]
    sa_new = next(o for o in c if o["kind"] == "ServiceAccount")
    sa_old = next(o for o in a if o["kind"] == "ServiceAccount")
    assert sa_new["metadata"]["annotations"][ann] == sa_old["metadata"]["annotations"][ann]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("1000m", "1", True), ("1Gi", "1024Mi", True), (8, "8", True), ("0.5", "500m", True),
     ("1", "2", False), ("abc", "abd", False), (True, 1, False), ("1e3", "1k", True)],
)  # fmt: skip
def test_quantities_compare_by_value(a: Any, b: Any, same: bool) -> None:
    assert (first_difference(a, b) is None) is same
    assert quantity("16Gi") == 16 * 2**30


def test_drift_ignores_server_defaults_and_sees_edits() -> None:
    obj = next(o for o in desired_children(parent(LIGHT)).objects if o["kind"] == "Deployment")
    live = make_live(obj)
    live["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "1"
    live["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = "/dev/x"
    assert drift(obj, live) is None
    assert drift(obj, None) == "missing"
    scaled = copy.deepcopy(live)
    scaled["spec"]["replicas"] = 5
    assert drift(obj, scaled) == "drifted at spec.replicas"
    unlabelled = copy.deepcopy(live)
    del unlabelled["metadata"]["labels"][crdmod.OWNER_LABEL]
    assert drift(obj, unlabelled) is not None
    old_hash = copy.deepcopy(live)
    old_hash["metadata"]["annotations"][crdmod.HASH_ANNOTATION] = "0" * 32
    assert drift(obj, old_hash) == "changed"


def test_plan_skips_what_is_current_and_prunes_what_is_gone() -> None:
    p = parent(LIGHT)
    desired = desired_children(p).objects
    live = {key_of(o): make_live(o) for o in desired}
    steps = plan(p, desired, live, live.values())
    assert steps.apply == [] and steps.delete == [] and len(steps.unchanged) == len(desired)

    # a child the spec no longer renders is deleted; one owned by someone else is not
    extra = make_live(
        adopt({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "old"}}, p)
    )
    other = make_live(
        adopt({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}}, parent(uid="u2"))
    )
    steps = plan(p, desired, live, [*live.values(), extra, other])
    assert [key_of(o) for o in steps.delete] == [("", "Service", "ns", "old")]

    # a conflicting object is not taken over
    deploy_key = next(k for k in live if k[1] == "Deployment")
    taken = copy.deepcopy(live[deploy_key])
    taken["metadata"]["ownerReferences"] = [
        {"kind": "Foo", "name": "bar", "uid": "zzz", "controller": True}
    ]
    steps = plan(p, desired, {**live, deploy_key: taken}, [])
    assert steps.conflicts and "controlled by Foo/bar" in steps.conflicts[0]
    helm = copy.deepcopy(live[deploy_key])
    helm["metadata"]["ownerReferences"] = []
    helm["metadata"]["annotations"]["meta.helm.sh/release-name"] = "llama"
    steps = plan(p, desired, {**live, deploy_key: helm}, [])
    assert "Helm release 'llama'" in steps.conflicts[0]


def test_plan_accepts_known_normalisation_until_the_object_changes() -> None:
    p = parent(LIGHT)
    desired = desired_children(p).objects
    deploy = next(o for o in desired if o["kind"] == "Deployment")
    live = make_live(deploy)
    live["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "INJECTED"}]
    key = key_of(deploy)
    uid = live["metadata"]["uid"]
    steps = plan(p, [deploy], {key: live}, [live])
    assert len(steps.apply) == 1
    accepted = {uid: (deploy["metadata"]["annotations"][crdmod.HASH_ANNOTATION], 1)}
    assert plan(p, [deploy], {key: live}, [live], accepted=accepted).apply == []
    live["metadata"]["generation"] = 2
    assert len(plan(p, [deploy], {key: live}, [live], accepted=accepted).apply) == 1


# ---------------------------------------------------------------- status


def test_status_from_live_objects() -> None:
    p = parent(LIGHT)
    desired = desired_children(p).objects
    deploy = next(o for o in desired if o["kind"] == "Deployment")
    live = {key_of(o): make_live(o) for o in desired}
    live[key_of(deploy)]["status"].update(replicas=1, readyReplicas=0, updatedReplicas=1)
    status = compute_status(p, owned=owned_refs(desired), live=live, model_name="m")
    conds = {c["type"]: c for c in status["conditions"]}
    assert [c["type"] for c in status["conditions"]] == ["Ready", "Progressing", "Valid",
                                                         "Degraded"]  # fmt: skip
    assert conds["Ready"]["status"] == "False" and conds["Ready"]["reason"] == "NotReady"
    assert "0/1 pods" in conds["Ready"]["message"]
    assert conds["Progressing"]["status"] == "True"
    assert conds["Valid"]["status"] == "True" and conds["Degraded"]["status"] == "False"
    assert status["decode"] == {
        "replicas": 1, "readyReplicas": 0, "ready": "0/1",
        "workload": f"Deployment/{deploy['metadata']['name']}",
    }  # fmt: skip
    assert "prefill" not in status
    assert status["model"] == "m" and status["observedGeneration"] == 1
    assert {o["kind"] for o in status["owned"]} == {"ServiceAccount", "Deployment"}

    live[key_of(deploy)]["status"].update(readyReplicas=1, availableReplicas=1)
    p["status"] = status
    ready = compute_status(p, owned=owned_refs(desired), live=live, model_name="m")
    rconds = {c["type"]: c for c in ready["conditions"]}
    assert rconds["Ready"]["status"] == "True" and ready["decode"]["ready"] == "1/1"
    assert rconds["Progressing"]["reason"] == "Complete"
    # unchanged conditions keep their transition time
    assert rconds["Valid"]["lastTransitionTime"] == conds["Valid"]["lastTransitionTime"]


def test_status_of_an_invalid_spec_and_of_apply_errors() -> None:
    p = parent({})
    status = compute_status(p, owned=[], live={}, model_name=None, invalid="bad: thing")
    conds = {c["type"]: c for c in status["conditions"]}
    assert conds["Valid"] == {**conds["Valid"], "status": "False", "reason": "InvalidSpec",
                              "message": "bad: thing"}  # fmt: skip
    assert conds["Degraded"]["status"] == "True"
    assert conds["Ready"]["status"] == "False"
    failed = compute_status(p, owned=[], live={}, model_name="m", apply_error="forbidden")
    fconds = {c["type"]: c for c in failed["conditions"]}
    assert fconds["Degraded"]["reason"] == "ApplyFailed" and fconds["Ready"]["status"] == "False"


def test_merge_patch() -> None:
    assert merge_patch({"a": 1, "b": {"c": 1}}, {"a": 1, "b": {"c": 1}}) == {}
    assert merge_patch({"a": 1, "d": {"x": 1}}, {"a": 2}) == {"a": 2, "d": None}
    assert merge_patch({"b": {"c": 1, "e": 2}}, {"b": {"c": 1}}) == {"b": {"e": None}}


# ---------------------------------------------------------------- whole reconciles


class FakeCluster(MemoryCluster):
    """The in-memory cluster plus what the operator uses on top: per-thread request
    counts, status patches (into the view's parents), Events, and pod lists on demand."""

    def __init__(self, view: FakeView) -> None:
        super().__init__("ns")
        self.view = view
        self.pods: list[dict[str, Any]] = []
        self.events: list[tuple[str, str, str]] = []

    @property
    def thread_requests(self) -> int:
        return self.requests

    def each(self, fn: Any, items: list[Any]) -> list[Any]:
        return [fn(x) for x in items]

    def list(self, api_version: str, kind: str, **kwargs: Any) -> list[dict[str, Any]]:
        if kind == "Pod":
            self._count("list Pod")
            return self.pods
        return super().list(api_version, kind, **kwargs)

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> Any:
        if kind == crdmod.KIND:
            self._count(f"get {kind}/{name}")
            return self.view.parents.get((namespace or "", name))
        return super().get(api_version, kind, name, namespace)

    def patch_status(self, name: str, namespace: str, patch: dict[str, Any]) -> dict[str, Any]:
        self._count("patch status")
        body = self.view.parents[(namespace, name)]
        body["status"] = apply_merge(body.get("status") or {}, patch)
        return body

    def post_event(
        self, parent: dict[str, Any], type_: str, reason: str, message: str, source: str
    ) -> None:
        self.events.append((type_, reason, message))

    def is_cluster_scoped(self, api_version: str, kind: str) -> bool:
        return False


class FakeView:
    """The watch caches: labelled objects of the watched kinds, read from the cluster."""

    def __init__(self) -> None:
        self.parents: dict[tuple[str, str], dict[str, Any]] = {}
        self.cluster: FakeCluster | None = None

    @property
    def objects(self) -> dict[Any, dict[str, Any]]:
        assert self.cluster is not None
        return self.cluster.objects

    def parent(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self.parents.get((namespace, name))

    def children(self, namespace: str, owner: str) -> list[dict[str, Any]]:
        return [
            o for k, o in self.objects.items()
            if self.watches(k.group, k.kind)
            and (o["metadata"].get("labels") or {}).get(crdmod.OWNER_LABEL) == owner
        ]  # fmt: skip

    def watches(self, api_version: str, kind: str) -> bool:
        return kind != "ConfigMap"


def apply_merge(old: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(old)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = apply_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def setup(spec: dict[str, Any]) -> tuple[FakeView, FakeCluster, Reconciler, dict[str, Any]]:
    view = FakeView()
    cluster = FakeCluster(view)
    view.cluster = cluster
    body = parent(spec)
    view.parents[("ns", "llama")] = body
    return view, cluster, Reconciler(cluster, view), body  # type: ignore[arg-type]


def configmaps(cluster: FakeCluster) -> set[str]:
    return {k.name for k in cluster.objects if k.kind == "ConfigMap"}


def test_reconcile_creates_then_is_read_only() -> None:
    view, cluster, rec, body = setup(LIGHT)
    first = rec.reconcile(body)
    assert first.error is None and len(first.applied) == 2 and first.status_patched
    assert {o["kind"] for o in view.objects.values()} == {"ServiceAccount", "Deployment"}
    cluster.log.clear()
    again = rec.reconcile(view.parents[("ns", "llama")])
    assert again.noop and again.requests == 0 and cluster.log == []
    assert rec.stats.noop_reconciles == 1 and rec.stats.noop_requests == 0


def test_reconcile_repairs_drift_and_prunes() -> None:
    view, cluster, rec, body = setup(LIGHT)
    rec.reconcile(body)
    deploy_key = next(k for k in view.objects if k[1] == "Deployment")
    view.objects[deploy_key]["spec"]["replicas"] = 7  # kubectl scale
    result = rec.reconcile(view.parents[("ns", "llama")])
    assert result.applied == [f"Deployment/{deploy_key.name} (drifted at spec.replicas)"]
    assert view.objects[deploy_key]["spec"]["replicas"] == 1
    del view.objects[deploy_key]  # kubectl delete
    result = rec.reconcile(view.parents[("ns", "llama")], trigger="event:Deployment")
    assert result.applied == [f"Deployment/{deploy_key.name} (missing)"]
    assert "get ModelService/llama" in cluster.log  # owner checked before re-creating

    body = view.parents[("ns", "llama")]
    body["spec"] = {**LIGHT, "decode": {**LIGHT["decode"], "create": False}}
    body["metadata"]["generation"] = 2
    result = rec.reconcile(body)
    # The pods' ServiceAccount stays while decode is in the spec, as the chart keeps it.
    assert result.deleted == [f"Deployment/{deploy_key.name}"]
    assert [(k.kind, k.name) for k in view.objects] == [
        ("ServiceAccount", "llama-llm-d-modelservice")
    ]
    assert body["status"]["observedGeneration"] == 2 and "decode" not in body["status"]


def test_reconcile_invalid_spec_applies_nothing_and_keeps_children() -> None:
    view, cluster, rec, body = setup(LIGHT)
    rec.reconcile(body)
    before = copy.deepcopy(view.objects)
    bad = copy.deepcopy(LIGHT)
    bad["decode"]["containers"][0]["modelCommand"] = "vllmserve"
    body = view.parents[("ns", "llama")]
    body["spec"] = bad
    body["metadata"]["generation"] = 2
    cluster.log.clear()
    result = rec.reconcile(body)
    assert result.applied == [] and result.deleted == [] and cluster.log == ["patch status"]
    assert view.objects == before
    conds = {c["type"]: c for c in body["status"]["conditions"]}
    with pytest.raises(modelservice.ValuesError) as err:
        modelservice.render(bad, release="llama", namespace="ns")
    assert conds["Valid"]["status"] == "False" and conds["Valid"]["message"] == str(err.value)
    assert len(body["status"]["owned"]) == 2  # still owns the previous children


def test_reconcile_extra_objects_of_unwatched_kinds() -> None:
    spec = {**LIGHT, "extraObjects": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"a": "1"}}
    ]}  # fmt: skip
    view, cluster, rec, body = setup(spec)
    rec.reconcile(body)
    assert "cm" in configmaps(cluster)
    cluster.log.clear()
    again = rec.reconcile(view.parents[("ns", "llama")])
    assert again.noop and cluster.log == ["get ConfigMap/cm"]  # read, not applied
    body = view.parents[("ns", "llama")]
    body["spec"] = LIGHT
    rec.reconcile(body)
    assert "cm" not in configmaps(cluster)  # pruned via the status' owned list


def test_kick_coalesces_and_uses_the_latest_parent() -> None:
    _view, _cluster, rec, _body = setup(LIGHT)
    rec.kick("ns", "llama", trigger="event:Deployment")
    assert rec.stats.reconciles == 1
    rec.kick("ns", "gone", trigger="resync")  # an unknown parent is ignored
    assert rec.stats.reconciles == 1


def test_status_says_why_pods_are_not_ready() -> None:
    _view, cluster, rec, body = setup(LIGHT)
    cluster.ready = False
    cluster.pods = [
        {
            "status": {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "message": "0/6 nodes are available",
                    }
                ],
            }
        }
    ]
    rec.reconcile(body)
    ready = next(c for c in body["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False" and "unschedulable" not in ready["message"]
    assert "list Pod" not in cluster.log  # not during an ordinary rollout
    ready["lastTransitionTime"] = "2020-01-01T00:00:00Z"  # not ready for a long time
    rec.reconcile(body)
    ready = next(c for c in body["status"]["conditions"] if c["type"] == "Ready")
    assert "0/1 pods (unschedulable: 0/6 nodes are available)" in ready["message"]


# ---------------------------------------------------------------- kopf glue


def test_kopf_view_reads_the_indexes() -> None:
    pytest.importorskip("kopf")
    from modelservice.operator.handlers import PARENTS_INDEX, KopfView

    ms = parent({})
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}
    view = KopfView()
    view.bind({
        PARENTS_INDEX: {("ns", "llama"): [ms]},
        "ms_children_apps_deployments": {("ns", "llama"): [deploy]},
        "ms_children_core_services": {},
        "logger": object(),
    })  # fmt: skip
    assert view.parent("ns", "llama") == ms and view.parent("ns", "x") is None
    assert view.parents() == [ms]
    assert view.children("ns", "llama") == [deploy] and view.children("ns", "x") == []
    assert view.watches("apps/v1", "Deployment") and not view.watches("v1", "Secret")


def test_peering_rule_matches_kopf() -> None:
    pytest.importorskip("kopf")
    import datetime

    from modelservice.operator.handlers import OperatorState

    now = datetime.datetime.now(datetime.UTC)
    fresh, stale = now.isoformat(), (now - datetime.timedelta(seconds=300)).isoformat()

    class Peering:
        def __init__(self) -> None:
            self.status: dict[str, Any] = {}

        def get(self, *args: Any) -> dict[str, Any]:
            return {"status": self.status}

    cluster = Peering()
    state = OperatorState(cluster=cluster, view=None, reconciler=None,  # type: ignore[arg-type]
                          standalone=False, priority=10, identity="me",
                          namespaces=["ns"])  # fmt: skip
    cluster.status = {"me": {"priority": 10, "lifetime": 20, "lastseen": fresh}}
    assert state.is_active()
    cluster.status["other"] = {"priority": 5, "lifetime": 20, "lastseen": fresh}
    assert state.is_active()
    cluster.status["dead"] = {"priority": 99, "lifetime": 20, "lastseen": stale}
    assert state.is_active()
    cluster.status["twin"] = {"priority": 10, "lifetime": 20, "lastseen": fresh}
    assert not state.is_active()  # the same priority pauses both, as in kopf
    del cluster.status["twin"]
    cluster.status["boss"] = {"priority": 11, "lifetime": 20, "lastseen": fresh}
    assert not state.is_active()
    state.standalone = True
    assert state.is_active()


def test_a_model_services_own_event_does_not_read_it_again() -> None:
    """Creating for kopf's create cause: the body is as the API server just sent it, so the
    reconcile reads the children it is about to create (ownership), not the ModelService."""
    _view, cluster, rec, body = setup(LIGHT)
    result = rec.reconcile(body, trigger="create")
    assert len(result.applied) == 2
    assert not [line for line in cluster.log if line.startswith("get ModelService")]
    assert [line for line in cluster.log if line.startswith("get ")] == [
        "get ServiceAccount/llama-llm-d-modelservice",
        "get Deployment/llama-llm-d-modelservice-decode",
    ]


def test_child_events_that_change_nothing_the_reconcile_uses_are_filtered() -> None:
    view, _cluster, rec, body = setup(LIGHT)
    rec.reconcile(body)
    deploy = copy.deepcopy(next(o for o in view.objects.values() if o["kind"] == "Deployment"))
    # the apply's own answer was seen: its watch event is no news
    assert not rec.child_changed(deploy, "MODIFIED")
    # a rollout's status write that changes neither readiness nor replicas
    deploy["status"]["conditions"] = [{"type": "Progressing", "status": "True"}]
    deploy["metadata"]["resourceVersion"] = "999"
    assert not rec.child_changed(deploy, "MODIFIED")
    # readiness changes, someone scales it, a mark is edited, it goes: each is news
    deploy["status"]["readyReplicas"] = 0
    assert rec.child_changed(deploy, "MODIFIED")
    deploy["spec"]["replicas"] = 4
    deploy["metadata"]["generation"] += 1
    assert rec.child_changed(deploy, "MODIFIED")
    deploy["metadata"]["annotations"]["edited"] = "by hand"
    assert rec.child_changed(deploy, "MODIFIED")
    assert rec.child_changed(deploy, "DELETED")
    assert rec.child_changed(deploy, "ADDED")  # after a deletion, a new one is news


def test_only_a_spec_change_or_a_missing_status_needs_a_reconcile() -> None:
    from modelservice.operator.reconciler import needs_reconcile

    fresh = parent(LIGHT)
    assert needs_reconcile(fresh)  # no status yet
    fresh["status"] = {"observedGeneration": 1}
    assert not needs_reconcile(fresh)  # the operator's own status write
    fresh["metadata"]["generation"] = 2
    assert needs_reconcile(fresh)  # the spec changed
    fresh["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    assert not needs_reconcile(fresh)


def test_a_refused_reconcile_is_queued_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """What kopf's TemporaryError did: the cluster refuses, the reconcile runs again."""
    monkeypatch.setattr(reconciler_mod, "RETRY_AFTER", 0.05)
    view, cluster, rec, _body = setup(LIGHT)
    refusals = ["Deployment"]
    cluster.reject = lambda obj: "admission webhook denied it" if obj["kind"] in refusals else None
    rec.enqueue("ns", "llama", trigger="create")
    deadline = time.monotonic() + 10
    while rec.stats.errors == 0:
        assert time.monotonic() < deadline, "the first reconcile did not run"
        time.sleep(0.01)
    refusals.clear()  # the webhook lets it through now
    while not any(o["kind"] == "Deployment" for o in view.objects.values()):
        assert time.monotonic() < deadline, "the refused reconcile was not retried"
        time.sleep(0.01)
    assert rec.stats.by_trigger.get("retry", 0) >= 1
    rec.shutdown()
