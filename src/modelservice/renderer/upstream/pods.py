"""Pod templates as an upstream chart release writes them: containers, their arguments,
env, resources and mounts, the routing proxy, and the pod-level fields.

Each function mirrors one helper of the chart and consults the release's
:class:`~modelservice.charts.behaviour.Behaviour` for everything that changed between
releases. Keys are set in the order the chart writes them, so that a key written twice
(``extraConfig`` beside a field the chart also writes) ends as YAML readers see it: the last
one wins.
"""

from __future__ import annotations

from modelservice.datatree import copy_tree
from modelservice.renderer.upstream.context import Ctx, Obj, fail
from modelservice.renderer.upstream.gosem import (
    default,
    get,
    go_str,
    has_key,
    printed,
    quote,
    to_int,
    truthy,
)
from modelservice.renderer.upstream.tplvalues import tpl_data, tpl_text
from modelservice.renderer.upstream.yamltext import parse_scalar

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

MODEL_VOLUME = "model-storage"
SIM_IMAGE = "llm-d-inference-sim"


# ---------------------------------------------------------------------------- parallelism
def tensor(par: Any) -> int:
    return to_int(go_str(par.get("tensor"))) if truthy(par) and truthy(par.get("tensor")) else 1


def data(ctx: Ctx, par: Any, path: str) -> int:
    if truthy(par) and truthy(par.get("data")):
        return to_int(go_str(par["data"]))
    if ctx.b.parallelism == "derived" and truthy(par):
        local, workers = par.get("dataLocal"), par.get("workers")
        if truthy(local) and truthy(workers):
            return to_int(go_str(local)) * to_int(go_str(workers))
        if truthy(local):
            return to_int(go_str(local))
    return 1


def data_local(ctx: Ctx, par: Any, path: str) -> int:
    if truthy(par) and truthy(par.get("dataLocal")):
        return to_int(go_str(par["dataLocal"]))
    if ctx.b.parallelism == "derived" and truthy(par):
        total, workers = par.get("data"), par.get("workers")
        if truthy(total) and truthy(workers):
            d, w = to_int(total), to_int(workers)
            if w == 0:
                raise fail(f"{path}.workers", "must not be 0 (the chart divides by it)")
            if d != (d // w) * w:
                raise fail(path, "parallelism.data must be a multiple of parallelism.workers")
            return d // w
        if truthy(total):
            return to_int(go_str(total))
    return 1


def workers(ctx: Ctx, par: Any, path: str) -> int:
    if truthy(par) and truthy(par.get("workers")):
        return to_int(go_str(par["workers"]))
    if truthy(par) and truthy(par.get("data")) and truthy(par.get("dataLocal")):
        d, local = to_int(par["data"]), to_int(par["dataLocal"])
        if local == 0:
            raise fail(f"{path}.dataLocal", "must not be 0 (the chart divides by it)")
        if d != (d // local) * local:
            raise fail(path, "parallelism.data must be a multiple of parallelism.dataLocal")
        return d // local
    return 1


def gpus_per_worker(ctx: Ctx, par: Any, path: str) -> int:
    return data_local(ctx, par, path) * tensor(par)


# ---------------------------------------------------------------------------- accelerators
def accelerator_type(ctx: Ctx, role: str | None) -> str:
    if role and ctx.b.accelerator_role:
        acc = get(ctx.role(role), "accelerator")
        if truthy(acc) and has_key(acc, "type"):
            return go_str(acc["type"])
    return go_str(default("nvidia", ctx.v("accelerator", "type")))


def accelerator_resource(ctx: Ctx, container: Any, role: str | None) -> str:
    kind = accelerator_type(ctx, role)
    image = get(container, "image")
    if truthy(container) and truthy(image) and SIM_IMAGE in go_str(image):
        return ""
    if kind == "cpu":
        return ""
    resources = ctx.v("accelerator", "resources")
    if has_key(resources, kind):
        return go_str(resources[kind])
    return "nvidia.com/gpu"


def dra_enabled(ctx: Ctx, role: str | None) -> bool:
    b = ctx.b
    if b.resource_claims == "dra":
        return truthy(ctx.v("dra", "enabled"))
    if b.resource_claims == "none":
        return False
    if role and b.resource_claims == "role":
        acc = get(ctx.role(role), "accelerator")
        if truthy(acc) and has_key(acc, "dra"):
            return truthy(acc["dra"])
    return truthy(default(False, ctx.v("accelerator", "dra")))


def _claim_template(ctx: Ctx, kind: str) -> Any:
    templates = ctx.v("accelerator", "resourceClaimTemplates")
    return templates[kind] if has_key(templates, kind) else None


def claim_name(ctx: Ctx, role: str | None) -> str:
    kind = accelerator_type(ctx, role)
    role = role if ctx.b.resource_claims == "role" else None
    template = _claim_template(ctx, kind)
    if template is not None:
        name = get(template, "name")
        if role:
            if truthy(name):
                base = go_str(name)
                base = base[: -len("-claim-template")] if base.endswith("-claim-template") else base
                return f"{base}-{role}-claim"
            return f"{kind}-{role}-claim"
        return go_str(default(f"{kind}-claim", name))
    return f"{kind}-{role}-claim" if role else f"{kind}-claim"


def claim_template_name(ctx: Ctx, role: str | None) -> str:
    kind = accelerator_type(ctx, role)
    role = role if ctx.b.resource_claims == "role" else None
    template = _claim_template(ctx, kind)
    if template is not None:
        name = get(template, "name")
        if role:
            return f"{go_str(name)}-{role}" if truthy(name) else f"{kind}-{role}-claim-template"
        return go_str(default(f"{kind}-claim-template", name))
    return f"{kind}-{role}-claim-template" if role else f"{kind}-claim-template"


def _dra_claim(ctx: Ctx) -> Obj:
    """``dra.claimTemplates`` entry named by ``dra.type`` (the last one, as the chart)."""
    found: Obj = {}
    for entry in ctx.v("dra", "claimTemplates") or []:
        if isinstance(entry, dict) and go_str(entry.get("name")) == go_str(ctx.v("dra", "type")):
            found = entry
    return found


def pod_claims(ctx: Ctx, role: str, pd_spec: Obj) -> list[Any]:
    """``resourceClaimsBase``: the accelerator's claim and the role's own."""
    claims: list[Any] = []
    if dra_enabled(ctx, role):
        claims.append(
            {
                "name": claim_name(ctx, role),
                "resourceClaimTemplateName": claim_template_name(ctx, role),
            }
        )
    if truthy(pd_spec.get("resourceClaims")):
        user = pd_spec["resourceClaims"]
        if not isinstance(user, list):
            raise fail(f"{role}.resourceClaims", "must be a list (the chart concatenates it)")
        claims += copy_tree(user)
    return claims


# ---------------------------------------------------------------------------- model URI
def uri_parts(ctx: Ctx) -> tuple[str, str]:
    """``regexSplit "://" uri -1``: the scheme (first part) and the rest (last part)."""
    uri = go_str(ctx.v("modelArtifacts", "uri"))
    parts = uri.split("://")
    return parts[0], parts[-1]


def model_args(ctx: Ctx, *, with_flag: bool, path: str) -> list[Any]:
    """``argsByProtocol``: what vLLM loads, by URI scheme."""
    b = ctx.b
    scheme, rest = uri_parts(ctx)
    flag = ["--model"] if with_flag else []
    if scheme == "hf":
        if b.model_arg == "quoted":
            return [*flag, rest]
        return [*flag, parse_scalar(tpl_text(ctx, rest, "modelArtifacts.uri"))]
    if scheme == "pvc":
        sub = rest.split("/", 1)[-1]
        if b.pvc_model_path == "root":
            text = f"/{sub}"
        elif b.pvc_model_path == "model-cache":
            text = f"/model-cache/{sub}"
        else:
            text = f"{go_str(ctx.v('modelArtifacts', 'mountPath'))}/{sub}"
        return [*flag, parse_scalar(text)]
    if scheme == "pvc+hf" and b.pvc_hf_args:
        parts = rest.split("/")
        if len(parts) < 2:
            raise fail("modelArtifacts.uri", "pvc+hf:// needs .../ORG/MODEL (the chart indexes it)")
        return [*flag, parse_scalar(f"{parts[-2]}/{parts[-1]}")]
    if scheme == "oci":
        raise fail(
            path,
            'this chart version cannot start vLLM on an oci:// model ("arguments for oci:// '
            'not implemented"): use modelCommand: custom with your own arguments',
        )
    return []


def vllm_port(ctx: Ctx, role: str) -> Any:
    enabled = ctx.v("routing", "proxy", "enabled")
    if role == "prefill" or (ctx.b.vllm_port_proxy_disabled and enabled is False):
        return ctx.v("routing", "servicePort")
    return ctx.v("routing", "proxy", "targetPort")


def tracing(ctx: Ctx) -> Any:
    if ctx.b.tracing == "global":
        return ctx.v("global", "tracing")
    if ctx.b.tracing == "top":
        return ctx.v("tracing")
    return None


def _tracing_on(ctx: Ctx) -> Any:
    t = tracing(ctx)
    return t if truthy(t) and truthy(get(t, "enabled")) else None


def serving_args(
    ctx: Ctx, role: str, c: Obj, par: Any, *, image_default: bool, path: str
) -> list[Any]:
    """The args of ``vllmServe`` and ``imageDefault``."""
    b = ctx.b
    args = model_args(ctx, with_flag=image_default, path=path)
    args += ["--port", quote(vllm_port(ctx, role))]
    if b.tp_arg_source != "none":
        source = c.get("parallelism") if b.tp_arg_source == "container" else par
        tp = tensor(source)
        style = b.tp_arg_default if image_default else b.tp_arg_serve
        if tp > 1:
            args += ["--tensor-parallel-size", "$TP_SIZE" if style == "env" else str(tp)]
    if b.dp_args:
        dp = data(ctx, par, path)
        if dp > 1:
            args += ["--data-parallel-size", str(dp)]
        dpl = data_local(ctx, par, path)
        if dpl > 1:
            args += ["--data-parallel-size-local", str(dpl)]
    if b.served_model_name == "routing":
        args += ["--served-model-name", printed(ctx.v("routing", "modelName"))]
    elif b.served_model_name == "artifacts":
        args += ["--served-model-name", quote(ctx.v("modelArtifacts", "name"))]
    t = _tracing_on(ctx)
    if t is not None:
        args += [
            "--otlp-traces-endpoint",
            quote(get(t, "otlpEndpoint")),
            "--collect-detailed-traces",
            quote(get(t, "vllm", "collectDetailedTraces")),
        ]
    if truthy(c.get("args")):
        user = c["args"]
        args += copy_tree(user) if isinstance(user, list) else [parse_scalar(go_str(user))]
    return args


# ---------------------------------------------------------------------------- env
def _env(name: str, value: Any) -> Obj:
    return {"name": name, "value": value}


def hf_env(ctx: Ctx, c: Obj) -> list[Obj]:
    b = ctx.b
    mount = truthy(c.get("mountModelVolume"))
    scheme, rest = uri_parts(ctx)
    out: list[Obj] = []
    if b.hf_env == "mount" and not mount:
        return out
    mount_path = (
        printed(ctx.v("modelArtifacts", "mountPath")) if b.mount_path_key else "/model-cache"
    )
    if b.hf_env in ("mount", "token-always"):
        if mount:
            out.append(_env("HF_HOME", "/model-cache"))
    elif "hf" in scheme:
        if scheme == "hf" and mount:
            out.append(_env("HF_HOME", mount_path))
        if scheme == "pvc+hf" and b.hf_hub_cache:
            parts = rest.split("/")
            if len(parts) < 3:
                raise fail(
                    "modelArtifacts.uri",
                    "pvc+hf:// needs CLAIM/CACHE/PATH/ORG/MODEL (the chart slices it)",
                )
            if mount:
                out.append(_env("HF_HUB_CACHE", "/model-cache/" + "/".join(parts[1:-2])))
    secret = ctx.v("modelArtifacts", "authSecretName")
    if truthy(secret):
        ref = {"name": printed(secret), "key": "HF_TOKEN"}
        out.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": ref}})
    return out


def accelerator_env(ctx: Ctx, role: str) -> list[Obj]:
    if not ctx.b.accelerator_env:
        return []
    kind = accelerator_type(ctx, role)
    table = ctx.v("accelerator", "env")
    if kind == "cpu" or not has_key(table, kind):
        return []
    out = []
    for entry in table[kind] or []:
        out.append(_env(printed(get(entry, "name")), quote(get(entry, "value"))))
    return out


def tracing_env(ctx: Ctx, role: str) -> list[Obj]:
    t = _tracing_on(ctx)
    if t is None:
        return []
    service = {"decode": "vllmDecode", "prefill": "vllmPrefill"}.get(role)
    name = get(t, "serviceNames", service) if service else ""
    return [
        _env("OTEL_SERVICE_NAME", quote(name)),
        _env("OTEL_EXPORTER_OTLP_ENDPOINT", quote(get(t, "otlpEndpoint"))),
        _env("OTEL_TRACES_EXPORTER", "otlp"),
        _env("OTEL_TRACES_SAMPLER", quote(get(t, "sampling", "sampler"))),
        _env("OTEL_TRACES_SAMPLER_ARG", quote(get(t, "sampling", "samplerArg"))),
    ]


def container_env(ctx: Ctx, role: str, c: Obj, par: Any, path: str) -> list[Any]:
    b = ctx.b
    env: list[Any] = []
    if truthy(c.get("env")):
        user = tpl_data(ctx, c["env"], f"{path}.env") if b.env_tpl else copy_tree(c["env"])
        env += user if isinstance(user, list) else [user]
    env.append(_env("DP_SIZE", str(data(ctx, par, path))))
    env.append(_env("TP_SIZE", str(tensor(par))))
    if b.dp_size_local_env:
        env.append(_env("DP_SIZE_LOCAL", str(data_local(ctx, par, path))))
    env += hf_env(ctx, c)
    env += accelerator_env(ctx, role)
    env += tracing_env(ctx, role)
    return env


# ---------------------------------------------------------------------------- resources
def resources(ctx: Ctx, role: str, c: Obj, par: Any, pd_spec: Obj, path: str) -> Obj:
    b = ctx.b
    user: Any = c.get("resources")
    limits: Obj = copy_tree(user["limits"]) if truthy(user) and truthy(get(user, "limits")) else {}
    requests: Obj = (
        copy_tree(user["requests"]) if truthy(user) and truthy(get(user, "requests")) else {}
    )
    if b.resource_claims == "dra" and dra_enabled(ctx, role):
        claim = _dra_claim(ctx)
        return {"claims": [{"name": f"{go_str(claim.get('name'))}-resource-claim"}]}
    dra = b.resource_claims in ("accelerator", "role") and dra_enabled(ctx, role)
    if not dra:
        _fill_gpus(ctx, role, c, par, limits, requests, path)
    out: Obj = {"limits": limits, "requests": requests}
    if b.resource_claims in ("accelerator", "role") and b.container_claims == "own":
        claims: list[Any] = [{"name": claim_name(ctx, role)}] if dra else []
        own = get(user, "claims") if truthy(user) else None
        if truthy(own):
            if dra and not isinstance(own, list):
                raise fail(
                    f"{path}.resources.claims",
                    'must be a list of objects with a "name" field, e.g. [{"name": "claim-name"}]',
                )
            claims += copy_tree(own) if isinstance(own, list) else [own]
        if claims:
            out["claims"] = claims
    elif b.resource_claims in ("accelerator", "role"):
        base = pod_claims(ctx, role, pd_spec)
        if base:
            out["claims"] = [{"name": get(claim, "name")} for claim in base]
    return out


def _fill_gpus(
    ctx: Ctx, role: str, c: Obj, par: Any, limits: Obj, requests: Obj, path: str
) -> None:
    rule = ctx.b.gpu_rule
    tp = tensor(par)
    if rule == "tp-dpl-int":
        dpl = data_local(ctx, par, path)
        if tp > 1 or dpl > 1:
            limits["nvidia.com/gpu"] = requests["nvidia.com/gpu"] = tp * dpl
        return
    if rule == "tp-int":
        if tp > 1:
            limits["nvidia.com/gpu"] = requests["nvidia.com/gpu"] = tp
        return
    count = tp if rule == "tp-string" else gpus_per_worker(ctx, par, path)
    name = accelerator_resource(ctx, c, role)
    if count < 1 or not name:
        return
    for side in (limits, requests):
        if not ctx.b.gpu_respect_user or name not in side:
            side[name] = str(count)


def accelerator_warning(ctx: Ctx, role: str) -> str:
    """0.3.17+: an annotation when the first container's explicit count differs."""
    containers = ctx.role(role).get("containers")
    if not truthy(containers) or not isinstance(containers, list):
        return ""
    first = containers[0] if isinstance(containers[0], dict) else {}
    par = ctx.role(role).get("parallelism")
    count = gpus_per_worker(ctx, par, f"{role}.parallelism")
    name = accelerator_resource(ctx, first, None)
    res: Any = first.get("resources")
    if count >= 1 and name and truthy(res) and truthy(get(res, "limits")):
        limits = res["limits"]
        if has_key(limits, name):
            user = to_int(limits[name])
            if user != count:
                return (
                    f"Accelerator mismatch: {name} is set to {user} but parallelism "
                    f"calculates {count}. Using {user}."
                )
    return ""


# ---------------------------------------------------------------------------- mounts, volumes
def volume_mounts(ctx: Ctx, c: Obj, path: str) -> list[Any] | None:
    b = ctx.b
    user, mount = c.get("volumeMounts"), truthy(c.get("mountModelVolume"))
    if not truthy(user) and not mount:
        return None
    if b.volume_mounts_indent_bug and truthy(user) and mount:
        raise fail(
            f"{path}.volumeMounts",
            f"chart {ctx.chart.version} writes the container's volumeMounts and the model "
            "mount at different indents, which is invalid YAML (helm refuses it); use "
            "another chart version, or mountModelVolume: false with your own mount",
        )
    out: list[Any] = (
        copy_tree(user) if isinstance(user, list) else ([] if not truthy(user) else [user])
    )
    if mount:
        mount_path = (
            printed(ctx.v("modelArtifacts", "mountPath")) if b.mount_path_key else "/model-cache"
        )
        entry: Obj = {"name": MODEL_VOLUME, "mountPath": mount_path}
        scheme, _ = uri_parts(ctx)
        if b.mount_read_only == "oci-pvc" and scheme in ("oci", "pvc"):
            entry["readOnly"] = True
        elif b.mount_read_only == "values":
            if scheme == "oci":
                entry["readOnly"] = True
            elif scheme.startswith("pvc"):
                entry["readOnly"] = printed(ctx.v("modelArtifacts", "readOnly"))
        out.append(entry)
    return out


def model_volume(ctx: Ctx) -> Obj | None:
    """``mountModelVolumeVolumes``: the volume the model lives on, by URI scheme."""
    b = ctx.b
    art = ctx.v("modelArtifacts") or {}
    scheme, rest = uri_parts(ctx)
    if scheme == "hf":
        return {
            "name": MODEL_VOLUME,
            "emptyDir": {"sizeLimit": printed(default("0", get(art, "size")))},
        }
    if scheme == "pvc" or (b.pvc_prefixes and scheme.startswith("pvc")):
        claim = rest.split("/")[0]
        read_only = True if b.pvc_volume_read_only == "true" else printed(get(art, "readOnly"))
        return {
            "name": MODEL_VOLUME,
            "persistentVolumeClaim": {"claimName": printed(claim), "readOnly": read_only},
        }
    if scheme == "oci":
        return {
            "name": MODEL_VOLUME,
            "image": {
                "reference": printed(rest),
                "pullPolicy": printed(default("Always", get(art, "imagePullPolicy"))),
            },
        }
    return None


# ---------------------------------------------------------------------------- container
def container(ctx: Ctx, role: str, c: Any, index: int, par: Any, pd_spec: Obj) -> Obj:
    """One model-server container (the chart's ``container`` helper)."""
    b = ctx.b
    path = f"{role}.containers[{index}]"
    if not isinstance(c, dict):
        raise fail(path, "must be a map (a container)")
    out: Obj = {"name": printed(default("vllm", c.get("name")))}
    if not truthy(c.get("image")):
        raise fail(f"{path}.image", 'required (the chart: "image of container is required")')
    out["image"] = printed(c["image"])
    if b.extra_config and truthy(c.get("extraConfig")):
        _merge_block(
            out, tpl_data(ctx, c["extraConfig"], f"{path}.extraConfig"), f"{path}.extraConfig"
        )
    if truthy(c.get("securityContext")):
        out["securityContext"] = copy_tree(c["securityContext"])
    if truthy(c.get("imagePullPolicy")):
        out["imagePullPolicy"] = printed(c["imagePullPolicy"])
    _command(ctx, role, c, par, out, path)
    if b.env_header == "env-or-mount" and not (
        truthy(c.get("env")) or truthy(c.get("mountModelVolume"))
    ):
        raise fail(
            path,
            f"chart {ctx.chart.version} writes this container's parallelism variables without "
            "an env: key when the container has neither env nor mountModelVolume: true, which "
            "is invalid YAML (helm refuses it); give the container an env entry",
        )
    out["env"] = container_env(ctx, role, c, par, path)
    if b.container_ports != "none" and truthy(c.get("ports")):
        ports = c["ports"]
        out["ports"] = (
            tpl_data(ctx, ports, f"{path}.ports")
            if b.container_ports == "tpl"
            else copy_tree(ports)
        )
    for key in ("livenessProbe", "readinessProbe"):
        if truthy(c.get(key)):
            if b.probes_indent_bug:
                out[key] = None
                _merge_block(out, copy_tree(c[key]), f"{path}.{key}")
            else:
                out[key] = copy_tree(c[key])
    if b.startup_probe and truthy(c.get("startupProbe")):
        out["startupProbe"] = copy_tree(c["startupProbe"])
    out["resources"] = resources(ctx, role, c, par, pd_spec, path)
    mounts = volume_mounts(ctx, c, path)
    if mounts is not None:
        out["volumeMounts"] = mounts
    for key in ("workingDir", "stdin", "tty"):
        if truthy(c.get(key)):
            out[key] = printed(c[key])
    return out


def _merge_block(out: Obj, block: Any, path: str) -> None:
    if isinstance(block, dict):
        out.update(block)
    elif block is not None:
        raise fail(path, "must be a map of fields (the chart writes it into the object)")


def _command(ctx: Ctx, role: str, c: Obj, par: Any, out: Obj, path: str) -> None:
    """Command and args by ``modelCommand``."""
    command = go_str(default("custom", c.get("modelCommand")))
    if command == "vllmServe":
        out["command"] = ["vllm", "serve"]
        out["args"] = serving_args(ctx, role, c, par, image_default=False, path=path)
        return
    if command == "imageDefault":
        out["args"] = serving_args(ctx, role, c, par, image_default=True, path=path)
        return
    if command == "custom":
        if not truthy(c.get("command")):
            raise fail(
                f"{path}.command",
                'required when modelCommand is custom or not set (the chart: "When '
                '.container.modelCommand not set or `custom`, a `command` is required.")',
            )
        out["command"] = copy_tree(c["command"])
        if truthy(c.get("args")):
            out["args"] = copy_tree(c["args"])
        return
    raise fail(
        f"{path}.modelCommand",
        f"{command!r} is not one of vllmServe, imageDefault, custom",
    )


# ---------------------------------------------------------------------------- proxy
def proxy_enabled(ctx: Ctx) -> bool:
    proxy = ctx.v("routing", "proxy")
    if not ctx.b.proxy_enabled_key:
        return True
    if not has_key(proxy, "enabled"):
        return True
    value = proxy["enabled"]
    if not isinstance(value, bool) and value is not None:
        raise fail(
            "routing.proxy.enabled", f"must be true or false (the chart compares it), got {value!r}"
        )
    return value is not False


def routing_proxy(ctx: Ctx) -> Obj | None:
    """The routing proxy sidecar (an init container that keeps running)."""
    b = ctx.b
    proxy = ctx.v("routing", "proxy")
    proxy = proxy if isinstance(proxy, dict) else {}
    if not proxy_enabled(ctx):
        return None
    port = default(b.proxy_default_port, ctx.v("routing", "servicePort"))
    args = [
        f"--port={go_str(port)}",
        f"--vllm-port={go_str(default(8200, proxy.get('targetPort')))}",
        "--connector="
        + (
            go_str(default("nixlv2", proxy.get("connector"))) if b.proxy_connector_key else "nixlv2"
        ),
    ]
    if b.proxy_debug_level:
        args.append(f"-v={go_str(default(5, proxy.get('debugLevel')))}")
    if b.proxy_zap:
        for key, flag in (
            ("zapDevel", "--zap-devel"),
            ("zapEncoder", "--zap-encoder"),
            ("zapLogLevel", "--zap-log-level"),
            ("zapStacktraceLevel", "--zap-stacktrace-level"),
            ("zapTimeEncoding", "--zap-time-encoding"),
        ):
            if key in proxy:
                args.append(f"{flag}={go_str(proxy[key])}")
    if b.proxy_tls:
        for key, flag in (
            ("secure", "--secure-proxy"),
            ("prefillerUseTLS", "--prefiller-use-tls"),
            ("certPath", "--cert-path"),
        ):
            if key in proxy:
                args.append(f"{flag}={go_str(proxy[key])}")
    if not truthy(proxy.get("image")):
        raise fail(
            "routing.proxy.image", 'required (the chart: "routing.proxy.image must be specified")'
        )
    out: Obj = {"name": "routing-proxy", "args": [parse_scalar(a) for a in args]}
    out["image"] = printed(proxy["image"])
    pull = default("Always", proxy.get("imagePullPolicy")) if b.proxy_pull_policy_key else "Always"
    out["imagePullPolicy"] = printed(pull)
    if b.proxy_tracing_env:
        t = _tracing_on(ctx)
        out["env"] = (
            [
                _env("OTEL_SERVICE_NAME", quote(get(t, "serviceNames", "routingProxy"))),
                _env("OTEL_EXPORTER_OTLP_ENDPOINT", quote(get(t, "otlpEndpoint"))),
                _env("OTEL_TRACES_EXPORTER", "otlp"),
                _env("OTEL_TRACES_SAMPLER", quote(get(t, "sampling", "sampler"))),
                _env("OTEL_TRACES_SAMPLER_ARG", quote(get(t, "sampling", "samplerArg"))),
            ]
            if t is not None
            else None
        )
    out["ports"] = [{"containerPort": printed(port)}]
    out["resources"] = {}
    out["restartPolicy"] = "Always"
    out["securityContext"] = {"allowPrivilegeEscalation": False, "runAsNonRoot": True}
    return out


# ---------------------------------------------------------------------------- pod
def model_pod(ctx: Ctx, role: str, pd_spec: Obj, spec: Obj) -> None:
    """``modelPod``: the pod-level fields a role's pods share, written into ``spec``."""
    b = ctx.b
    if b.extra_config and truthy(pd_spec.get("extraConfig")):
        _merge_block(
            spec,
            tpl_data(ctx, pd_spec["extraConfig"], f"{role}.extraConfig"),
            f"{role}.extraConfig",
        )
    if truthy(pd_spec.get("imagePullSecrets")):
        spec["imagePullSecrets"] = copy_tree(pd_spec["imagePullSecrets"])
    if b.scheduler_name and (
        truthy(pd_spec.get("schedulerName")) or truthy(ctx.v("schedulerName"))
    ):
        spec["schedulerName"] = printed(
            default(ctx.v("schedulerName"), pd_spec.get("schedulerName"))
        )
    priority = pd_spec.get("priorityClassName")
    if b.priority_class and truthy(priority) and go_str(priority).lower() != "none":
        spec["priorityClassName"] = printed(priority)
    if truthy(pd_spec.get("podSecurityContext")):
        spec["securityContext"] = copy_tree(pd_spec["podSecurityContext"])
    spec["serviceAccountName"] = printed(ctx.sa_name())
    acc: Any = pd_spec.get("acceleratorTypes")
    if truthy(acc) and (not b.affinity_needs_label_key or truthy(get(acc, "labelKey"))):
        expression: Obj = {"key": printed(get(acc, "labelKey")), "operator": "In"}
        if truthy(get(acc, "labelValues")):
            expression["values"] = copy_tree(acc["labelValues"])
        spec["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [expression]}]
                }
            }
        }
    volumes: list[Any] = []
    if truthy(pd_spec.get("volumes")):
        user = pd_spec["volumes"]
        volumes += copy_tree(user) if isinstance(user, list) else [user]
    mounted = (
        any(
            isinstance(c, dict) and truthy(c.get("mountModelVolume"))
            for c in (pd_spec.get("containers") or [])
        )
        if isinstance(pd_spec.get("containers"), list)
        else False
    )
    if not b.model_volume_if_mounted or mounted:
        volume = model_volume(ctx)
        if volume is not None:
            volumes.append(volume)
    spec["volumes"] = volumes or None
    if b.resource_claims == "dra" and truthy(ctx.v("dra", "enabled")):
        claim = _dra_claim(ctx)
        name = go_str(claim.get("name"))
        spec["resourceClaims"] = [
            {
                "name": f"{name}-resource-claim",
                "resourceClaimTemplateName": f"{name}-resource-claim-template",
            }
        ]
    elif b.resource_claims in ("accelerator", "role"):
        claims = pod_claims(ctx, role, pd_spec)
        if claims:
            spec["resourceClaims"] = claims


def containers(ctx: Ctx, role: str, pd_spec: Obj) -> list[Obj] | None:
    """The role's containers (``with .Values.<role>.containers``)."""
    own = ctx.role(role)
    items = own.get("containers")
    if not truthy(items):
        return None
    if not isinstance(items, list):
        raise fail(f"{role}.containers", "must be a list of containers")
    par = own.get("parallelism")
    return [container(ctx, role, c, i, par, pd_spec) for i, c in enumerate(items)]
