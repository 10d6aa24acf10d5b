"""The requester ReplicaSet's server patch: the decode pod the dual-pod controller starts.

The chart (0.3.4 on) writes this annotation as text: a YAML document holding the decode
init and model containers exactly as its helpers print them, blank lines and all, in a
literal block. The annotation's value is that text, so it is rebuilt here as text: each
function below writes what one chart helper prints, with the whitespace its template
actions leave behind (a helper whose first action keeps its newline starts with a blank
line once indented). The objects themselves come from :mod:`.pods`, so the text and the
rendered Deployment never disagree on content.
"""

from __future__ import annotations

from modelservice.renderer.upstream import pods
from modelservice.renderer.upstream.context import Ctx, Obj
from modelservice.renderer.upstream.gosem import default, get, go_str, truthy
from modelservice.renderer.upstream.tplvalues import tpl_text

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any


def _to_yaml(value: Any) -> str:
    from modelservice import gotemplate

    return str(gotemplate.to_yaml(value))


def _indent(n: int, text: str) -> str:
    pad = " " * n
    return pad + text.replace("\n", "\n" + pad)


def _nindent(n: int, text: str) -> str:
    return "\n" + _indent(n, text)


def _go_quote(value: Any) -> str:
    """Sprig's ``quote``: Go's ``%q`` of the printed value (nil prints ``""``)."""
    import json

    return json.dumps(go_str(value), ensure_ascii=False)


def server_patch(ctx: Ctx, model_name: str) -> str:
    """The annotation's text (the literal block's content, de-indented)."""
    parts = model_name.split("/")
    reg = parts[1] if len(parts) > 1 else None
    text = (
        "metadata:\n"
        f'  labels: {{"model-reg": {_go_quote(reg)},\n'
        f'    "model-repo": {_go_quote(parts[0])},\n'
        '    "app": null}\n'
        "spec:"
    )
    text += _init_section(ctx)
    own = ctx.role("decode")
    items = own.get("containers")
    if truthy(items) and isinstance(items, list):
        text += "\n  containers:"
        par = own.get("parallelism")
        for i, c in enumerate(items):
            text += _nindent(4, _container(ctx, c, i, par, own))
    # The literal block ends with one newline; lines of spaces are content and stay.
    return text + "\n"


def _init_section(ctx: Ctx) -> str:
    b = ctx.b
    own = ctx.role("decode")
    if not b.proxy_in_init_list:
        if not truthy(ctx.v("routing")):
            return ""
        proxy = _proxy(ctx)
        body = ("initContainers:" + _nindent(2, proxy)) if proxy else ""
        return _nindent(2, body)
    wanted = (
        "initContainers" in own
        if b.init_containers == "haskey"
        else truthy(own.get("initContainers"))
    )
    if not (wanted or ctx.v("routing", "proxy", "enabled") is True):
        return ""
    out = "\n  initContainers:" + _nindent(2, _proxy(ctx))
    if wanted:
        out += _nindent(2, _to_yaml(own.get("initContainers")))
    return out


def _proxy(ctx: Ctx) -> str:
    """``routingProxy``'s text (one list item)."""
    obj = pods.routing_proxy(ctx)
    if obj is None:
        return ""
    lines = ["- name: routing-proxy", "  args:"]
    lines += [f"    - {arg}" for arg in obj["args"]]
    lines.append(f"  image: {go_str(get(ctx.v('routing', 'proxy'), 'image'))}")
    lines.append(f"  imagePullPolicy: {go_str(obj['imagePullPolicy'])}")
    if "env" in obj:
        lines.append("  env:")
        for entry in obj["env"] or []:
            lines.append(f"    - name: {entry['name']}")
            lines.append(f"      value: {_go_quote(entry['value'])}")
    port = go_str(default(ctx.b.proxy_default_port, ctx.v("routing", "servicePort")))
    lines += [
        "  ports:",
        f"    - containerPort: {port}",
        "  resources: {}",
        "  restartPolicy: Always",
        "  securityContext:",
        "    allowPrivilegeEscalation: false",
        "    runAsNonRoot: true",
    ]
    return "\n".join(lines)


def _container(ctx: Ctx, c: Any, index: int, par: Any, pd_spec: Obj) -> str:
    """The ``container`` helper's text; the content is :func:`pods.container`'s."""
    b = ctx.b
    path = f"decode.containers[{index}]"
    obj = pods.container(ctx, "decode", c, index, par, pd_spec)
    text = f"- name: {go_str(default('vllm', c.get('name')))}\n  image: {go_str(c.get('image'))}"
    if b.extra_config and truthy(c.get("extraConfig")):
        text += "\n    " + _nindent(2, _tpl_yaml(ctx, c["extraConfig"], f"{path}.extraConfig"))
    if truthy(c.get("securityContext")):
        text += "\n  securityContext:" + _nindent(4, _to_yaml(c["securityContext"]))
    if truthy(c.get("imagePullPolicy")):
        text += f"\n  imagePullPolicy: {go_str(c['imagePullPolicy'])}"
    text += _nindent(2, _command(ctx, c, par, path))
    text += "\n  env:"
    if truthy(c.get("env")):
        text += _nindent(2, _tpl_yaml(ctx, c["env"], f"{path}.env"))
    text += _nindent(2, _entries(_parallelism_env(ctx, par, path), leading=False))
    text += _nindent(2, _entries(pods.hf_env(ctx, c), leading=True))
    accelerator = _entries(pods.accelerator_env(ctx, "decode"), leading=True)
    if accelerator:
        text += _nindent(2, accelerator)
    if b.tracing != "none":
        text += _nindent(2, _entries(pods.tracing_env(ctx, "decode"), leading=True))
    if truthy(c.get("ports")):
        text += "\n  ports:" + _nindent(2, _tpl_yaml(ctx, c["ports"], f"{path}.ports"))
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        if truthy(c.get(key)):
            text += f"\n  {key}:" + _nindent(4, _to_yaml(c[key]))
    text += _nindent(2, _resources(ctx, obj["resources"]))
    text += _nindent(2, _volume_mounts(ctx, c))
    for key in ("workingDir", "stdin", "tty"):
        if truthy(c.get(key)):
            text += f"\n  {key}: {go_str(c[key])}"
    return text


def _tpl_yaml(ctx: Ctx, value: Any, path: str) -> str:
    """``common.tplvalues.render`` of a value, as the text it prints."""
    if isinstance(value, str):
        return tpl_text(ctx, value, path)
    text = _to_yaml(value)
    return tpl_text(ctx, text, path) if "{{" in text else text


def _entries(entries: list[Obj], *, leading: bool) -> str:
    """Env entries as the chart's helpers print them (``- name: X`` / ``  value: "Y"``);
    ``leading``: each entry follows a kept newline (range bodies, if blocks)."""
    out = []
    for entry in entries:
        if "valueFrom" in entry:  # HF_TOKEN, as the hfEnv helper writes it
            secret = entry["valueFrom"]["secretKeyRef"]
            body = (
                f"- name: {entry['name']}\n  valueFrom:\n    secretKeyRef:\n"
                f"      name: {go_str(secret['name'])}\n      key: {secret['key']}"
            )
        else:
            value = entry["value"]
            shown = value if entry["name"] in ("HF_HOME", "HF_HUB_CACHE") else _go_quote(value)
            body = f"- name: {entry['name']}\n  value: {shown}"
        out.append(body)
    if not out:
        return ""
    return "".join("\n" + e for e in out) if leading else "\n".join(out)


def _parallelism_env(ctx: Ctx, par: Any, path: str) -> list[Obj]:
    out = [
        {"name": "DP_SIZE", "value": str(pods.data(ctx, par, path))},
        {"name": "TP_SIZE", "value": str(pods.tensor(par))},
    ]
    if ctx.b.dp_size_local_env:
        out.append({"name": "DP_SIZE_LOCAL", "value": str(pods.data_local(ctx, par, path))})
    return out


def _command(ctx: Ctx, c: Obj, par: Any, path: str) -> str:
    """The ``command`` helper's text (every variant starts with a kept newline)."""
    b = ctx.b
    mode = go_str(default("custom", c.get("modelCommand")))
    if mode == "custom":
        text = "\ncommand:" + _nindent(2, _to_yaml(c["command"]))
        if truthy(c.get("args")):
            text += "\nargs:" + _nindent(2, _to_yaml(c["args"]))
        return text
    image_default = mode == "imageDefault"
    text = "\nargs:" if image_default else '\ncommand: ["vllm", "serve"]\nargs:'
    flag = "\n  - --model" if image_default else ""
    scheme, rest = pods.uri_parts(ctx)
    if scheme == "hf":
        text += f"{flag}\n  - {tpl_text(ctx, rest, 'modelArtifacts.uri')}"
    elif scheme == "pvc":
        mount = go_str(ctx.v("modelArtifacts", "mountPath")) if b.mount_path_key else "/model-cache"
        text += f"{flag}\n  - {mount}/{rest.split('/', 1)[-1]}"
    elif scheme == "pvc+hf":
        segments = rest.split("/")
        text += f"{flag}\n  - {segments[-2]}/{segments[-1]}"
    text += f"\n  - --port\n  - {_go_quote(pods.vllm_port(ctx, 'decode'))}"
    numbers = [("--tensor-parallel-size", pods.tensor(par))]
    if b.dp_args:
        numbers += [
            ("--data-parallel-size", pods.data(ctx, par, path)),
            ("--data-parallel-size-local", pods.data_local(ctx, par, path)),
        ]
    for name, value in numbers:
        if value > 1:
            text += f"\n  - {name}\n  - {_go_quote(str(value))}"
    text += f"\n  - --served-model-name\n  - {_go_quote(ctx.v('modelArtifacts', 'name'))}"
    if b.tracing != "none":
        t = pods._tracing_on(ctx)
        tracing = ""
        if t is not None:
            tracing = "\n" + "\n".join(
                (
                    "- --otlp-traces-endpoint",
                    f"- {_go_quote(get(t, 'otlpEndpoint'))}",
                    "- --collect-detailed-traces",
                    f"- {_go_quote(get(t, 'vllm', 'collectDetailedTraces'))}",
                )
            )
        text += _nindent(2, tracing)
    if truthy(c.get("args")):
        text += "\n  " + _nindent(2, _to_yaml(c["args"]))
    return text


def _resources(ctx: Ctx, res: Obj) -> str:
    b = ctx.b
    if b.resource_claims == "dra" and "limits" not in res:
        return "resources:\n  claims:" + "".join(f"\n  - name: {c['name']}" for c in res["claims"])
    text = "resources:\n  limits:" + _nindent(4, _to_yaml(res["limits"]))
    text += "\n  requests:" + _nindent(4, _to_yaml(res["requests"]))
    if "claims" in res:
        text += "\n  claims:" + _nindent(4, _to_yaml(res["claims"]))
    return ("\n" + text) if b.resources_leading_newline else text


def _volume_mounts(ctx: Ctx, c: Obj) -> str:
    mounts = pods.volume_mounts(ctx, c, "decode.containers")
    if mounts is None:
        return ""
    text = "\nvolumeMounts:"
    user = c.get("volumeMounts")
    if truthy(user):
        text += _nindent(2, _to_yaml(user))
    if truthy(c.get("mountModelVolume")):
        model = mounts[-1]
        mount = (
            go_str(ctx.v("modelArtifacts", "mountPath")) if ctx.b.mount_path_key else "/model-cache"
        )
        text += f"\n  - name: {model['name']}\n    mountPath: {mount}"
        if "readOnly" in model:
            text += f"\n    readOnly: {go_str(model['readOnly'])}"
    return text
