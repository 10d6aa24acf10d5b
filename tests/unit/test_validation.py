"""Validation rules: schema (unknown keys, types, enums, required, ranges), pass-through
Kubernetes shapes, URIs, names, parallelism, warnings, and collecting every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import modelservice
from modelservice import ValuesError
from modelservice.values.layering import load_values
from tests.unit.helpers import (
    FULL,
    VLLM,
    find,
    first,
    objects,
    paths,
    pod_spec,
    problem_at,
    rendered,
    values_error,
    vllm,
)

# --------------------------------------------------------------------------- unknown keys


@pytest.mark.parametrize(
    ("values", "path", "hint"),
    [
        (
            {"decode": {"containers": [{"image": VLLM, "mountModelVolumes": True}]}},
            "decode.containers[0].mountModelVolumes",
            "mountModelVolume",
        ),
        ({"routng": {}}, "routng", "routing"),
        ({"routing": {"proxy": {"imag": "x"}}}, "routing.proxy.imag", "image"),
        ({"prefill": {"replica": 2}}, "prefill.replica", "replicas"),
        ({"modelArtifacts": {"url": "hf://a/b"}}, "modelArtifacts.url", "uri"),
        ({"decode": {"parallelism": {"tensors": 2}}}, "decode.parallelism.tensors", "tensor"),
        (
            {"routing": {"epp": {"service": {"tpye": "ClusterIP"}}}},
            "routing.epp.service.tpye",
            "type",
        ),
    ],
)
def test_unknown_key_with_did_you_mean(values: dict[str, Any], path: str, hint: str) -> None:
    err = values_error(values)
    p = problem_at(err, path)
    assert "unknown key" in p.message
    assert f"did you mean {hint!r}" in p.message
    assert path in str(err)


def test_unknown_key_without_close_match_lists_allowed_keys() -> None:
    err = values_error({"zzzzqqq": 1})
    p = problem_at(err, "zzzzqqq")
    assert "did you mean" not in p.message
    assert "routing" in p.message and "modelArtifacts" in p.message


# --------------------------------------------------------------------------- pass-through


def test_pass_through_objects_accept_extra_keys_and_render_them() -> None:
    objs = objects(
        {
            "decode": {
                "volumes": [{"name": "cache", "csi": {"driver": "x.csi"}, "futureField": 1}],
                "podSecurityContext": {"runAsUser": 1, "seccompProfile": {"type": "X"}},
                "containers": [
                    vllm(
                        env=[{"name": "A", "value": "1", "futureField": True}],
                        volumeMounts=[
                            {"name": "cache", "mountPath": "/c", "mountPropagation": "None"}
                        ],
                        livenessProbe={"httpGet": {"path": "/h", "port": 8200}, "extra": 1},
                        readinessProbe={"exec": {"command": ["true"]}, "periodSeconds": 3},
                        securityContext={"privileged": False, "anything": {"x": 1}},
                    )
                ],
            },
            "routing": {
                "parentRefs": [{"name": "gw", "futureField": "x"}],
                "httpRoute": {"matches": [{"path": {"type": "Exact", "value": "/v1"}, "x": 1}]},
            },
        }
    )
    spec = pod_spec(objs, "decode")
    assert spec["volumes"][0] == {"name": "cache", "csi": {"driver": "x.csi"}, "futureField": 1}
    assert spec["securityContext"] == {"runAsUser": 1, "seccompProfile": {"type": "X"}}
    c = spec["containers"][0]
    assert c["env"][0] == {"name": "A", "value": "1", "futureField": True}
    assert c["volumeMounts"][0] == {"name": "cache", "mountPath": "/c", "mountPropagation": "None"}
    assert c["livenessProbe"] == {"httpGet": {"path": "/h", "port": 8200}, "extra": 1}
    assert c["readinessProbe"] == {"exec": {"command": ["true"]}, "periodSeconds": 3}
    assert c["securityContext"] == {"privileged": False, "anything": {"x": 1}}
    route = find(objs, "HTTPRoute", FULL)
    assert route["spec"]["parentRefs"] == [{"name": "gw", "futureField": "x"}]
    assert route["spec"]["rules"][0]["matches"] == [
        {"path": {"type": "Exact", "value": "/v1"}, "x": 1}
    ]


def test_resources_accept_extra_keys() -> None:
    """ResourceRequirements is a pass-through Kubernetes object: new fields are accepted."""
    objs = objects(
        {"decode": {"containers": [vllm(resources={"limits": {"cpu": "1"}, "futureField": 1})]}}
    )
    assert first(objs, "decode")["resources"]["futureField"] == 1


def test_resources_claims_are_rendered() -> None:
    """resources.claims is accepted by the schema, so it must reach the container."""
    objs = objects({"decode": {"containers": [vllm(resources={"claims": [{"name": "gpus"}]})]}})
    assert first(objs, "decode")["resources"]["claims"] == [{"name": "gpus"}]


@pytest.mark.parametrize(
    ("values", "path"),
    [
        (
            {"decode": {"containers": [vllm(env=[{"value": "x"}])]}},
            "decode.containers[0].env[0].name",
        ),
        ({"decode": {"containers": [vllm(env=["A=1"])]}}, "decode.containers[0].env[0]"),
        ({"decode": {"containers": [vllm(env={"A": "1"})]}}, "decode.containers[0].env"),
        (
            {"decode": {"containers": [vllm(env=[{"name": "A", "value": 1}])]}},
            "decode.containers[0].env[0].value",
        ),
        ({"decode": {"volumes": ["x"]}}, "decode.volumes[0]"),
        ({"decode": {"volumes": [{"emptyDir": {}}]}}, "decode.volumes[0].name"),
        (
            {"decode": {"containers": [vllm(volumeMounts=[{"name": "a"}])]}},
            "decode.containers[0].volumeMounts[0].mountPath",
        ),
        (
            {"prefill": {"containers": [vllm(livenessProbe={"periodSeconds": 0})]}},
            "prefill.containers[0].livenessProbe.periodSeconds",
        ),
        (
            {"prefill": {"containers": [vllm(readinessProbe="GET /health")]}},
            "prefill.containers[0].readinessProbe",
        ),
        (
            {"decode": {"containers": [vllm(securityContext=[1])]}},
            "decode.containers[0].securityContext",
        ),
        (
            {"decode": {"containers": [vllm(resources={"limits": ["cpu"]})]}},
            "decode.containers[0].resources.limits",
        ),
        ({"decode": {"podSecurityContext": "root"}}, "decode.podSecurityContext"),
        ({"decode": {"imagePullSecrets": [{}]}}, "decode.imagePullSecrets[0].name"),
        ({"routing": {"parentRefs": [{"kind": "Gateway"}]}}, "routing.parentRefs[0].name"),
        ({"routing": {"parentRefs": {"name": "gw"}}}, "routing.parentRefs"),
        ({"routing": {"httpRoute": {"matches": {"path": {}}}}}, "routing.httpRoute.matches"),
        (
            {"routing": {"httpRoute": {"matches": [{"path": "/"}]}}},
            "routing.httpRoute.matches[0].path",
        ),
        ({"routing": {"epp": {"env": [{"value": "1"}]}}}, "routing.epp.env[0].name"),
    ],
)
def test_pass_through_shapes_are_checked(values: dict[str, Any], path: str) -> None:
    err = values_error(values)
    assert path in paths(err), [str(p) for p in err.problems]


# --------------------------------------------------------------------------- types and enums


@pytest.mark.parametrize(
    ("values", "path", "words"),
    [
        ({"decode": {"replicas": "two"}}, "decode.replicas", "must be an integer"),
        ({"prefill": {"replicas": 1.5}}, "prefill.replicas", "must be an integer"),
        ({"decode": {"replicas": True}}, "decode.replicas", "must be an integer"),
        ({"multinode": "yes"}, "multinode", "must be a boolean"),
        ({"routing": {"servicePort": "8000"}}, "routing.servicePort", "must be an integer"),
        ({"routing": {"modelName": 5}}, "routing.modelName", "must be a string"),
        ({"decode": {"containers": "vllm"}}, "decode.containers", "must be a list"),
        (
            {"decode": {"containers": [vllm(args="--x")]}},
            "decode.containers[0].args",
            "must be a list",
        ),
        (
            {"decode": {"containers": [vllm(args=[1])]}},
            "decode.containers[0].args[0]",
            "must be a string",
        ),
        ({"decode": "yes"}, "decode", "must be a mapping"),
        ({"routing": {"epp": {"create": "true"}}}, "routing.epp.create", "must be a boolean"),
    ],
)
def test_wrong_types(values: dict[str, Any], path: str, words: str) -> None:
    err = values_error(values)
    assert words in problem_at(err, path).message


@pytest.mark.parametrize(
    ("values", "path"),
    [
        (
            {"decode": {"containers": [vllm(modelCommand="serve")]}},
            "decode.containers[0].modelCommand",
        ),
        (
            {"decode": {"containers": [vllm(imagePullPolicy="always")]}},
            "decode.containers[0].imagePullPolicy",
        ),
        ({"routing": {"epp": {"service": {"type": "Headless"}}}}, "routing.epp.service.type"),
        ({"modelArtifacts": {"imagePullPolicy": "Sometimes"}}, "modelArtifacts.imagePullPolicy"),
    ],
)
def test_enums(values: dict[str, Any], path: str) -> None:
    err = values_error(values)
    assert "is not allowed; must be one of" in problem_at(err, path).message


def test_enum_suggests_case_fix() -> None:
    err = values_error({"decode": {"containers": [vllm(modelCommand="vllmserve")]}})
    p = problem_at(err, "decode.containers[0].modelCommand")
    assert "did you mean 'vllmServe'" in p.message
    assert "vllmServe, imageDefault, custom" in p.message


# --------------------------------------------------------------------------- required


def test_container_image_required() -> None:
    err = values_error({"decode": {"containers": [vllm(), {"name": "side", "command": ["x"]}]}})
    assert "required" in problem_at(err, "decode.containers[1].image").message


def test_custom_requires_command() -> None:
    err = values_error({"prefill": {"containers": [{"image": VLLM, "modelCommand": "custom"}]}})
    assert "required" in problem_at(err, "prefill.containers[0].command").message


def test_default_model_command_is_custom_and_needs_command() -> None:
    err = values_error({"prefill": {"containers": [{"image": VLLM}]}})
    problem_at(err, "prefill.containers[0].command")


def test_custom_with_empty_command_is_an_error() -> None:
    err = values_error({"prefill": {"containers": [{"image": VLLM, "command": []}]}})
    problem_at(err, "prefill.containers[0].command")


def test_proxy_image_required_while_decode_pods_exist() -> None:
    err = values_error({"routing": {"proxy": {"image": None}}})
    assert paths(err) == ["routing.proxy.image"]


def test_proxy_image_not_required_without_decode() -> None:
    objs = objects({"routing": {"proxy": {"image": None}}, "decode": {"create": False}})
    assert [o for o in objs if o["metadata"]["name"] == f"{FULL}-decode"] == []
    assert find(objs, "Deployment", f"{FULL}-prefill")["spec"]["replicas"] == 1


def test_epp_image_required_when_epp_create() -> None:
    err = values_error({"routing": {"epp": {"image": None}}})
    assert paths(err) == ["routing.epp.image"]


def test_epp_image_not_required_when_epp_not_created() -> None:
    objs = objects({"routing": {"epp": {"image": None, "create": False}}})
    assert not [o for o in objs if o["metadata"]["name"] == f"{FULL}-epp"]


def test_role_without_containers_while_created() -> None:
    err = values_error({"prefill": {"containers": []}})
    problem_at(err, "prefill.containers")


def test_model_uri_required() -> None:
    err = values_error({"modelArtifacts": {"uri": None}})
    problem_at(err, "modelArtifacts.uri")


# --------------------------------------------------------------------------- URIs


@pytest.mark.parametrize(
    "uri",
    [
        "hf://facebook/opt-125m",
        "hf://gpt2",
        "pvc://model-pvc",
        "pvc://model-pvc/path/to/model",
        "pvc://claim.with.dots/m",
        "oci://quay.io/org/model:tag",
        "oci://registry.local:5000/m@sha256:" + "a" * 64,
    ],
)
def test_valid_uris(uri: str) -> None:
    objects({"modelArtifacts": {"uri": uri}})


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("s3://bucket/model", "unsupported scheme 's3://'"),
        ("gs://bucket/model", "unsupported scheme 'gs://'"),
        ("pvc://", "claim name"),
        ("pvc:///models", "claim name"),
        ("pvc://Bad_Claim/m", "not a valid PersistentVolumeClaim name"),
        ("hf://", "model name"),
        ("hf:///x", "model name"),
        ("oci://", "image reference"),
        ("facebook/opt-125m", "not a model URI"),
        ("", "must not be empty"),
    ],
)
def test_invalid_uris(uri: str, words: str) -> None:
    err = values_error({"modelArtifacts": {"uri": uri}})
    assert paths(err) == ["modelArtifacts.uri"]
    assert words in err.problems[0].message


# --------------------------------------------------------------------------- ranges


def test_replicas_zero_is_valid_and_negative_is_not() -> None:
    objects({"decode": {"replicas": 0}})
    err = values_error({"decode": {"replicas": -1}})
    assert "must be at least 0" in problem_at(err, "decode.replicas").message


@pytest.mark.parametrize(
    ("values", "path"),
    [
        ({"routing": {"servicePort": 0}}, "routing.servicePort"),
        ({"routing": {"servicePort": 65536}}, "routing.servicePort"),
        ({"routing": {"proxy": {"targetPort": 70000}}}, "routing.proxy.targetPort"),
        ({"routing": {"epp": {"service": {"port": 0}}}}, "routing.epp.service.port"),
        ({"routing": {"epp": {"service": {"targetPort": -1}}}}, "routing.epp.service.targetPort"),
        (
            {"decode": {"containers": [vllm(ports=[{"containerPort": 0}])]}},
            "decode.containers[0].ports[0].containerPort",
        ),
        (
            {"decode": {"containers": [vllm(ports=[{"containerPort": 65536}])]}},
            "decode.containers[0].ports[0].containerPort",
        ),
        ({"routing": {"parentRefs": [{"name": "g", "port": 0}]}}, "routing.parentRefs[0].port"),
    ],
)
def test_ports_out_of_range(values: dict[str, Any], path: str) -> None:
    err = values_error(values)
    assert path in paths(err)


@pytest.mark.parametrize("port", [1, 65535])
def test_port_bounds_are_inclusive(port: int) -> None:
    objs = objects({"routing": {"servicePort": port}})
    assert find(objs, "InferencePool", FULL)["spec"]["targetPortNumber"] == port


@pytest.mark.parametrize("key", ["tensor", "data", "dataLocal"])
def test_parallelism_at_least_one(key: str) -> None:
    err = values_error({"decode": {"parallelism": {key: 0}}})
    assert "must be at least 1" in problem_at(err, f"decode.parallelism.{key}").message


def test_data_must_be_multiple_of_data_local() -> None:
    err = values_error({"prefill": {"parallelism": {"data": 4, "dataLocal": 3}}})
    p = problem_at(err, "prefill.parallelism.data")
    assert "multiple of dataLocal" in p.message


def test_data_multiple_of_data_local_is_valid() -> None:
    objs = objects({"multinode": True, "decode": {"parallelism": {"data": 6, "dataLocal": 3}}})
    from tests.unit.helpers import workload

    assert workload(objs, "decode")["spec"]["leaderWorkerTemplate"]["size"] == 2


# --------------------------------------------------------------------------- names


def test_upper_case_release_name_is_an_error() -> None:
    err = values_error({}, release="MyModel")
    assert "MyModel" in str(err)
    assert err.problems[0].source == "RELEASE argument"


def test_release_name_longer_than_53_is_an_error() -> None:
    values_error({}, release="a" * 54)
    objects({}, release="a" * 53)


def test_upper_case_full_name_override_is_an_error() -> None:
    err = values_error({"fullnameOverride": "MyModel"})
    assert "'MyModel'" in problem_at(err, "fullnameOverride").message


def test_name_override_giving_bad_name_is_an_error() -> None:
    err = values_error({"nameOverride": "Bad_Name"})
    problem_at(err, "nameOverride")


def test_full_name_override_starting_with_digit_breaks_epp_service_name() -> None:
    err = values_error({"fullnameOverride": "9model"})
    assert "9model-epp" in problem_at(err, "fullnameOverride").message
    # Without the EPP the name is a valid DNS-1123 label prefix.
    objs = objects({"fullnameOverride": "9model", "routing": {"epp": {"create": False}}})
    find(objs, "Deployment", "9model-decode")


def test_long_full_name_override_is_truncated_to_55() -> None:
    objs = objects({"fullnameOverride": "a" * 54 + "-bcd"})
    find(objs, "Deployment", "a" * 54 + "-decode")


def test_bad_namespace_is_an_error() -> None:
    err = values_error({}, namespace="Team_A")
    assert "Team_A" in str(err)


def test_bad_container_name_is_an_error() -> None:
    err = values_error({"decode": {"containers": [vllm(name="VLLM")]}})
    problem_at(err, "decode.containers[0].name")


def test_duplicate_container_names_are_an_error() -> None:
    err = values_error({"decode": {"containers": [vllm(), vllm()]}})
    problem_at(err, "decode.containers[1].name")


# --------------------------------------------------------------------------- EPP permissions


@pytest.mark.parametrize(
    "epp",
    [{"permissions": "my-role"}, {"service": {"permissions": "my-role"}}],
    ids=["permissions", "service.permissions"],
)
def test_epp_permissions_and_alias_bind_the_role(epp: dict[str, Any]) -> None:
    objs = objects({"routing": {"epp": epp}})
    rb = find(objs, "RoleBinding", f"{FULL}-epp")
    assert rb["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "my-role",
    }
    assert rb["subjects"] == [{"kind": "ServiceAccount", "name": f"{FULL}-epp"}]
    svc = find(objs, "Service", f"{FULL}-epp")
    assert "permissions" not in str(svc)


def test_default_epp_role_binding() -> None:
    rb = find(objects({}), "RoleBinding", f"{FULL}-epp")
    assert rb["roleRef"]["name"] == f"{FULL}-epp"


def test_epp_permissions_conflicting_with_alias() -> None:
    err = values_error({"routing": {"epp": {"permissions": "a", "service": {"permissions": "b"}}}})
    problem_at(err, "routing.epp.service.permissions")


def test_epp_permissions_same_in_both_places_is_fine() -> None:
    objs = objects({"routing": {"epp": {"permissions": "a", "service": {"permissions": "a"}}}})
    assert find(objs, "RoleBinding", f"{FULL}-epp")["roleRef"]["name"] == "a"


# --------------------------------------------------------------------------- all together


def test_several_schema_errors_reported_together() -> None:
    err = values_error(
        {
            "decode": {"replicas": "two", "containers": [{"mountModelVolumes": True}]},
            "prefill": {"parallelism": {"tensor": 0}},
            "routing": {"servicePort": 0, "epp": {"service": {"type": "X"}}},
        }
    )
    assert set(paths(err)) >= {
        "decode.replicas",
        "decode.containers[0].mountModelVolumes",
        "decode.containers[0].image",
        "prefill.parallelism.tensor",
        "routing.servicePort",
        "routing.epp.service.type",
    }
    assert str(err).startswith(f"{len(err.problems)} problems in the values:")


def test_several_semantic_errors_reported_together() -> None:
    err = values_error(
        {
            "modelArtifacts": {"uri": "s3://bucket/m"},
            "decode": {"parallelism": {"data": 3, "dataLocal": 2}},
            "prefill": {"containers": [{"image": VLLM, "modelCommand": "custom"}]},
            "routing": {"proxy": {"image": None}, "epp": {"image": None}},
        }
    )
    assert set(paths(err)) == {
        "modelArtifacts.uri",
        "decode.parallelism.data",
        "prefill.containers[0].command",
        "routing.proxy.image",
        "routing.epp.image",
    }


def test_schema_and_semantic_errors_reported_together() -> None:
    """All errors of one input come in one ValuesError, whatever rule finds them."""
    err = values_error(
        {"decode": {"replicas": "two"}, "modelArtifacts": {"uri": "s3://bucket/model"}}
    )
    assert set(paths(err)) == {"decode.replicas", "modelArtifacts.uri"}


def test_missing_image_and_missing_command_reported_together() -> None:
    err = values_error({"decode": {"containers": [{"modelCommand": "custom"}]}})
    assert set(paths(err)) == {"decode.containers[0].image", "decode.containers[0].command"}


def test_every_problem_names_full_path_and_source(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(
        "decode:\n  replicas: two\n  containers:\n  - image: x\n    mountModelVolumes: true\n"
    )
    with pytest.raises(ValuesError) as info:
        modelservice.validate_values(load_values([f]), release="rel")
    by_path = {p.path: p for p in info.value.problems}
    assert by_path["decode.replicas"].source == str(f)
    assert by_path["decode.replicas"].line == 2
    assert by_path["decode.containers[0].mountModelVolumes"].line == 5
    assert f"decode.replicas: must be an integer, got string 'two' ({f}:2)" in str(info.value)


def test_set_flag_named_as_source() -> None:
    with pytest.raises(ValuesError) as info:
        modelservice.validate_values(load_values(sets=["decode.replicas=abc"]), release="rel")
    assert info.value.problems[0].source == "--set decode.replicas=abc"


# --------------------------------------------------------------------------- warnings


def test_small_explicit_gpu_count_warns_but_renders() -> None:
    result = rendered(
        {
            "decode": {
                "parallelism": {"tensor": 4},
                "containers": [vllm(resources={"limits": {"nvidia.com/gpu": 2}})],
            }
        }
    )
    assert len(result.warnings) == 1
    w = result.warnings[0]
    assert w.path == 'decode.containers[0].resources.limits."nvidia.com/gpu"'
    assert "2 is fewer" in w.message and "4" in w.message
    c = first(result.objects, "decode")
    assert c["resources"]["limits"]["nvidia.com/gpu"] == "4"
    assert c["resources"]["requests"]["nvidia.com/gpu"] == "4"


def test_validate_values_returns_model_and_warnings() -> None:
    checked = modelservice.validate_values(
        {
            "prefill": {"containers": [vllm(resources={"requests": {"nvidia.com/gpu": "1"}})]},
            "decode": {"create": False},
        },
        release="rel",
    )
    assert checked.model.release == "rel"
    assert checked.warnings == ()
    bad = modelservice.validate_values(
        {
            "prefill": {
                "parallelism": {"tensor": 2},
                "containers": [vllm(resources={"requests": {"nvidia.com/gpu": "1"}})],
            }
        },
        release="rel",
    )
    assert [w.path for w in bad.warnings] == [
        'prefill.containers[0].resources.requests."nvidia.com/gpu"'
    ]


def test_no_warnings_for_defaults() -> None:
    assert rendered({}).warnings == ()


def test_non_numeric_gpu_count_is_an_error() -> None:
    err = values_error(
        {"decode": {"containers": [vllm(resources={"limits": {"nvidia.com/gpu": "lots"}})]}}
    )
    problem_at(err, 'decode.containers[0].resources.limits."nvidia.com/gpu"')


def test_api_rejects_non_mapping_values() -> None:
    with pytest.raises(ValuesError):
        modelservice.render_release(["not", "a", "mapping"], release="rel")  # type: ignore[arg-type]
