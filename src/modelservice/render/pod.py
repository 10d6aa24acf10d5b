"""Pod templates of the model-serving roles: containers, arguments, env, volumes.

Pure functions of the model; every rule here is one of the chart's behaviours or one of the
documented fixes (F1-F10), named where it applies.
"""

from __future__ import annotations

from typing import Any

from modelservice.render import names
from modelservice.values.model import Container, ModelService, Obj, Role

MODEL_VOLUME = "model-storage"
MODEL_MOUNT_PATH = "/model-cache"

#: Flags vLLM accepts under a second, short name.
_ALIASES = {
    "--tensor-parallel-size": ("-tp",),
    "--data-parallel-size": ("-dp",),
    "--data-parallel-size-local": ("-dpl",),
}


def _has_flag(args: tuple[str, ...], flag: str) -> bool:
    """Whether the user's args already carry ``flag`` (``--flag V`` or ``--flag=V``)."""
    spellings = (flag, *_ALIASES.get(flag, ()))
    for arg in args:
        for s in spellings:
            if arg == s or arg.startswith(s + "="):
                return True
    return False


def model_argument(ms: ModelService) -> str:
    """What vLLM is told to load (F1, F6/F7): a hub id, or a path under the mount."""
    uri = ms.model_uri
    if uri.scheme == "hf":
        return uri.repo
    if uri.scheme == "pvc":
        return f"{MODEL_MOUNT_PATH}/{uri.path}" if uri.path else MODEL_MOUNT_PATH
    return MODEL_MOUNT_PATH


def vllm_port(ms: ModelService, role: Role) -> int:
    """Prefill vLLM serves the service port; decode vLLM sits behind the routing proxy."""
    if role.name == "prefill":
        return ms.routing.service_port
    return ms.routing.proxy.target_port


def vllm_args(ms: ModelService, role: Role, c: Container) -> list[str]:
    """F6/F7: model, port, parallelism flags above 1, served name, then the user's args."""
    user = c.args
    out: list[str] = []
    if c.model_command == "imageDefault":
        if not _has_flag(user, "--model"):
            out += ["--model", model_argument(ms)]
    else:
        out.append(model_argument(ms))
    if not _has_flag(user, "--port"):
        out += ["--port", str(vllm_port(ms, role))]
    par = role.parallelism
    for flag, value in (
        ("--tensor-parallel-size", par.tensor),
        ("--data-parallel-size", par.data),
        ("--data-parallel-size-local", par.data_local),
    ):
        if value > 1 and not _has_flag(user, flag):
            out += [flag, str(value)]
    served = ms.routing.model_name
    if served and not _has_flag(user, "--served-model-name"):
        out += ["--served-model-name", served]
    out += user
    return out


def container_env(ms: ModelService, role: Role, c: Container) -> list[Obj]:
    """F3: the user's env, the parallelism sizes, then the model's HF variables."""
    par = role.parallelism
    env: list[Obj] = [dict(e) for e in c.env]
    env += [
        {"name": "DP_SIZE", "value": str(par.data)},
        {"name": "TP_SIZE", "value": str(par.tensor)},
        {"name": "DP_SIZE_LOCAL", "value": str(par.data_local)},
    ]
    if c.mount_model_volume:
        if ms.model_uri.scheme == "hf":
            env.append({"name": "HF_HOME", "value": MODEL_MOUNT_PATH})
        if ms.auth_secret_name:
            env.append(
                {
                    "name": "HF_TOKEN",
                    "valueFrom": {"secretKeyRef": {"name": ms.auth_secret_name, "key": "HF_TOKEN"}},
                }
            )
    return env


def container(ms: ModelService, role: Role, c: Container) -> Obj:
    out: Obj = {"name": c.name, "image": c.image}
    for key, value in c.passthrough:
        out[key] = value
    if c.model_command == "vllmServe":
        out["command"] = ["vllm", "serve"]
        out["args"] = vllm_args(ms, role, c)
    elif c.model_command == "imageDefault":
        out["args"] = vllm_args(ms, role, c)
    else:
        if c.command:
            out["command"] = list(c.command)
        if c.args:
            out["args"] = list(c.args)
    out["env"] = container_env(ms, role, c)
    out["resources"] = {
        "limits": dict(c.resources["limits"]),
        "requests": dict(c.resources["requests"]),
    }
    mounts = [dict(m) for m in c.volume_mounts]
    if c.mount_model_volume:
        mounts.append({"name": MODEL_VOLUME, "mountPath": MODEL_MOUNT_PATH})
    if mounts:
        out["volumeMounts"] = mounts
    if c.ports:
        out["ports"] = [dict(p) for p in c.ports]  # F8
    return out


def model_volume(ms: ModelService) -> Obj:
    """The volume the model lives on, by URI scheme."""
    uri = ms.model_uri
    if uri.scheme == "pvc":
        return {
            "name": MODEL_VOLUME,
            "persistentVolumeClaim": {"claimName": uri.claim, "readOnly": True},
        }
    if uri.scheme == "oci":
        return {
            "name": MODEL_VOLUME,
            "image": {"reference": uri.reference, "pullPolicy": ms.oci_pull_policy},
        }
    return {"name": MODEL_VOLUME, "emptyDir": {"sizeLimit": ms.model_size}}


def routing_proxy(ms: ModelService) -> Obj:
    """The llm-d routing proxy, as a native sidecar (an init container that keeps running)."""
    r = ms.routing
    return {
        "name": "routing-proxy",
        "args": [
            f"--port={r.service_port}",
            f"--vllm-port={r.proxy.target_port}",
            "--connector=nixlv2",
            f"-v={r.proxy.debug_level}",
        ],
        "image": r.proxy.image,
        "imagePullPolicy": "Always",
        "ports": [{"containerPort": r.service_port}],
        "resources": {},
        "restartPolicy": "Always",
        "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True},
    }


def pod_spec(ms: ModelService, role: Role, *, proxy: bool) -> Obj:
    """One role's pod spec (F2: only this role's own volumes, secrets and affinity)."""
    spec: Obj = {
        "serviceAccountName": names.fullname(ms),
        "volumes": [dict(v) for v in role.volumes] + [model_volume(ms)],
        "containers": [container(ms, role, c) for c in role.containers],
    }
    if proxy:
        spec["initContainers"] = [routing_proxy(ms)]
    if role.image_pull_secrets:
        spec["imagePullSecrets"] = [dict(s) for s in role.image_pull_secrets]
    if role.pod_security_context:
        spec["securityContext"] = role.pod_security_context
    if role.accelerator_label_key:
        spec["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {
                                    "key": role.accelerator_label_key,
                                    "operator": "In",
                                    "values": list(role.accelerator_label_values),
                                }
                            ]
                        }
                    ],
                }
            }
        }
    return spec


def pod_template(ms: ModelService, role: Role, *, proxy: bool) -> dict[str, Any]:
    return {
        "metadata": {"labels": names.role_labels(ms, role.name)},
        "spec": pod_spec(ms, role, proxy=proxy),
    }
