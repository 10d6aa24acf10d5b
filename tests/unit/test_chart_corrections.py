"""Where the default mode corrects the 0.0.9 chart (the shared conformance README lists
these corrections), and oci:// model volumes, asserted on the rendered objects."""

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
    gpu,
    objects,
    pod_spec,
    rendered,
    vllm,
    workload,
)

DP_DEFAULT = [
    {"name": "DP_SIZE", "value": "1"},
    {"name": "TP_SIZE", "value": "1"},
    {"name": "DP_SIZE_LOCAL", "value": "1"},
]


def test_public_render_function_is_callable_repeatedly() -> None:
    """``modelservice.render`` is the API function, also after the renderer was imported
    (the ``modelservice.render`` sub-package must not shadow it)."""
    import importlib

    importlib.import_module("modelservice.renderer.manifest")
    first_objs = modelservice.render({"decode": {"replicas": 2}}, release="rel")
    again = modelservice.render({"decode": {"replicas": 2}}, release="rel")
    assert first_objs == again
    assert find(again, "Deployment", f"{FULL}-decode")["spec"]["replicas"] == 2


def test_public_render_in_fresh_interpreter() -> None:
    import subprocess
    import sys

    code = (
        "import modelservice\n"
        "a = modelservice.render({}, release='rel')\n"
        "b = modelservice.render({}, release='rel')\n"
        "assert a == b and len(a) == 10, len(a)\n"
        "print('ok')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ok\n"


# ------------------------------------------------------- a pvc:// model path lies under the mount


def test_f1_pvc_path_argument_vllm_serve_and_image_default() -> None:
    objs = objects(
        {
            "modelArtifacts": {"uri": "pvc://model-pvc/models/llama", "authSecretName": "s"},
            "decode": {"containers": [vllm()]},
            "prefill": {"containers": [vllm(modelCommand="imageDefault")]},
        }
    )
    d = first(objs, "decode")
    assert d["command"] == ["vllm", "serve"]
    assert d["args"][0] == "/model-cache/models/llama"
    p = first(objs, "prefill")
    assert "command" not in p
    assert p["args"][:2] == ["--model", "/model-cache/models/llama"]
    assert pod_spec(objs, "decode")["volumes"] == [
        {
            "name": "model-storage",
            "persistentVolumeClaim": {"claimName": "model-pvc", "readOnly": True},
        }
    ]
    assert d["volumeMounts"] == [{"name": "model-storage", "mountPath": "/model-cache"}]
    env = env_dict(d)
    assert "HF_HOME" not in env
    assert env["HF_TOKEN"] == {"secretKeyRef": {"name": "s", "key": "HF_TOKEN"}}


@pytest.mark.parametrize("uri", ["pvc://model-pvc", "pvc://model-pvc/"])
def test_f1_pvc_without_path_is_the_mount_root(uri: str) -> None:
    objs = objects({"modelArtifacts": {"uri": uri}, "decode": {"containers": [vllm()]}})
    assert first(objs, "decode")["args"][0] == "/model-cache"


def test_f1_pvc_path_with_trailing_slash() -> None:
    objs = objects({"modelArtifacts": {"uri": "pvc://c/a/b/"}, "decode": {"containers": [vllm()]}})
    assert first(objs, "decode")["args"][0] == "/model-cache/a/b"


# ----------------------------------------------------- each role's pod uses only its own settings


def test_f2_role_settings_do_not_leak() -> None:
    objs = objects(
        {
            "decode": {
                "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory"}}],
                "imagePullSecrets": [{"name": "dec-pull"}],
                "podSecurityContext": {"runAsUser": 1000},
                "acceleratorTypes": {"labelKey": "gpu/product", "labelValues": ["H100"]},
                "containers": [vllm()],
            },
            "prefill": {"containers": [vllm()]},
        }
    )
    d = pod_spec(objs, "decode")
    p = pod_spec(objs, "prefill")
    assert d["volumes"] == [
        {"name": "dshm", "emptyDir": {"medium": "Memory"}},
        {"name": "model-storage", "emptyDir": {"sizeLimit": "5Mi"}},
    ]
    assert d["imagePullSecrets"] == [{"name": "dec-pull"}]
    assert d["securityContext"] == {"runAsUser": 1000}
    assert d["affinity"] == {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": "gpu/product", "operator": "In", "values": ["H100"]}
                        ]
                    }
                ]
            }
        }
    }
    assert p["volumes"] == [{"name": "model-storage", "emptyDir": {"sizeLimit": "5Mi"}}]
    for key in ("imagePullSecrets", "securityContext", "affinity"):
        assert key not in p, key


def test_f2_prefill_settings_do_not_leak_into_decode() -> None:
    objs = objects(
        {
            "prefill": {
                "volumes": [{"name": "p", "emptyDir": {}}],
                "imagePullSecrets": [{"name": "pre-pull"}],
                "podSecurityContext": {"fsGroup": 2000},
                "acceleratorTypes": {"labelKey": "k", "labelValues": ["A", "B"]},
                "containers": [vllm()],
            },
        }
    )
    d = pod_spec(objs, "decode")
    p = pod_spec(objs, "prefill")
    assert [v["name"] for v in d["volumes"]] == ["model-storage"]
    assert [v["name"] for v in p["volumes"]] == ["p", "model-storage"]
    assert p["imagePullSecrets"] == [{"name": "pre-pull"}]
    assert p["securityContext"] == {"fsGroup": 2000}
    expr = p["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert expr["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == ["A", "B"]
    for key in ("imagePullSecrets", "securityContext", "affinity"):
        assert key not in d, key


def test_f2_multinode_roles_do_not_leak() -> None:
    objs = objects(
        {
            "multinode": True,
            "decode": {"imagePullSecrets": [{"name": "dec"}], "containers": [vllm()]},
            "prefill": {"containers": [vllm()]},
        }
    )
    for template in ("leaderTemplate", "workerTemplate"):
        assert pod_spec(objs, "decode", template=template)["imagePullSecrets"] == [{"name": "dec"}]
    assert "imagePullSecrets" not in pod_spec(objs, "prefill", template="workerTemplate")


# ---------------------------------------------------------- every container gets a valid env list


def test_f3_env_order_with_user_env_hf_and_secret() -> None:
    objs = objects(
        {
            "modelArtifacts": {"uri": "hf://org/m", "authSecretName": "hf-secret"},
            "decode": {
                "parallelism": {"tensor": 2, "data": 4, "dataLocal": 2},
                "containers": [
                    vllm(env=[{"name": "Z", "value": "z"}, {"name": "A", "value": "a"}])
                ],
            },
        }
    )
    assert first(objs, "decode")["env"] == [
        {"name": "Z", "value": "z"},
        {"name": "A", "value": "a"},
        {"name": "DP_SIZE", "value": "4"},
        {"name": "TP_SIZE", "value": "2"},
        {"name": "DP_SIZE_LOCAL", "value": "2"},
        {"name": "HF_HOME", "value": "/model-cache"},
        {
            "name": "HF_TOKEN",
            "valueFrom": {"secretKeyRef": {"name": "hf-secret", "key": "HF_TOKEN"}},
        },
    ]


def test_f3_container_with_neither_env_nor_mount() -> None:
    objs = objects(
        {
            "modelArtifacts": {"authSecretName": "hf-secret"},
            "decode": {"containers": [vllm(mountModelVolume=False)]},
        }
    )
    c = first(objs, "decode")
    assert c["env"] == DP_DEFAULT
    assert "volumeMounts" not in c


def test_f3_hf_home_only_for_hf_and_token_only_with_secret() -> None:
    objs = objects({"decode": {"containers": [vllm()]}})
    assert first(objs, "decode")["env"] == [
        *DP_DEFAULT,
        {"name": "HF_HOME", "value": "/model-cache"},
    ]
    objs = objects({"modelArtifacts": {"uri": "oci://r/m:1"}, "decode": {"containers": [vllm()]}})
    assert first(objs, "decode")["env"] == DP_DEFAULT


def test_f3_every_container_gets_env() -> None:
    objs = objects(
        {
            "decode": {
                "containers": [
                    vllm(),
                    {"name": "side", "image": "busybox", "command": ["sleep", "inf"]},
                ]
            }
        }
    )
    side = containers(objs, "decode")[1]
    assert side["env"] == DP_DEFAULT
    assert side["command"] == ["sleep", "inf"]
    assert "args" not in side


# ------------------------------------------------------------------- probes nest under their keys


def test_f4_probes_nested() -> None:
    live = {"httpGet": {"path": "/health", "port": 8200}, "periodSeconds": 10}
    ready = {"tcpSocket": {"port": 8200}, "initialDelaySeconds": 15}
    objs = objects({"decode": {"containers": [vllm(livenessProbe=live, readinessProbe=ready)]}})
    c = first(objs, "decode")
    assert c["livenessProbe"] == live
    assert c["readinessProbe"] == ready
    for flattened in ("httpGet", "tcpSocket", "periodSeconds", "initialDelaySeconds"):
        assert flattened not in c


# ------------------------------------------------------------------ multinode without autoscaling


def test_f5_multinode_without_autoscaling_key() -> None:
    objs = objects(
        {
            "multinode": True,
            "decode": {
                "replicas": 3,
                "parallelism": {"data": 4, "dataLocal": 2},
                "containers": [vllm()],
            },
            "prefill": {"replicas": 2, "containers": [vllm()]},
        }
    )
    d = workload(objs, "decode")
    assert d["kind"] == "LeaderWorkerSet"
    assert d["apiVersion"] == "leaderworkerset.x-k8s.io/v1"
    assert d["spec"]["replicas"] == 3
    assert d["spec"]["leaderWorkerTemplate"]["size"] == 2
    assert list(d["spec"]["leaderWorkerTemplate"]) == ["size", "leaderTemplate", "workerTemplate"]
    leader = pod_spec(objs, "decode", template="leaderTemplate")
    worker = pod_spec(objs, "decode", template="workerTemplate")
    assert [c["name"] for c in leader["initContainers"]] == ["routing-proxy"]
    assert "initContainers" not in worker
    p = workload(objs, "prefill")
    assert p["spec"]["replicas"] == 2
    assert "leaderTemplate" not in p["spec"]["leaderWorkerTemplate"]
    assert "initContainers" not in pod_spec(objs, "prefill", template="workerTemplate")
    pool = find(objs, "InferencePool", FULL)
    assert pool["spec"]["selector"] == {
        "llm-d.ai/inferenceServing": "true",
        "llm-d.ai/model": FULL,
        "leaderworkerset.sigs.k8s.io/worker-index": "0",
    }
    assert not [o for o in objs if o["kind"] == "Deployment" and "epp" not in o["metadata"]["name"]]


def test_f5_multinode_autoscaling_enabled_omits_replicas() -> None:
    objs = objects({"multinode": True, "decode": {"autoscaling": {"enabled": True}, "replicas": 4}})
    assert "replicas" not in workload(objs, "decode")["spec"]
    assert workload(objs, "prefill")["spec"]["replicas"] == 1


def test_f5_autoscaling_null_is_disabled() -> None:
    objs = objects({"multinode": True, "decode": {"autoscaling": None, "replicas": 2}})
    assert workload(objs, "decode")["spec"]["replicas"] == 2


# ----------------------------------------------------------- vllmServe and imageDefault arguments


def test_f6_vllm_serve_args_order_decode_and_prefill() -> None:
    objs = objects(
        {
            "modelArtifacts": {"uri": "hf://org/model"},
            "routing": {"modelName": "served", "servicePort": 8080, "proxy": {"targetPort": 8001}},
            "decode": {
                "parallelism": {"tensor": 2, "data": 4, "dataLocal": 2},
                "containers": [vllm(args=["--enforce-eager"])],
            },
            "prefill": {
                "parallelism": {"tensor": 4},
                "containers": [vllm(modelCommand="imageDefault", args=["--x", "y"])],
            },
        }
    )
    d = first(objs, "decode")
    assert d["command"] == ["vllm", "serve"]
    assert d["args"] == [
        "org/model",
        "--port",
        "8001",
        "--tensor-parallel-size",
        "2",
        "--data-parallel-size",
        "4",
        "--data-parallel-size-local",
        "2",
        "--served-model-name",
        "served",
        "--enforce-eager",
    ]
    p = first(objs, "prefill")
    assert "command" not in p
    assert p["args"] == [
        "--model",
        "org/model",
        "--port",
        "8080",
        "--tensor-parallel-size",
        "4",
        "--served-model-name",
        "served",
        "--x",
        "y",
    ]


def test_f6_parallelism_of_one_adds_no_flags() -> None:
    objs = objects({"routing": {"modelName": "m"}, "decode": {"containers": [vllm()]}})
    assert first(objs, "decode")["args"] == [
        "random/modelid",
        "--port",
        "8200",
        "--served-model-name",
        "m",
    ]


def test_f6_no_model_name_no_served_flag() -> None:
    objs = objects({"routing": {"modelName": None}, "decode": {"containers": [vllm()]}})
    assert first(objs, "decode")["args"] == ["random/modelid", "--port", "8200"]


@pytest.mark.parametrize(
    "user",
    [
        [
            "--tensor-parallel-size",
            "8",
            "--data-parallel-size",
            "4",
            "--data-parallel-size-local",
            "2",
        ],
        ["--tensor-parallel-size=8", "--data-parallel-size=4", "--data-parallel-size-local=2"],
        ["-tp", "8", "-dp", "4", "-dpl", "2"],
        ["-tp=8", "-dp=4", "-dpl=2"],
    ],
    ids=["space", "equals", "short", "short-equals"],
)
def test_f7_parallelism_flags_not_duplicated(user: list[str]) -> None:
    objs = objects(
        {
            "routing": {"modelName": "m"},
            "decode": {
                "parallelism": {"tensor": 2, "data": 4, "dataLocal": 2},
                "containers": [vllm(args=user)],
            },
        }
    )
    assert first(objs, "decode")["args"] == [
        "random/modelid",
        "--port",
        "8200",
        "--served-model-name",
        "m",
        *user,
    ]


@pytest.mark.parametrize(
    "user",
    [["--port", "9999", "--served-model-name", "x"], ["--port=9999", "--served-model-name=x"]],
)
def test_f7_port_and_served_name_not_duplicated(user: list[str]) -> None:
    objs = objects({"routing": {"modelName": "m"}, "decode": {"containers": [vllm(args=user)]}})
    assert first(objs, "decode")["args"] == ["random/modelid", *user]


def test_f7_image_default_model_flag_not_duplicated() -> None:
    objs = objects(
        {
            "routing": {"modelName": None},
            "prefill": {"containers": [vllm(modelCommand="imageDefault", args=["--model", "/m"])]},
        }
    )
    assert first(objs, "prefill")["args"] == ["--port", "8000", "--model", "/m"]


def test_f7_similar_flag_names_are_not_the_same_flag() -> None:
    objs = objects(
        {
            "routing": {"modelName": None},
            "decode": {
                "parallelism": {"tensor": 2},
                "containers": [
                    vllm(args=["--portal", "1", "--tensor-parallel-size-x", "3", "-tpx"])
                ],
            },
        }
    )
    assert first(objs, "decode")["args"] == [
        "random/modelid",
        "--port",
        "8200",
        "--tensor-parallel-size",
        "2",
        "--portal",
        "1",
        "--tensor-parallel-size-x",
        "3",
        "-tpx",
    ]


def test_f7_only_some_flags_given() -> None:
    objs = objects(
        {
            "routing": {"modelName": None},
            "decode": {
                "parallelism": {"data": 16, "dataLocal": 8},
                "containers": [
                    vllm(args=["--enable-expert-parallel", "--data-parallel-size", "16"])
                ],
            },
        }
    )
    assert first(objs, "decode")["args"] == [
        "random/modelid",
        "--port",
        "8200",
        "--data-parallel-size-local",
        "8",
        "--enable-expert-parallel",
        "--data-parallel-size",
        "16",
    ]


def test_custom_command_is_left_alone() -> None:
    objs = objects(
        {
            "decode": {
                "parallelism": {"tensor": 2},
                "containers": [
                    vllm(modelCommand="custom", command=["/bin/sh", "-c"], args=["run"])
                ],
            }
        }
    )
    c = first(objs, "decode")
    assert c["command"] == ["/bin/sh", "-c"]
    assert c["args"] == ["run"]


# ------------------------------------------------------------------- container ports are rendered


def test_f8_ports_rendered() -> None:
    ports = [{"containerPort": 8200, "name": "http", "protocol": "TCP"}, {"containerPort": 5557}]
    objs = objects(
        {"decode": {"containers": [vllm(ports=ports)]}, "prefill": {"containers": [vllm()]}}
    )
    assert first(objs, "decode")["ports"] == ports
    assert "ports" not in first(objs, "prefill")


# ---------------------------------------------------------------------------- replicas: 0 stays 0


def test_f9_replicas_zero_kept() -> None:
    objs = objects({"decode": {"replicas": 0}, "prefill": {"replicas": 0}})
    assert workload(objs, "decode")["spec"]["replicas"] == 0
    assert workload(objs, "prefill")["spec"]["replicas"] == 0


def test_f9_replicas_zero_kept_multinode() -> None:
    objs = objects({"multinode": True, "decode": {"replicas": 0}})
    assert workload(objs, "decode")["spec"]["replicas"] == 0


# ------------------------------------------------------ accelerator counts follow the parallelism


def _gpu_of(role_values: dict[str, Any], role: str = "decode") -> tuple[Any, Any, tuple[Any, ...]]:
    result = rendered({role: role_values})
    return (*gpu(first(result.objects, role)), result.warnings)


def test_f10_default_count_is_tensor_times_data_local() -> None:
    lim, req, warns = _gpu_of(
        {"parallelism": {"tensor": 2, "data": 4, "dataLocal": 4}, "containers": [vllm()]}
    )
    assert (lim, req) == ("8", "8")
    assert warns == ()


def test_f10_default_count_one() -> None:
    assert _gpu_of({"containers": [vllm()]})[:2] == ("1", "1")


def test_f10_larger_explicit_count_kept_and_copied() -> None:
    lim, req, warns = _gpu_of(
        {
            "parallelism": {"tensor": 4},
            "containers": [
                vllm(
                    resources={
                        "limits": {"nvidia.com/gpu": "8", "memory": "1Gi"},
                        "requests": {"cpu": "4"},
                    }
                )
            ],
        }
    )
    assert (lim, req) == ("8", "8")
    assert warns == ()
    res = first(
        rendered(
            {
                "decode": {
                    "parallelism": {"tensor": 4},
                    "containers": [
                        vllm(
                            resources={
                                "limits": {"nvidia.com/gpu": "8", "memory": "1Gi"},
                                "requests": {"cpu": "4"},
                            }
                        )
                    ],
                }
            }
        ).objects,
        "decode",
    )["resources"]
    assert res == {
        "limits": {"nvidia.com/gpu": "8", "memory": "1Gi"},
        "requests": {"cpu": "4", "nvidia.com/gpu": "8"},
    }


def test_f10_explicit_int_count_kept_as_written() -> None:
    lim, req, _ = _gpu_of({"containers": [vllm(resources={"limits": {"nvidia.com/gpu": 2}})]})
    assert (lim, req) == (2, 2)


def test_f10_requests_copied_to_limits() -> None:
    lim, req, warns = _gpu_of(
        {
            "parallelism": {"tensor": 2},
            "containers": [vllm(resources={"requests": {"nvidia.com/gpu": "2"}})],
        }
    )
    assert (lim, req) == ("2", "2")
    assert warns == ()


def test_f10_smaller_count_raised_with_warning() -> None:
    lim, req, warns = _gpu_of(
        {
            "parallelism": {"tensor": 2, "dataLocal": 2, "data": 2},
            "containers": [vllm(resources={"limits": {"nvidia.com/gpu": "1"}})],
        }
    )
    assert (lim, req) == ("4", "4")
    assert [w.path for w in warns] == ['decode.containers[0].resources.limits."nvidia.com/gpu"']


def test_f10_both_sides_smaller_both_raised() -> None:
    lim, req, warns = _gpu_of(
        {
            "parallelism": {"tensor": 4},
            "containers": [
                vllm(resources={"limits": {"nvidia.com/gpu": 1}, "requests": {"nvidia.com/gpu": 2}})
            ],
        },
        role="prefill",
    )
    assert (lim, req) == ("4", "4")
    assert sorted(w.path for w in warns) == [
        'prefill.containers[0].resources.limits."nvidia.com/gpu"',
        'prefill.containers[0].resources.requests."nvidia.com/gpu"',
    ]


def test_f10_simulator_image_gets_no_accelerators() -> None:
    objs = objects({"decode": {"parallelism": {"tensor": 4}, "containers": [vllm(image=SIM)]}})
    assert first(objs, "decode")["resources"] == {"limits": {}, "requests": {}}


def test_f10_simulator_keeps_declared_resources() -> None:
    res = {"limits": {"cpu": "1"}, "requests": {"memory": "1Gi"}}
    objs = objects({"decode": {"containers": [vllm(image=SIM, resources=res)]}})
    assert first(objs, "decode")["resources"] == res


def test_f10_only_first_container() -> None:
    side_res = {"limits": {"memory": "1Gi"}}
    objs = objects(
        {
            "decode": {
                "parallelism": {"tensor": 2},
                "containers": [
                    vllm(),
                    {"name": "side", "image": VLLM, "command": ["x"], "resources": side_res},
                    {"name": "bare", "image": VLLM, "command": ["x"]},
                ],
            }
        }
    )
    cs = containers(objs, "decode")
    assert gpu(cs[0]) == ("2", "2")
    assert cs[1]["resources"] == {"limits": {"memory": "1Gi"}, "requests": {}}
    assert cs[2]["resources"] == {"limits": {}, "requests": {}}


def test_f10_applies_to_every_lws_template() -> None:
    objs = objects(
        {
            "multinode": True,
            "decode": {
                "parallelism": {"tensor": 2, "data": 4, "dataLocal": 2},
                "containers": [vllm()],
            },
        }
    )
    for template in ("leaderTemplate", "workerTemplate"):
        assert gpu(first(objs, "decode", template=template)) == ("4", "4")


# ----------------------------------------------------------------------------------------- oci://


def test_oci_image_volume_pull_policy_default_always() -> None:
    objs = objects(
        {
            "modelArtifacts": {"uri": "oci://quay.io/org/model:1.0"},
            "decode": {"containers": [vllm()]},
            "prefill": {"containers": [vllm(modelCommand="imageDefault")]},
        }
    )
    for role in ("decode", "prefill"):
        assert pod_spec(objs, role)["volumes"] == [
            {
                "name": "model-storage",
                "image": {"reference": "quay.io/org/model:1.0", "pullPolicy": "Always"},
            }
        ]
    assert first(objs, "decode")["args"][0] == "/model-cache"
    assert first(objs, "prefill")["args"][:2] == ["--model", "/model-cache"]


def test_oci_image_volume_explicit_pull_policy() -> None:
    objs = objects(
        {"modelArtifacts": {"uri": "oci://r.io/m@sha256:abc", "imagePullPolicy": "IfNotPresent"}}
    )
    assert pod_spec(objs, "decode")["volumes"][-1] == {
        "name": "model-storage",
        "image": {"reference": "r.io/m@sha256:abc", "pullPolicy": "IfNotPresent"},
    }


def test_hf_volume_is_empty_dir_with_size() -> None:
    objs = objects({"modelArtifacts": {"uri": "hf://a/b", "size": "20Gi"}})
    assert pod_spec(objs, "prefill")["volumes"] == [
        {"name": "model-storage", "emptyDir": {"sizeLimit": "20Gi"}}
    ]


# ------------------------------------------------------------------------------ other chart rules


def test_routing_proxy_sidecar_only_on_decode() -> None:
    objs = objects(
        {"routing": {"servicePort": 8080, "proxy": {"targetPort": 8001, "debugLevel": 3}}}
    )
    init = pod_spec(objs, "decode")["initContainers"]
    assert init == [
        {
            "name": "routing-proxy",
            "args": ["--port=8080", "--vllm-port=8001", "--connector=nixlv2", "-v=3"],
            "image": "ghcr.io/llm-d/llm-d-routing-sidecar:0.0.6",
            "imagePullPolicy": "Always",
            "ports": [{"containerPort": 8080}],
            "resources": {},
            "restartPolicy": "Always",
            "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True},
        }
    ]
    assert "initContainers" not in pod_spec(objs, "prefill")


def test_install_order() -> None:
    objs = objects({})
    assert [o["kind"] for o in objs] == [
        "ServiceAccount",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "Service",
        "Deployment",
        "Deployment",
        "Deployment",
        "HTTPRoute",
        "InferencePool",
    ]
