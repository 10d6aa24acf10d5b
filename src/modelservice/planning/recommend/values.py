"""A recommended option as a values file, saying where each number came from.

The option fixes the model, the GPU type, the GPUs per replica (tensor parallelism) and
the replica count; llm-d-planner's data measure aggregated vLLM serving, so the values
have decode pods only. The rest of the pod (vLLM image, CPU and memory) is not in that
data: it is taken from the built-in ``nvidia-pd`` preset's decode container, which the
header says, so that a user knows which numbers to revisit.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from modelservice.errors import ModelServiceError

if TYPE_CHECKING:
    from modelservice.planning.recommend.options import DeploymentOption, Recommendation

__all__ = ["GPU_LABEL_KEY", "option_values", "values_document"]

#: The node label NVIDIA's GPU feature discovery sets; the catalog's node labels are its values.
GPU_LABEL_KEY = "nvidia.com/gpu.product"
_CONTAINER_PRESET = "nvidia-pd"
#: vLLM's port behind the routing proxy (the default routing.proxy.targetPort).
_VLLM_PORT = 8200


def _preset_container() -> dict[str, Any]:
    """The decode container of the preset we borrow the image and pod size from."""
    from modelservice.presets import find_preset

    decode = find_preset(_CONTAINER_PRESET).values().get("decode") or {}
    containers = decode.get("containers") or [{}]
    return dict(containers[0])


def option_values(option: DeploymentOption) -> dict[str, Any]:
    """The user values (laid over the built-in defaults) of one option."""
    if not option.gpu_label.upper().startswith("NVIDIA-"):
        raise ModelServiceError(
            f"option {option.rank} runs on {option.gpu} ({option.gpu_label}); values are made "
            "for NVIDIA GPUs only (node label nvidia.com/gpu.product)"
        )
    borrowed = _preset_container()
    resources = copy.deepcopy(borrowed.get("resources") or {})
    return {
        "accelerator": {"type": "nvidia"},
        "modelArtifacts": {
            "uri": f"hf://{option.model}",
            # The served name. Later chart releases read it only here (their schemas refuse
            # routing.modelName), and the default mode takes it here too.
            "name": option.model,
            # The weights must fit in one replica's GPU memory: an upper bound for the
            # download volume.
            "size": f"{option.gpus_per_replica * option.gpu_memory_gb}Gi",
        },
        "decode": {
            "replicas": option.replicas,
            "parallelism": {"tensor": option.tensor_parallel},
            "acceleratorTypes": {"labelKey": GPU_LABEL_KEY, "labelValues": [option.gpu_label]},
            "containers": [
                {
                    "name": "vllm",
                    "image": borrowed.get("image"),
                    "modelCommand": "vllmServe",
                    "resources": resources,
                    "readinessProbe": {
                        "httpGet": {"path": "/health", "port": _VLLM_PORT},
                        "periodSeconds": 10,
                    },
                    "mountModelVolume": True,
                }
            ],
        },
        "prefill": {"create": False},
    }


def _money(x: float) -> str:
    return f"${x:,.2f}"


def _wrap(lines: list[str], width: int = 92) -> list[str]:
    """Long lines folded; a list item's continuation indented under its text."""
    import textwrap

    out: list[str] = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
            continue
        indent = "  " if line.startswith("- ") else ""
        out += textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False)
    return out


def values_document(rec: Recommendation, option: DeploymentOption) -> str:
    """The values file of ``option``: a header comment, then the values."""
    from modelservice.output.yaml import dump

    values = option_values(option)
    s, d = rec.spec, rec.data
    borrowed = values["decode"]["containers"][0]
    res = borrowed.get("resources") or {}
    requests = res.get("requests") or {}
    filters = rec.filters_text()
    lines = [
        f"{option.model} on {option.gpus_total} x {option.gpu}: option {option.rank} of the "
        f"{rec.view} view of `modelservice recommend`.",
        "",
        f"Where the numbers come from: llm-d-planner {d.version}, its bundled data "
        f"(source {d.source}, marked {d.confidence}"
        + (f': "{d.description}"' if d.description else "")
        + "):",
        f"- workload: use case {s.use_case}, {s.users} users -> {s.requests_per_second:g} "
        f"requests/s at peak, {s.prompt_tokens} prompt / {s.output_tokens} output tokens",
        f"- SLO targets ({s.percentile}): TTFT {s.ttft_ms} ms, ITL {s.itl_ms} ms, "
        f"E2E {s.e2e_ms} ms" + (f"; filters: {filters}" if filters else ""),
        f"- decode.parallelism.tensor: {option.tensor_parallel}, the benchmark's "
        f"{option.gpus_per_replica} GPU(s) per replica",
        f"- decode.replicas: {option.replicas}, the planner's count for "
        f"{s.requests_per_second:g} requests/s with 20% headroom at "
        f"{option.requests_per_second_per_replica:g} requests/s per replica",
        f"- predicted {s.percentile}: TTFT {option.ttft_ms} ms, ITL {option.itl_ms} ms, "
        f"E2E {option.e2e_ms} ms; {option.requests_per_second:g} requests/s in total "
        f"(SLO {option.slo_status}; {option.source}, {option.confidence})",
        f"- decode.acceleratorTypes: the GPU catalog's node label for {option.gpu}",
        f"- cost: {option.gpus_total} x {option.gpu} at {_money(option.gpu_cost_per_hour)}/h = "
        f"{_money(option.cost_per_hour)}/h, {_money(option.cost_per_month)}/month "
        "(the catalog's base price, 730 h a month)",
        f"- modelArtifacts.size: one replica's GPU memory ({option.gpus_per_replica} x "
        f"{option.gpu_memory_gb} GB), a bound on the weights' size",
        "- modelArtifacts.uri and .name: the model id as the planner's data spell it",
        "",
        "Not from the planner's data: the vLLM image, CPU "
        f"({requests.get('cpu', '-')}) and memory ({requests.get('memory', '-')}) of the "
        f"{_CONTAINER_PRESET} preset's decode container. No prefill pods: the benchmarks "
        "serve without prefill/decode disaggregation. A gated model also needs "
        "modelArtifacts.authSecretName (a Secret with HF_TOKEN).",
        "",
        "  modelservice plan NAME -f THIS_FILE --cluster",
        "  modelservice install NAME -f THIS_FILE --wait",
    ]
    header = "".join(f"# {line}".rstrip() + "\n" for line in _wrap(lines))
    return header + "\n" + dump(values)
