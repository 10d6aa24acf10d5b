"""Object names and labels, exactly as the chart's helpers make them."""

from __future__ import annotations

from modelservice import naming
from modelservice.naming import (
    CHART_NAME,
    EPP_LABEL,
    INFERENCE_SERVING_LABEL,
    MODEL_LABEL,
    ROLE_LABEL,
)
from modelservice.values.model import APP_VERSION, CHART_VERSION, ModelService


def fullname(ms: ModelService) -> str:
    """``fullnameOverride``, or the release name (plus the chart name unless it holds it)."""
    return naming.fullname(
        ms.release, name_override=ms.name_override, fullname_override=ms.fullname_override
    )


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
    return {INFERENCE_SERVING_LABEL: "true", MODEL_LABEL: fullname(ms)}


def role_labels(ms: ModelService, role: str) -> dict[str, str]:
    """Selector and pod labels of one role's workload."""
    return {**pool_labels(ms), ROLE_LABEL: role}


def epp_labels(ms: ModelService) -> dict[str, str]:
    return {EPP_LABEL: epp_name(ms)}
