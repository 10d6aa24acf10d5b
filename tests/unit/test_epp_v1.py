"""The endpoint picker of a v1 InferencePool: v1-era flags, the plugins
ConfigMap, the Role of what it watches, the image default of its era, and the validation
that keeps a picker and a pool of different eras apart."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from modelservice.values.epp import (
    BUILTIN_CONFIGS,
    POOL_V1,
    POOL_V1ALPHA2,
    V1_DEFAULT_IMAGE,
    image_era,
)
from tests.unit.helpers import (
    FULL,
    find,
    kinds,
    objects,
    paths,
    problem_at,
    run_cli,
    values_error,
    vllm,
)

EPP = f"{FULL}-epp"
READ = ["get", "watch", "list"]
GAIE_V1 = "registry.k8s.io/gateway-api-inference-extension/epp:v1.0.1"


def values(*, prefill: bool = True, **epp: Any) -> dict[str, Any]:
    return {
        "modelArtifacts": {"uri": "hf://facebook/opt-125m"},
        "routing": {"modelName": "opt", "inferencePool": {"apiVersion": POOL_V1}, "epp": epp},
        "decode": {"containers": [vllm()]},
        "prefill": {"create": prefill, "containers": [vllm()]},
    }


def epp_pod(objs: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = find(objs, "Deployment", EPP)["spec"]["template"]["spec"]
    return spec


def arg(container: dict[str, Any], flag: str) -> str:
    args = container["args"]
    assert args.count(flag) == 1, f"{flag} not exactly once in {args}"
    return str(args[args.index(flag) + 1])


def test_v1_pool_renders_the_v1_picker() -> None:
    objs = objects(values(prefill=False), namespace="serving")
    pod = epp_pod(objs)
    c = pod["containers"][0]
    assert c["image"] == V1_DEFAULT_IMAGE
    assert c["args"] == [
        "--pool-name", FULL,
        "--pool-namespace", "serving",
        "--pool-group", "inference.networking.k8s.io",
        "-v", "4",
        "--zap-encoder", "json",
        "--grpc-port", "9002",
        "--grpc-health-port", "9003",
        "--metrics-port", "9090",
        "--config-file", "/config/default-config.yaml",
    ]  # fmt: skip
    # The defaults' scorer env belongs to the pre-v1 scheduler; a v1 picker reads none of it.
    assert "env" not in c
    assert c["volumeMounts"] == [{"name": "plugins-config-volume", "mountPath": "/config"}]
    assert pod["volumes"] == [{"name": "plugins-config-volume", "configMap": {"name": EPP}}]
    cm = find(objs, "ConfigMap", EPP)
    assert cm["metadata"]["namespace"] == "serving"
    assert cm["data"] == BUILTIN_CONFIGS
    # Every port the container declares is one its flags set.
    declared = {str(p["containerPort"]) for p in c["ports"]}
    assert declared == {
        arg(c, "--grpc-port"),
        arg(c, "--grpc-health-port"),
        arg(c, "--metrics-port"),
    }


def test_v1_picker_role_covers_what_it_watches() -> None:
    role = find(objects(values()), "Role", EPP)
    v1_group, alpha_group = "inference.networking.k8s.io", "inference.networking.x-k8s.io"
    assert role["rules"] == [
        {"apiGroups": [v1_group], "resources": ["inferencepools"], "verbs": READ},
        {"apiGroups": [alpha_group], "resources": ["inferenceobjectives"], "verbs": READ},
        {"apiGroups": [""], "resources": ["pods"], "verbs": READ},
    ]


def test_config_map_comes_in_helm_install_order() -> None:
    order = kinds(objects(values()))
    cm = order.index(f"ConfigMap/{EPP}")
    assert max(i for i, k in enumerate(order) if k.startswith("ServiceAccount/")) < cm
    assert cm < order.index(f"Role/{EPP}") < order.index(f"Deployment/{EPP}")


def test_prefill_pods_get_the_pd_profile_by_default() -> None:
    c = epp_pod(objects(values(prefill=True)))["containers"][0]
    assert arg(c, "--config-file") == "/config/pd-config.yaml"


@pytest.mark.parametrize("name", sorted(BUILTIN_CONFIGS))
def test_builtin_configs_are_loadable(name: str) -> None:
    """What the picker's loader refuses: a profile naming an undeclared plugin, not exactly
    one profile handler, a duplicate name."""
    doc = yaml.safe_load(BUILTIN_CONFIGS[name])
    assert doc["apiVersion"] == "inference.networking.x-k8s.io/v1alpha1"
    assert doc["kind"] == "EndpointPickerConfig"
    declared = [p.get("name", p["type"]) for p in doc["plugins"]]
    assert len(declared) == len(set(declared))
    handlers = [p for p in doc["plugins"] if p["type"].endswith("profile-handler")]
    assert len(handlers) == 1
    for profile in doc["schedulingProfiles"]:
        refs = [p["pluginRef"] for p in profile["plugins"]]
        assert set(refs) <= set(declared), f"{profile['name']}: undeclared {refs}"
        assert any(r.endswith("picker") for r in refs), f"{profile['name']} has no picker"


def test_custom_plugins_config() -> None:
    text = BUILTIN_CONFIGS["default-config.yaml"].replace("weight: 1", "weight: 3")
    objs = objects(values(pluginsConfigFile="mine.yaml", pluginsCustomConfig={"mine.yaml": text}))
    assert arg(epp_pod(objs)["containers"][0], "--config-file") == "/config/mine.yaml"
    data = find(objs, "ConfigMap", EPP)["data"]
    assert data == {**BUILTIN_CONFIGS, "mine.yaml": text}


def test_custom_file_replaces_a_builtin_one() -> None:
    text = BUILTIN_CONFIGS["default-config.yaml"]
    objs = objects(values(pluginsCustomConfig={"pd-config.yaml": text}))
    assert find(objs, "ConfigMap", EPP)["data"]["pd-config.yaml"] == text


def test_unknown_plugins_config_file_is_error() -> None:
    err = values_error(values(pluginsConfigFile="nope.yaml"))
    p = problem_at(err, "routing.epp.pluginsConfigFile")
    assert "'nope.yaml'" in p.message
    assert "default-config.yaml, pd-config.yaml" in p.message


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("bad.yaml", "plugins: [unclosed", "not valid YAML at line"),
        ("bad.yaml", "kind: ConfigMap\n", "must be an EndpointPickerConfig"),
        ("a/b.yaml", "kind: EndpointPickerConfig\n", "ConfigMap key"),
    ],
)
def test_bad_custom_plugins_config_is_error(name: str, text: str, says: str) -> None:
    err = values_error(values(pluginsCustomConfig={name: text}))
    assert says in problem_at(err, f'routing.epp.pluginsCustomConfig."{name}"').message


def test_pd_profile_needs_an_llm_d_scheduler_image() -> None:
    err = values_error(values(image=GAIE_V1, prefill=True))
    p = problem_at(err, "routing.epp.pluginsConfigFile")
    assert "pd-config.yaml" in p.message and "llm-d-inference-scheduler" in p.message
    # Without prefill pods GAIE's own picker runs the default profile.
    objects(values(image=GAIE_V1, prefill=False))
    # Nor is an EPP this release does not create judged.
    assert not [
        o for o in objects(values(image=GAIE_V1, create=False)) if "epp" in o["metadata"]["name"]
    ]


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/llm-d/llm-d-inference-scheduler:0.0.3",
        "ghcr.io/llm-d/llm-d-inference-scheduler:v0.2.1",
        "registry.k8s.io/gateway-api-inference-extension/epp:v0.4.0",
    ],
)
def test_v1alpha2_era_image_with_v1_pool_is_error(image: str) -> None:
    err = values_error(values(image=image))
    assert paths(err) == ["routing.epp.image"]
    msg = err.problems[0].message
    assert image in msg and POOL_V1 in msg
    assert "llm-d-inference-scheduler:v0.3.0 or later" in msg
    assert "gateway-api-inference-extension/epp:v1.0.0 or later" in msg


def test_v1_era_image_with_v1alpha2_pool_is_error() -> None:
    v = values(image="ghcr.io/llm-d/llm-d-inference-scheduler:v0.3.2")
    del v["routing"]["inferencePool"]
    err = values_error(v)
    msg = problem_at(err, "routing.epp.image").message
    assert f"apiVersion is {POOL_V1ALPHA2} (the default)" in msg
    assert "0.0.x to v0.2.x" in msg


def test_image_error_names_its_source_line(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(
        "routing:\n"
        "  inferencePool:\n"
        f"    apiVersion: {POOL_V1}\n"
        "  epp:\n"
        "    image: ghcr.io/llm-d/llm-d-inference-scheduler:0.0.4\n"
    )
    code, out, err = run_cli(["template", "r", "-f", str(f)], capsys)
    assert code != 0 and out == ""
    assert "routing.epp.image" in err and f"{f}:5" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "image",
    [
        V1_DEFAULT_IMAGE,
        GAIE_V1,
        "ghcr.io/llm-d/llm-d-inference-scheduler:v0.3.0-rc.1",
        "my.registry:5000/llm-d/llm-d-inference-scheduler:v0.5.1",
        # Unknown lines and non-release tags: nothing can be said about them.
        "ghcr.io/me/my-picker:0.0.1",
        "ghcr.io/llm-d/llm-d-inference-scheduler:latest",
        "ghcr.io/llm-d/llm-d-inference-scheduler@sha256:" + "0" * 64,
    ],
)
def test_images_accepted_with_v1_pool(image: str) -> None:
    c = epp_pod(objects(values(image=image, prefill=False)))["containers"][0]
    assert c["image"] == image


@pytest.mark.parametrize(
    ("image", "era"),
    [
        ("ghcr.io/llm-d/llm-d-inference-scheduler:0.0.4", POOL_V1ALPHA2),
        ("ghcr.io/llm-d/llm-d-inference-scheduler:v0.2.1", POOL_V1ALPHA2),
        ("ghcr.io/llm-d/llm-d-inference-scheduler:v0.3.0", POOL_V1),
        ("ghcr.io/llm-d/llm-d-inference-scheduler:v0.8.0", POOL_V1),
        ("registry.k8s.io/gateway-api-inference-extension/epp:v0.5.1", POOL_V1ALPHA2),
        ("registry.k8s.io/gateway-api-inference-extension/epp:v1.0.0", POOL_V1),
        ("localhost:5000/gateway-api-inference-extension/epp:v1.2.0@sha256:ab", POOL_V1),
        ("localhost:5000/gateway-api-inference-extension/epp", None),
        ("docker.io/library/epp:v1.0.0", None),
        ("ghcr.io/llm-d/llm-d-inference-scheduler:main", None),
    ],
)
def test_image_era(image: str, era: str | None) -> None:
    found = image_era(image)
    assert (found[1] if found else None) == era


def test_user_env_is_kept_with_v1_pool() -> None:
    env = [{"name": "ENABLE_EXPERIMENTAL_DATALAYER_V2", "value": "true"}]
    c = epp_pod(objects(values(env=env)))["containers"][0]
    assert c["env"] == env


def test_deleting_the_image_is_still_an_error() -> None:
    err = values_error(values(image=None))
    assert V1_DEFAULT_IMAGE in problem_at(err, "routing.epp.image").message


def test_replicas_elect_a_leader() -> None:
    objs = objects(values(replicas=2))
    c = epp_pod(objs)["containers"][0]
    assert c["args"][-1] == "--ha-enable-leader-election"
    # Only the leader is ready; every replica is alive.
    assert c["readinessProbe"]["grpc"]["service"] == "readiness"
    assert c["livenessProbe"]["grpc"]["service"] == "liveness"
    rules = find(objs, "Role", EPP)["rules"]
    lease_verbs = ["get", "list", "watch", "create", "update", "patch", "delete"]
    lease = {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": lease_verbs}
    assert lease in rules
    single = epp_pod(objects(values()))["containers"][0]
    assert "--ha-enable-leader-election" not in single["args"]
    assert (
        single["readinessProbe"]["grpc"]["service"] == "envoy.service.ext_proc.v3.ExternalProcessor"
    )


def test_extra_args_come_last() -> None:
    c = epp_pod(objects(values(extraArgs=["--refresh-metrics-interval", "1s"])))["containers"][0]
    assert c["args"][-2:] == ["--refresh-metrics-interval", "1s"]


# --- a v1alpha2 pool: the seed's picker, plus a configuration file only when asked for


def alpha(**epp: Any) -> dict[str, Any]:
    v = values(**epp)
    del v["routing"]["inferencePool"]
    return v


def test_v1alpha2_pool_with_custom_config_file() -> None:
    text = "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n"
    objs = objects(
        alpha(
            image="ghcr.io/llm-d/llm-d-inference-scheduler:v0.2.1",
            pluginsConfigFile="p.yaml",
            pluginsCustomConfig={"p.yaml": text},
        )
    )
    c = epp_pod(objs)["containers"][0]
    assert c["args"][:2] == ["--poolName", FULL]
    assert arg(c, "--configFile") == "/config/p.yaml"
    # v1-era files would not load in a v0.x picker: only the user's are shipped.
    assert find(objs, "ConfigMap", EPP)["data"] == {"p.yaml": text}


def test_v1alpha2_pool_without_config_has_no_config_map() -> None:
    objs = objects(alpha())
    assert not [o for o in objs if o["kind"] == "ConfigMap"]
    assert "volumes" not in epp_pod(objs)


def test_v1alpha2_custom_config_without_file_choice_is_error() -> None:
    text = "kind: EndpointPickerConfig\n"
    err = values_error(alpha(pluginsCustomConfig={"p.yaml": text}))
    assert "p.yaml" in problem_at(err, "routing.epp.pluginsConfigFile").message


def test_v1alpha2_builtin_file_is_not_offered() -> None:
    err = values_error(alpha(pluginsConfigFile="default-config.yaml"))
    assert "pluginsCustomConfig" in problem_at(err, "routing.epp.pluginsConfigFile").message
