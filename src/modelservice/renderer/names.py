"""Object names and labels, exactly as the chart's helpers make them."""

from __future__ import annotations

from modelservice.values.model import APP_VERSION, CHART_NAME, CHART_VERSION, ModelService

FULLNAME_MAX = 55
"""The chart truncates at 55 so that ``-prefill`` still fits a 63-character name."""


def _trunc(name: str) -> str:
    return name[:FULLNAME_MAX].rstrip("-")


def fullname(ms: ModelService) -> str:
    """``fullnameOverride``, or the release name (plus the chart name unless it holds it)."""
    if ms.fullname_override:
        return _trunc(ms.fullname_override)
    name = ms.name_override or CHART_NAME
    if name in ms.release:
        return _trunc(ms.release)
    return _trunc(f"{ms.release}-{name}")


def epp_name(ms: ModelService) -> str:
    return f"{fullname(ms)}-epp"


def role_name(ms: ModelService, role: str) -> str:
    return f"{fullname(ms)}-{role}"


def pool_name(ms: ModelService) -> str:
    return fullname(ms)


def common_labels() -> dict[str, str]:
    """Labels the chart puts on most objects (Helm's own bookkeeping labels)."""
    return {
        "helm.sh/chart": f"{CHART_NAME}-{CHART_VERSION}",
        "app.kubernetes.io/version": APP_VERSION,
        "app.kubernetes.io/managed-by": "Helm",
    }


def pool_labels(ms: ModelService) -> dict[str, str]:
    """The labels the InferencePool selects model-server pods by."""
    return {"llm-d.ai/inferenceServing": "true", "llm-d.ai/model": fullname(ms)}


def role_labels(ms: ModelService, role: str) -> dict[str, str]:
    """Selector and pod labels of one role's workload."""
    return {**pool_labels(ms), "llm-d.ai/role": role}


def epp_labels(ms: ModelService) -> dict[str, str]:
    return {"llm-d.ai/epp": epp_name(ms)}
