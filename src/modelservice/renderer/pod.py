"""Pod templates of the model-serving roles: containers, arguments, env, volumes.

Pure functions of the model; every rule here is one of the chart's behaviours or one of the
corrections of the 0.0.9 chart (see the conformance README), said where it applies.
"""

from __future__ import annotations

from modelservice.datatree import copy_items, copy_tree
from modelservice.renderer import names
from modelservice.values.model import Container, ModelService, Obj, Role

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

MODEL_VOLUME = "model-storage"

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
    """What vLLM is told to load: a hub id, or a path under the mount (where a pvc://
    claim really is mounted, unlike the chart's /PATH)."""
    uri = ms.model_uri
    if uri.scheme in ("hf", "pvc+hf"):
        return uri.repo  # pvc+hf: found in the hub cache that HF_HUB_CACHE names
    if uri.scheme == "pvc" and uri.path:
        return f"{ms.mount_path}/{uri.path}"
    return ms.mount_path


def vllm_port(ms: ModelService, role: Role) -> int:
    """Prefill vLLM serves the service port; decode vLLM sits behind the routing proxy
    (unless the proxy is disabled, when it takes the service port itself)."""
    if role.name == "prefill" or not ms.routing.proxy.enabled:
        return ms.routing.service_port
    return ms.routing.proxy.target_port


def vllm_args(ms: ModelService, role: Role, c: Container) -> list[str]:
    """Model, port, parallelism flags above 1, served name, then the user's args; a flag the
    user already passes is not added twice."""
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
    """The user's env, the parallelism sizes, the model's HF variables, then the
    accelerator's env."""
    par = role.parallelism
    env: list[Obj] = copy_items(c.env)
    env += [
        {"name": "DP_SIZE", "value": str(par.data)},
        {"name": "TP_SIZE", "value": str(par.tensor)},
        {"name": "DP_SIZE_LOCAL", "value": str(par.data_local)},
    ]
    if c.mount_model_volume:
        if ms.model_uri.scheme == "hf":
            env.append({"name": "HF_HOME", "value": ms.mount_path})
        elif ms.model_uri.scheme == "pvc+hf":
            cache = f"{ms.mount_path}/{ms.model_uri.path}"
            env.append({"name": "HF_HUB_CACHE", "value": cache})
        if ms.auth_secret_name:
            secret = {"name": ms.auth_secret_name, "key": "HF_TOKEN"}
            env.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": secret}})
    env += copy_items(c.extra_env)
    return env


def container(ms: ModelService, role: Role, c: Container) -> Obj:
    out: Obj = {"name": c.name, "image": c.image}
    for key, value in c.passthrough:
        out[key] = copy_tree(value)
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
    out["resources"] = copy_tree(c.resources)
    mounts = copy_items(c.volume_mounts)
    if c.mount_model_volume:
        mounts.append({"name": MODEL_VOLUME, "mountPath": ms.mount_path})
    if mounts:
        out["volumeMounts"] = mounts
    if c.ports:
        out["ports"] = copy_items(c.ports)  # the chart dropped them
    return out


def model_volume(ms: ModelService) -> Obj:
    """The volume the model lives on, by URI scheme."""
    uri = ms.model_uri
    if uri.scheme in ("pvc", "pvc+hf"):
        claim = {"claimName": uri.claim, "readOnly": ms.model_read_only}
        return {"name": MODEL_VOLUME, "persistentVolumeClaim": claim}
    if uri.scheme == "oci":
        image = {"reference": uri.reference, "pullPolicy": ms.oci_pull_policy}
        return {"name": MODEL_VOLUME, "image": image}
    return {"name": MODEL_VOLUME, "emptyDir": {"sizeLimit": ms.model_size}}


def routing_proxy(ms: ModelService) -> Obj:
    """The llm-d routing proxy, as a native sidecar (an init container that keeps running)."""
    r = ms.routing
    p = r.proxy
    args = [
        f"--port={r.service_port}",
        f"--vllm-port={p.target_port}",
        f"--connector={p.connector}",
        f"-v={p.debug_level}",
    ]
    for flag, value in (("--secure-proxy", p.secure), ("--prefiller-use-tls", p.prefiller_use_tls)):
        if value is not None:
            args.append(f"{flag}={'true' if value else 'false'}")
    if p.cert_path is not None:
        args.append(f"--cert-path={p.cert_path}")
    args += p.extra_args
    return {
        "name": "routing-proxy",
        "args": args,
        "image": p.image,
        "imagePullPolicy": p.image_pull_policy,
        "ports": [{"containerPort": r.service_port}],
        "resources": {},
        "restartPolicy": "Always",
        "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True},
    }


def pod_spec(ms: ModelService, role: Role, *, proxy: bool) -> Obj:
    """One role's pod spec: only this role's own volumes, secrets and affinity (the chart
    could lend one role's to the other)."""
    spec: Obj = {
        "serviceAccountName": ms.service_account_override or names.fullname(ms),
        "volumes": [*copy_items(role.volumes), model_volume(ms)],
        "containers": [container(ms, role, c) for c in role.containers],
    }
    init = [routing_proxy(ms)] if proxy and ms.routing.proxy.enabled else []
    init += copy_items(role.init_containers)
    if init:
        spec["initContainers"] = init
    if role.image_pull_secrets:
        spec["imagePullSecrets"] = copy_items(role.image_pull_secrets)
    if role.pod_security_context:
        spec["securityContext"] = copy_tree(role.pod_security_context)
    if role.affinity:
        spec["affinity"] = copy_tree(role.affinity)
    for key, value in role.pod_controls:
        spec[key] = copy_tree(value)
    return spec


def pod_template(ms: ModelService, role: Role, *, proxy: bool) -> dict[str, Any]:
    labels = names.role_labels(ms, role.name)
    if role.pod_labels:
        labels = {**labels, **role.pod_labels}
    metadata: Obj = {"labels": labels}
    if role.pod_annotations:
        metadata["annotations"] = dict(role.pod_annotations)
    return {"metadata": metadata, "spec": pod_spec(ms, role, proxy=proxy)}
