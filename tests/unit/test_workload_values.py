"""Values keys this tool adds for the model-serving workloads: accelerators,
parallelism.workers, model artifacts (name, mountPath, readOnly, pvc+hf), per-role pod and
workload controls, PodMonitor, serviceAccountOverride and container pass-through fields."""

from __future__ import annotations

from typing import Any

import pytest

import modelservice
from tests.unit.helpers import (
    FULL,
    SIM,
    VLLM,
    containers,
    env_dict,
    find,
    first,
    kinds,
    objects,
    paths,
    pod_spec,
    problem_at,
    rendered,
    values_error,
    vllm,
    workload,
)

HF = {"uri": "hf://facebook/opt-125m"}
SELECTOR_DECODE = {
    "llm-d.ai/inferenceServing": "true",
    "llm-d.ai/model": FULL,
    "llm-d.ai/role": "decode",
}
SELECTOR_PREFILL = {**SELECTOR_DECODE, "llm-d.ai/role": "prefill"}
COMMON = {
    "helm.sh/chart": "llm-d-modelservice-0.0.9",
    "app.kubernetes.io/version": "0.0.1",
    "app.kubernetes.io/managed-by": "Helm",
}


def base(**extra: Any) -> dict[str, Any]:
    """Both roles with a real vLLM image, an hf:// model."""
    v: dict[str, Any] = {
        "modelArtifacts": dict(HF),
        "decode": {"containers": [vllm()]},
        "prefill": {"containers": [vllm()]},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(v.get(key), dict):
            v[key] = {**v[key], **value}
        else:
            v[key] = value
    return v


def resources(c: dict[str, Any]) -> dict[str, Any]:
    res: dict[str, Any] = c["resources"]
    return res


# =========================================================================== accelerators


def test_accelerator_default_type_is_nvidia() -> None:
    objs = objects(base())
    for role in ("decode", "prefill"):
        assert resources(first(objs, role)) == {
            "limits": {"nvidia.com/gpu": "1"},
            "requests": {"nvidia.com/gpu": "1"},
        }


@pytest.mark.parametrize(
    ("kind", "resource"),
    [
        ("nvidia", "nvidia.com/gpu"),
        ("amd", "amd.com/gpu"),
        ("intel-gaudi", "habana.ai/gaudi"),
        ("intel-i915", "gpu.intel.com/i915"),
        ("intel-xe", "gpu.intel.com/xe"),
        ("google", "google.com/tpu"),
    ],
)
def test_accelerator_type_resource_names(kind: str, resource: str) -> None:
    objs = objects(
        base(
            accelerator={"type": kind},
            decode={"parallelism": {"tensor": 4}},
            prefill={"parallelism": {"tensor": 2}},
        )
    )
    assert resources(first(objs, "decode")) == {
        "limits": {resource: "4"},
        "requests": {resource: "4"},
    }
    assert resources(first(objs, "prefill")) == {
        "limits": {resource: "2"},
        "requests": {resource: "2"},
    }


def test_accelerator_count_is_tensor_times_data_local_as_string() -> None:
    objs = objects(
        base(
            accelerator={"type": "amd"},
            decode={"parallelism": {"tensor": 3, "data": 2, "dataLocal": 2}},
        )
    )
    assert resources(first(objs, "decode")) == {
        "limits": {"amd.com/gpu": "6"},
        "requests": {"amd.com/gpu": "6"},
    }


def test_accelerator_per_role_type_overrides_top_level() -> None:
    objs = objects(
        base(
            accelerator={"type": "intel-gaudi"},
            prefill={"accelerator": {"type": "google"}},
        )
    )
    assert resources(first(objs, "decode")) == {
        "limits": {"habana.ai/gaudi": "1"},
        "requests": {"habana.ai/gaudi": "1"},
    }
    assert resources(first(objs, "prefill")) == {
        "limits": {"google.com/tpu": "1"},
        "requests": {"google.com/tpu": "1"},
    }


def test_accelerator_per_role_type_without_top_level() -> None:
    objs = objects(base(decode={"accelerator": {"type": "intel-xe"}}))
    assert resources(first(objs, "decode"))["limits"] == {"gpu.intel.com/xe": "1"}
    assert resources(first(objs, "prefill"))["limits"] == {"nvidia.com/gpu": "1"}


def test_accelerator_cpu_means_no_accelerator_resource() -> None:
    objs = objects(
        base(
            decode={
                "accelerator": {"type": "cpu"},
                "parallelism": {"tensor": 2},
                "containers": [vllm(resources={"limits": {"cpu": "8"}, "requests": {"cpu": "4"}})],
            }
        )
    )
    assert resources(first(objs, "decode")) == {
        "limits": {"cpu": "8"},
        "requests": {"cpu": "4"},
    }
    assert resources(first(objs, "prefill")) == {
        "limits": {"nvidia.com/gpu": "1"},
        "requests": {"nvidia.com/gpu": "1"},
    }


def test_accelerator_cpu_top_level_both_roles_empty() -> None:
    objs = objects(base(accelerator={"type": "cpu"}))
    for role in ("decode", "prefill"):
        assert resources(first(objs, role)) == {"limits": {}, "requests": {}}


def test_accelerator_resources_override_known_type() -> None:
    objs = objects(base(accelerator={"resources": {"nvidia": "nvidia.com/mig-1g.10gb"}}))
    assert resources(first(objs, "decode")) == {
        "limits": {"nvidia.com/mig-1g.10gb": "1"},
        "requests": {"nvidia.com/mig-1g.10gb": "1"},
    }


def test_accelerator_resources_add_new_type() -> None:
    objs = objects(
        base(
            accelerator={"resources": {"acme": "acme.io/npu"}},
            prefill={"accelerator": {"type": "acme"}, "parallelism": {"tensor": 2}},
        )
    )
    assert resources(first(objs, "prefill")) == {
        "limits": {"acme.io/npu": "2"},
        "requests": {"acme.io/npu": "2"},
    }
    assert resources(first(objs, "decode"))["limits"] == {"nvidia.com/gpu": "1"}


def test_accelerator_resource_not_added_for_simulator_image() -> None:
    objs = objects(
        {
            "modelArtifacts": dict(HF),
            "accelerator": {"type": "amd"},
            "decode": {
                "containers": [{"name": "sim", "image": SIM, "modelCommand": "imageDefault"}]
            },
            "prefill": {"create": False},
        }
    )
    assert resources(first(objs, "decode")) == {"limits": {}, "requests": {}}


def test_accelerator_only_first_container_gets_resource() -> None:
    objs = objects(
        base(
            accelerator={"type": "amd"},
            decode={
                "containers": [
                    vllm(),
                    {"name": "side", "image": VLLM, "command": ["sleep", "inf"]},
                ]
            },
        )
    )
    cs = containers(objs, "decode")
    assert resources(cs[0]) == {"limits": {"amd.com/gpu": "1"}, "requests": {"amd.com/gpu": "1"}}
    assert resources(cs[1]) == {"limits": {}, "requests": {}}


def test_accelerator_env_appended_after_hf_entries() -> None:
    gaudi_env = [
        {"name": "HABANA_VISIBLE_DEVICES", "value": "all"},
        {"name": "PT_HPU_LAZY_MODE", "value": "0"},
    ]
    objs = objects(
        base(
            modelArtifacts={"authSecretName": "hf-secret"},
            accelerator={"type": "intel-gaudi", "env": {"intel-gaudi": gaudi_env}},
            decode={"containers": [vllm(env=[{"name": "USER_VAR", "value": "u"}])]},
        )
    )
    assert first(objs, "decode")["env"] == [
        {"name": "USER_VAR", "value": "u"},
        {"name": "DP_SIZE", "value": "1"},
        {"name": "TP_SIZE", "value": "1"},
        {"name": "DP_SIZE_LOCAL", "value": "1"},
        {"name": "HF_HOME", "value": "/model-cache"},
        {
            "name": "HF_TOKEN",
            "valueFrom": {"secretKeyRef": {"name": "hf-secret", "key": "HF_TOKEN"}},
        },
        *gaudi_env,
    ]


def test_accelerator_env_follows_role_type_and_first_container_only() -> None:
    objs = objects(
        base(
            accelerator={
                "type": "nvidia",
                "env": {
                    "nvidia": [{"name": "NCCL_DEBUG", "value": "INFO"}],
                    "amd": [{"name": "HIP_VISIBLE_DEVICES", "value": "0"}],
                },
            },
            decode={
                "accelerator": {"type": "amd"},
                "containers": [vllm(), {"name": "side", "image": VLLM, "command": ["true"]}],
            },
        )
    )
    d = containers(objs, "decode")
    assert d[0]["env"][-1] == {"name": "HIP_VISIBLE_DEVICES", "value": "0"}
    assert "NCCL_DEBUG" not in env_dict(d[0])
    assert [e["name"] for e in d[1]["env"]] == ["DP_SIZE", "TP_SIZE", "DP_SIZE_LOCAL"]
    p = first(objs, "prefill")
    assert p["env"][-1] == {"name": "NCCL_DEBUG", "value": "INFO"}
    assert "HIP_VISIBLE_DEVICES" not in env_dict(p)


def test_accelerator_env_for_cpu_type() -> None:
    objs = objects(
        base(
            accelerator={
                "type": "cpu",
                "env": {"cpu": [{"name": "VLLM_CPU_KVCACHE_SPACE", "value": "40"}]},
            },
        )
    )
    assert first(objs, "prefill")["env"][-1] == {"name": "VLLM_CPU_KVCACHE_SPACE", "value": "40"}
    assert resources(first(objs, "prefill")) == {"limits": {}, "requests": {}}


def test_unknown_accelerator_type_top_level_lists_known() -> None:
    err = values_error(base(accelerator={"type": "tpu"}))
    assert set(paths(err)) == {"accelerator.type"}
    msg = problem_at(err, "accelerator.type").message
    for known in ("nvidia", "amd", "intel-gaudi", "intel-i915", "intel-xe", "google", "cpu"):
        assert known in msg
    assert "tpu" in msg


def test_unknown_accelerator_type_per_role_path_and_hint() -> None:
    err = values_error(base(prefill={"accelerator": {"type": "intel-gudi"}}))
    assert paths(err) == ["prefill.accelerator.type"]
    msg = err.problems[0].message
    assert "intel-gaudi" in msg and "google" in msg and "cpu" in msg


def test_unknown_accelerator_type_lists_added_types() -> None:
    err = values_error(
        base(
            accelerator={"resources": {"acme": "acme.io/npu"}},
            decode={"accelerator": {"type": "acmee"}},
        )
    )
    msg = problem_at(err, "decode.accelerator.type").message
    assert "acme" in msg and "nvidia" in msg


def test_accelerator_type_on_role_not_created_renders() -> None:
    """A known per-role type on a role that is not created renders fine."""
    objs = objects(base(prefill={"create": False, "accelerator": {"type": "amd"}}))
    assert [
        o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("prefill")
    ] == []


# =========================================================================== parallelism.workers


def _lws(objs: list[dict[str, Any]], role: str) -> dict[str, Any]:
    w = workload(objs, role)
    assert w["kind"] == "LeaderWorkerSet"
    return w


@pytest.mark.parametrize(
    ("par", "data", "local", "workers"),
    [
        ({"dataLocal": 2, "workers": 3}, 6, 2, 3),
        ({"data": 6, "workers": 3}, 6, 2, 3),
        ({"data": 6, "dataLocal": 3}, 6, 3, 2),
        ({"data": 8, "dataLocal": 2, "workers": 4}, 8, 2, 4),
    ],
)
def test_workers_any_two_determine_third(
    par: dict[str, int], data: int, local: int, workers: int
) -> None:
    objs = objects(
        base(
            multinode=True, decode={"parallelism": {**par, "tensor": 2}}, prefill={"create": False}
        )
    )
    lws = _lws(objs, "decode")
    assert lws["spec"]["leaderWorkerTemplate"]["size"] == workers
    for template in ("leaderTemplate", "workerTemplate"):
        c = first(objs, "decode", template=template)
        env = env_dict(c)
        assert (env["DP_SIZE"], env["TP_SIZE"], env["DP_SIZE_LOCAL"]) == (
            str(data),
            "2",
            str(local),
        )
        args = c["args"]
        assert args[args.index("--data-parallel-size") + 1] == str(data)
        assert args[args.index("--data-parallel-size-local") + 1] == str(local)
        assert resources(c) == {
            "limits": {"nvidia.com/gpu": str(2 * local)},
            "requests": {"nvidia.com/gpu": str(2 * local)},
        }


def test_workers_lws_size_for_prefill() -> None:
    objs = objects(base(multinode=True, prefill={"parallelism": {"dataLocal": 1, "workers": 5}}))
    lws = _lws(objs, "prefill")
    assert lws["spec"]["leaderWorkerTemplate"]["size"] == 5
    c = first(objs, "prefill", template="workerTemplate")
    assert env_dict(c)["DP_SIZE"] == "5"
    assert env_dict(c)["DP_SIZE_LOCAL"] == "1"
    assert "--data-parallel-size-local" not in c["args"]
    assert c["args"][c["args"].index("--data-parallel-size") + 1] == "5"


def test_workers_mismatch_is_error_naming_values() -> None:
    err = values_error(
        base(multinode=True, decode={"parallelism": {"data": 10, "dataLocal": 3, "workers": 4}})
    )
    p = problem_at(err, "decode.parallelism")
    for n in ("10", "3", "4"):
        assert n in p.message


def test_workers_mismatch_prefill_path() -> None:
    err = values_error(base(prefill={"parallelism": {"data": 4, "dataLocal": 4, "workers": 2}}))
    assert "prefill.parallelism" in paths(err)


# =========================================================================== modelArtifacts.name


def _served(c: dict[str, Any]) -> str:
    args = c["args"]
    return str(args[args.index("--served-model-name") + 1])


def test_model_artifacts_name_fills_served_name() -> None:
    objs = objects(base(modelArtifacts={"name": "opt-small"}))
    assert _served(first(objs, "decode")) == "opt-small"
    assert _served(first(objs, "prefill")) == "opt-small"


def test_routing_model_name_still_valid() -> None:
    objs = objects(base(routing={"modelName": "my/opt"}))
    assert _served(first(objs, "decode")) == "my/opt"
    assert rendered(base(routing={"modelName": "my/opt"})).model.routing.model_name == "my/opt"


def test_model_name_both_equal_is_fine() -> None:
    objs = objects(base(modelArtifacts={"name": "same"}, routing={"modelName": "same"}))
    assert _served(first(objs, "decode")) == "same"


def test_model_name_chart_default_when_neither_set() -> None:
    objs = objects(base())
    assert _served(first(objs, "decode")) == "random/modelId"


def test_model_name_conflict_is_error() -> None:
    err = values_error(base(modelArtifacts={"name": "a/b"}, routing={"modelName": "c/d"}))
    assert paths(err) == ["modelArtifacts.name"]
    assert "a/b" in err.problems[0].message and "c/d" in err.problems[0].message


def test_model_name_from_files_and_sets(tmp_path: Any) -> None:
    f = tmp_path / "v.yaml"
    f.write_text("modelArtifacts:\n  uri: hf://facebook/opt-125m\n  name: from-file\n")
    values = modelservice.load_values(files=[str(f)], sets=[])
    objs = modelservice.render(values, release="rel")
    assert _served(first(objs, "decode")) == "from-file"
    values = modelservice.load_values(files=[str(f)], sets=["routing.modelName=other"])
    with pytest.raises(modelservice.ValuesError) as info:
        modelservice.render(values, release="rel")
    assert [p.path for p in info.value.problems] == ["modelArtifacts.name"]


# =========================================================================== mountPath / readOnly


def test_mount_path_hf() -> None:
    objs = objects(base(modelArtifacts={"mountPath": "/models"}))
    for role in ("decode", "prefill"):
        c = first(objs, role)
        assert c["volumeMounts"] == [{"name": "model-storage", "mountPath": "/models"}]
        assert env_dict(c)["HF_HOME"] == "/models"


def test_mount_path_pvc_argument_and_read_only_default() -> None:
    objs = objects(base(modelArtifacts={"uri": "pvc://weights/llama/8b", "mountPath": "/mnt/w"}))
    d = first(objs, "decode")
    assert d["args"][0] == "/mnt/w/llama/8b"
    assert d["volumeMounts"] == [{"name": "model-storage", "mountPath": "/mnt/w"}]
    assert "HF_HOME" not in env_dict(d)
    assert {
        "name": "model-storage",
        "persistentVolumeClaim": {"claimName": "weights", "readOnly": True},
    } in pod_spec(objs, "decode")["volumes"]


def test_mount_path_pvc_without_path() -> None:
    objs = objects(
        base(
            modelArtifacts={"uri": "pvc://weights", "mountPath": "/w"},
            prefill={"containers": [vllm(modelCommand="imageDefault")]},
        )
    )
    assert first(objs, "decode")["args"][0] == "/w"
    assert first(objs, "prefill")["args"][:2] == ["--model", "/w"]


def test_mount_path_oci_argument() -> None:
    objs = objects(base(modelArtifacts={"uri": "oci://quay.io/org/model:1", "mountPath": "/oci"}))
    d = first(objs, "decode")
    assert d["args"][0] == "/oci"
    assert d["volumeMounts"] == [{"name": "model-storage", "mountPath": "/oci"}]


def test_read_only_false() -> None:
    objs = objects(base(modelArtifacts={"uri": "pvc://weights/m", "readOnly": False}))
    vols = pod_spec(objs, "prefill")["volumes"]
    assert vols == [
        {
            "name": "model-storage",
            "persistentVolumeClaim": {"claimName": "weights", "readOnly": False},
        }
    ]


def test_default_mount_path_unchanged() -> None:
    objs = objects(base())
    assert first(objs, "decode")["volumeMounts"] == [
        {"name": "model-storage", "mountPath": "/model-cache"}
    ]


# =========================================================================== pvc+hf


def test_pvc_hf_volume_argument_and_hub_cache() -> None:
    objs = objects(
        base(
            modelArtifacts={
                "uri": "pvc+hf://hub-claim/a/b/c/Qwen/Qwen3-8B",
                "authSecretName": "tok",
            },
            prefill={"containers": [vllm(modelCommand="imageDefault")]},
        )
    )
    assert pod_spec(objs, "decode")["volumes"] == [
        {
            "name": "model-storage",
            "persistentVolumeClaim": {"claimName": "hub-claim", "readOnly": True},
        }
    ]
    d = first(objs, "decode")
    assert d["args"][0] == "Qwen/Qwen3-8B"
    assert first(objs, "prefill")["args"][:2] == ["--model", "Qwen/Qwen3-8B"]
    assert d["env"][3:] == [
        {"name": "HF_HUB_CACHE", "value": "/model-cache/a/b/c"},
        {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "tok", "key": "HF_TOKEN"}}},
    ]
    assert "HF_HOME" not in env_dict(d)


def test_pvc_hf_with_mount_path_and_read_only_false() -> None:
    objs = objects(
        base(
            modelArtifacts={
                "uri": "pvc+hf://c1/hub/org/model",
                "mountPath": "/data",
                "readOnly": False,
            }
        )
    )
    d = first(objs, "decode")
    assert env_dict(d)["HF_HUB_CACHE"] == "/data/hub"
    assert d["args"][0] == "org/model"
    assert pod_spec(objs, "decode")["volumes"] == [
        {"name": "model-storage", "persistentVolumeClaim": {"claimName": "c1", "readOnly": False}}
    ]


def test_pvc_hf_container_without_mount_gets_no_cache_env() -> None:
    objs = objects(
        base(
            modelArtifacts={"uri": "pvc+hf://c1/hub/org/model"},
            decode={"containers": [vllm(mountModelVolume=False)]},
        )
    )
    d = first(objs, "decode")
    assert [e["name"] for e in d["env"]] == ["DP_SIZE", "TP_SIZE", "DP_SIZE_LOCAL"]
    assert "volumeMounts" not in d


@pytest.mark.parametrize(
    "uri", ["pvc+hf://claim/org/model", "pvc+hf://claim/model", "pvc+hf://claim"]
)
def test_pvc_hf_too_few_segments_is_error(uri: str) -> None:
    err = values_error(base(modelArtifacts={"uri": uri}))
    assert paths(err) == ["modelArtifacts.uri"]


# =========================================================================== pod controls


def test_annotations_on_deployment_metadata_only() -> None:
    objs = objects(base(decode={"annotations": {"team": "ml", "cost": "42"}}))
    d = workload(objs, "decode")
    assert d["metadata"]["annotations"] == {"team": "ml", "cost": "42"}
    assert "annotations" not in d["spec"]["template"]["metadata"]
    assert "annotations" not in workload(objs, "prefill")["metadata"]


def test_annotations_on_lws_metadata() -> None:
    objs = objects(base(multinode=True, prefill={"annotations": {"a": "b"}}))
    assert workload(objs, "prefill")["metadata"]["annotations"] == {"a": "b"}
    assert "annotations" not in workload(objs, "decode")["metadata"]


def test_pod_annotations_deployment_template() -> None:
    objs = objects(base(prefill={"podAnnotations": {"sidecar.istio.io/inject": "false"}}))
    p = workload(objs, "prefill")
    assert p["spec"]["template"]["metadata"]["annotations"] == {"sidecar.istio.io/inject": "false"}
    assert "annotations" not in p["metadata"]


def test_pod_annotations_lws_leader_and_worker() -> None:
    objs = objects(base(multinode=True, decode={"podAnnotations": {"x": "1"}}))
    lwt = workload(objs, "decode")["spec"]["leaderWorkerTemplate"]
    assert lwt["leaderTemplate"]["metadata"]["annotations"] == {"x": "1"}
    assert lwt["workerTemplate"]["metadata"]["annotations"] == {"x": "1"}


def test_pod_labels_added_to_template_not_selector() -> None:
    objs = objects(base(decode={"podLabels": {"tier": "gold", "app": "llm"}}))
    d = workload(objs, "decode")
    assert d["spec"]["selector"]["matchLabels"] == SELECTOR_DECODE
    assert d["spec"]["template"]["metadata"]["labels"] == {
        **SELECTOR_DECODE,
        "tier": "gold",
        "app": "llm",
    }
    assert workload(objs, "prefill")["spec"]["template"]["metadata"]["labels"] == SELECTOR_PREFILL


def test_pod_labels_lws_templates() -> None:
    objs = objects(base(multinode=True, prefill={"podLabels": {"tier": "gold"}}))
    lws = workload(objs, "prefill")
    lwt = lws["spec"]["leaderWorkerTemplate"]
    assert lwt["workerTemplate"]["metadata"]["labels"] == {**SELECTOR_PREFILL, "tier": "gold"}
    for t in ("leaderTemplate", "workerTemplate"):
        if t in lwt:
            assert lwt[t]["metadata"]["labels"]["tier"] == "gold"
    assert lws["metadata"]["labels"] == {**COMMON, **SELECTOR_PREFILL}


@pytest.mark.parametrize("key", ["llm-d.ai/inferenceServing", "llm-d.ai/model", "llm-d.ai/role"])
def test_pod_labels_reserved_key_is_error(key: str) -> None:
    err = values_error(base(decode={"podLabels": {key: "x"}}))
    assert len(err.problems) == 1
    assert err.problems[0].path.startswith("decode.podLabels")
    assert key in err.problems[0].path


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("nodeSelector", {"node-pool": "gpu"}),
        ("tolerations", [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]),
        ("priorityClassName", "high"),
        ("runtimeClassName", "nvidia"),
        ("terminationGracePeriodSeconds", 300),
        ("enableServiceLinks", False),
        ("hostIPC", True),
        ("hostPID", True),
        ("schedulerName", "volcano"),
    ],
)
def test_pod_spec_controls(key: str, value: Any) -> None:
    objs = objects(base(prefill={key: value}))
    assert pod_spec(objs, "prefill")[key] == value
    assert key not in pod_spec(objs, "decode")


@pytest.mark.parametrize(
    ("key", "value"),
    [("nodeSelector", {"a": "b"}), ("hostPID", False), ("terminationGracePeriodSeconds", 0)],
)
def test_pod_spec_controls_lws_both_templates(key: str, value: Any) -> None:
    objs = objects(base(multinode=True, decode={key: value}))
    assert pod_spec(objs, "decode", template="leaderTemplate")[key] == value
    assert pod_spec(objs, "decode", template="workerTemplate")[key] == value


def test_scheduler_name_top_level_default_and_role_override() -> None:
    objs = objects(base(schedulerName="gpu-sched", decode={"schedulerName": "other"}))
    assert pod_spec(objs, "decode")["schedulerName"] == "other"
    assert pod_spec(objs, "prefill")["schedulerName"] == "gpu-sched"


def test_scheduler_name_top_level_both_roles() -> None:
    objs = objects(base(schedulerName="gpu-sched"))
    assert pod_spec(objs, "decode")["schedulerName"] == "gpu-sched"
    assert pod_spec(objs, "prefill")["schedulerName"] == "gpu-sched"
    assert (
        "schedulerName" not in find(objs, "Deployment", f"{FULL}-epp")["spec"]["template"]["spec"]
    )


AFFINITY = {
    "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]},
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]},
            ]
        }
    },
    "podAntiAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {
                "weight": 10,
                "podAffinityTerm": {
                    "topologyKey": "kubernetes.io/hostname",
                    "labelSelector": {"matchLabels": {"x": "y"}},
                },
            }
        ]
    },
}
ACC_EXPR = {"key": "gpu.product", "operator": "In", "values": ["H100", "A100"]}
ACC_TYPES = {"labelKey": "gpu.product", "labelValues": ["H100", "A100"]}


def test_affinity_passed_through() -> None:
    objs = objects(base(decode={"affinity": AFFINITY}))
    assert pod_spec(objs, "decode")["affinity"] == AFFINITY
    assert "affinity" not in pod_spec(objs, "prefill")


def test_affinity_with_accelerator_types_appends_to_every_term() -> None:
    import copy

    before = copy.deepcopy(AFFINITY)
    objs = objects(base(decode={"affinity": AFFINITY, "acceleratorTypes": ACC_TYPES}))
    assert before == AFFINITY, "the input values must not be mutated"
    assert pod_spec(objs, "decode")["affinity"] == {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": "zone", "operator": "In", "values": ["a"]},
                            ACC_EXPR,
                        ]
                    },
                    {
                        "matchFields": [
                            {"key": "metadata.name", "operator": "In", "values": ["n1"]}
                        ],
                        "matchExpressions": [ACC_EXPR],
                    },
                ]
            }
        },
        "podAntiAffinity": AFFINITY["podAntiAffinity"],
    }


def test_affinity_required_created_if_absent() -> None:
    preferred_only = {"podAntiAffinity": AFFINITY["podAntiAffinity"]}
    objs = objects(base(prefill={"affinity": preferred_only, "acceleratorTypes": ACC_TYPES}))
    assert pod_spec(objs, "prefill")["affinity"] == {
        "podAntiAffinity": AFFINITY["podAntiAffinity"],
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [ACC_EXPR]}]
            }
        },
    }


def test_affinity_node_affinity_preferred_kept_required_added() -> None:
    pref = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 1,
                    "preference": {"matchExpressions": [{"key": "k", "operator": "Exists"}]},
                }
            ]
        }
    }
    objs = objects(base(decode={"affinity": pref, "acceleratorTypes": ACC_TYPES}))
    na = pod_spec(objs, "decode")["affinity"]["nodeAffinity"]
    assert (
        na["preferredDuringSchedulingIgnoredDuringExecution"]
        == pref["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    )
    assert na["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchExpressions": [ACC_EXPR]}]
    }


def test_init_containers_after_routing_proxy_on_decode() -> None:
    init = [
        {"name": "warm", "image": "busybox", "command": ["true"]},
        {"name": "fetch", "image": "alpine", "command": ["sh"]},
    ]
    objs = objects(base(decode={"initContainers": init}, prefill={"initContainers": init[:1]}))
    names = [c["name"] for c in pod_spec(objs, "decode")["initContainers"]]
    assert names == ["routing-proxy", "warm", "fetch"]
    assert pod_spec(objs, "decode")["initContainers"][1:] == init
    assert pod_spec(objs, "prefill")["initContainers"] == init[:1]


def test_strategy_on_deployment() -> None:
    strategy = {"type": "Recreate"}
    objs = objects(base(prefill={"strategy": strategy}))
    assert workload(objs, "prefill")["spec"]["strategy"] == strategy
    assert "strategy" not in workload(objs, "decode")["spec"]


def test_strategy_with_multinode_is_error() -> None:
    err = values_error(
        base(
            multinode=True,
            prefill={"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}},
        )
    )
    assert paths(err) == ["prefill.strategy"]


def test_sub_group_and_startup_policy_on_lws() -> None:
    objs = objects(
        base(
            multinode=True,
            prefill={
                "parallelism": {"data": 4, "dataLocal": 2},
                "subGroupPolicy": {"subGroupSize": 1},
                "startupPolicy": "LeaderCreated",
            },
        )
    )
    spec = workload(objs, "prefill")["spec"]
    lwt = spec["leaderWorkerTemplate"]
    assert lwt["subGroupPolicy"] == {"subGroupSize": 1}
    # LeaderWorkerSet v1: startupPolicy is a field of the spec, not of the template
    assert spec["startupPolicy"] == "LeaderCreated" and "startupPolicy" not in lwt
    assert lwt["size"] == 2
    d = workload(objs, "decode")["spec"]
    assert "subGroupPolicy" not in d["leaderWorkerTemplate"] and "startupPolicy" not in d


@pytest.mark.parametrize(
    ("key", "value"), [("subGroupPolicy", {"subGroupSize": 2}), ("startupPolicy", "LeaderReady")]
)
def test_lws_policies_without_multinode_are_errors(key: str, value: Any) -> None:
    err = values_error(base(decode={key: value}))
    assert paths(err) == [f"decode.{key}"]


# --------------------------------------------------------------------------- PodMonitor


def test_pod_monitor_defaults() -> None:
    objs = objects(base(decode={"monitoring": {"podmonitor": {"enabled": True}}}))
    pm = find(objs, "PodMonitor", f"{FULL}-decode")
    assert pm == {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": f"{FULL}-decode", "labels": COMMON},
        "spec": {
            "selector": {"matchLabels": SELECTOR_DECODE},
            "podMetricsEndpoints": [{"port": "metrics", "path": "/metrics", "interval": "15s"}],
        },
    }
    assert [o for o in objs if o["kind"] == "PodMonitor"] == [pm]


def test_pod_monitor_custom_fields_and_order() -> None:
    objs = objects(
        base(
            decode={"monitoring": {"podmonitor": {"enabled": True}}},
            prefill={
                "monitoring": {
                    "podmonitor": {
                        "enabled": True,
                        "portName": "vllm",
                        "path": "/m",
                        "interval": "1m",
                        "labels": {"release": "prom"},
                        "annotations": {"note": "x"},
                    }
                }
            },
        )
    )
    pm = find(objs, "PodMonitor", f"{FULL}-prefill")
    assert pm["metadata"] == {
        "name": f"{FULL}-prefill",
        "labels": {**COMMON, "release": "prom"},
        "annotations": {"note": "x"},
    }
    assert "namespace" not in pm["metadata"]
    assert pm["spec"] == {
        "selector": {"matchLabels": SELECTOR_PREFILL},
        "podMetricsEndpoints": [{"port": "vllm", "path": "/m", "interval": "1m"}],
    }
    ks = kinds(objs)
    assert ks[-2:] == [f"PodMonitor/{FULL}-decode", f"PodMonitor/{FULL}-prefill"]
    assert ks.index(f"InferencePool/{FULL}") < ks.index(f"PodMonitor/{FULL}-decode")


def test_pod_monitor_disabled_or_role_not_created() -> None:
    objs = objects(
        base(
            decode={"monitoring": {"podmonitor": {"enabled": False}}},
            prefill={"create": False, "monitoring": {"podmonitor": {"enabled": True}}},
        )
    )
    assert [o for o in objs if o["kind"] == "PodMonitor"] == []


def test_pod_monitor_multinode_selector() -> None:
    objs = objects(base(multinode=True, prefill={"monitoring": {"podmonitor": {"enabled": True}}}))
    pm = find(objs, "PodMonitor", f"{FULL}-prefill")
    assert pm["spec"]["selector"] == {"matchLabels": SELECTOR_PREFILL}


# --------------------------------------------------------------------------- service account


def test_service_account_override() -> None:
    objs = objects(base(serviceAccountOverride="existing-sa"))
    assert pod_spec(objs, "decode")["serviceAccountName"] == "existing-sa"
    assert pod_spec(objs, "prefill")["serviceAccountName"] == "existing-sa"
    sas = [o["metadata"]["name"] for o in objs if o["kind"] == "ServiceAccount"]
    assert sas == [f"{FULL}-epp"]


def test_service_account_override_lws() -> None:
    objs = objects(base(multinode=True, serviceAccountOverride="sa1"))
    for t in ("leaderTemplate", "workerTemplate"):
        assert pod_spec(objs, "decode", template=t)["serviceAccountName"] == "sa1"


def test_service_account_default_created() -> None:
    objs = objects(base())
    sas = [o["metadata"]["name"] for o in objs if o["kind"] == "ServiceAccount"]
    assert sas == [f"{FULL}-epp", FULL]
    assert pod_spec(objs, "decode")["serviceAccountName"] == FULL


# --------------------------------------------------------------------------- containers


def test_container_startup_probe_lifecycle_env_from() -> None:
    probe = {"httpGet": {"path": "/health", "port": 8200}, "failureThreshold": 30}
    lifecycle = {"preStop": {"exec": {"command": ["sleep", "10"]}}}
    env_from = [{"configMapRef": {"name": "cfg"}}, {"secretRef": {"name": "sec", "optional": True}}]
    objs = objects(
        base(
            prefill={
                "containers": [
                    vllm(),
                    {
                        "name": "side",
                        "image": "busybox",
                        "command": ["sleep", "inf"],
                        "startupProbe": probe,
                        "lifecycle": lifecycle,
                        "envFrom": env_from,
                    },
                ]
            },
            decode={
                "containers": [vllm(startupProbe=probe, lifecycle=lifecycle, envFrom=env_from)]
            },
        )
    )
    for c in (first(objs, "decode"), containers(objs, "prefill")[1]):
        assert c["startupProbe"] == probe
        assert c["lifecycle"] == lifecycle
        assert c["envFrom"] == env_from
    assert "startupProbe" not in first(objs, "prefill")


def test_unknown_top_level_accelerator_type_reported_once() -> None:
    """One wrong value is one problem: the top-level type is shared by both roles, but the
    user wrote it once and should be told once."""
    err = values_error(base(accelerator={"type": "tpu"}))
    assert paths(err) == ["accelerator.type"]


def test_new_key_errors_reported_together_with_file_lines(tmp_path: Any) -> None:
    f = tmp_path / "values.yaml"
    f.write_text(
        "multinode: true\n"  # 1
        "modelArtifacts:\n"  # 2
        "  uri: pvc+hf://claim/org/model\n"  # 3
        "  name: a\n"  # 4
        "routing:\n"  # 5
        "  modelName: b\n"  # 6
        "decode:\n"  # 7
        "  strategy: {type: Recreate}\n"  # 8
        "  parallelism: {data: 5, dataLocal: 2, workers: 2}\n"  # 9
        "  podLabels:\n"  # 10
        "    llm-d.ai/model: x\n"  # 11
    )
    values = modelservice.load_values(files=[str(f)])
    with pytest.raises(modelservice.ValuesError) as info:
        modelservice.render(values, release="rel")
    located = {p.path: (p.source, p.line) for p in info.value.problems}
    assert located["modelArtifacts.uri"] == (str(f), 3)
    assert located["modelArtifacts.name"] == (str(f), 4)
    assert located["decode.strategy"] == (str(f), 8)
    assert located["decode.parallelism"] == (str(f), 9)
    assert [p for p in located if p.startswith("decode.podLabels")]
