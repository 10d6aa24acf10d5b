"""Names and labels every release object is known by, below both values and renderers.

Validation must predict the names the renderer will give (to refuse an invalid prefix
before anything is written), and the cluster layer, operator and planner find objects by
the same labels; so the rules and the label keys live here, once.
"""

from __future__ import annotations

from functools import lru_cache

from modelservice.errors import Problem

CHART_NAME = "llm-d-modelservice"
FULLNAME_MAX = 55
"""The chart truncates at 55 so that ``-prefill`` still fits a 63-character name."""

INFERENCE_SERVING_LABEL = "llm-d.ai/inferenceServing"
MODEL_LABEL = "llm-d.ai/model"
ROLE_LABEL = "llm-d.ai/role"
"""``decode`` or ``prefill`` on model-server pods and their workloads."""
EPP_LABEL = "llm-d.ai/epp"
POD_SELECTOR_LABELS = (INFERENCE_SERVING_LABEL, MODEL_LABEL, ROLE_LABEL)
"""The labels workloads and the InferencePool select model-server pods by."""


#: The Gateway API Inference Extension's InferencePool API versions: the alpha one the
#: seed's chart renders, and the GA one (GAIE v1.0.0 on).
POOL_ALPHA_GROUP = "inference.networking.x-k8s.io"
POOL_V1_GROUP = "inference.networking.k8s.io"
POOL_V1ALPHA2 = f"{POOL_ALPHA_GROUP}/v1alpha2"
POOL_V1 = f"{POOL_V1_GROUP}/v1"


def _trunc(name: str) -> str:
    return name[:FULLNAME_MAX].rstrip("-")


@lru_cache(maxsize=256)  # a render asks for it once per object
def fullname(
    release: str, *, name_override: str | None = None, fullname_override: str | None = None
) -> str:
    """The prefix of every object name: ``fullnameOverride``, or the release name (plus the
    chart name unless the release name holds it)."""
    if fullname_override:
        return _trunc(fullname_override)
    name = name_override or CHART_NAME
    if name in release:
        return _trunc(release)
    return _trunc(f"{release}-{name}")


# Kubernetes' name rules, checked by hand: compiling their regular expressions would cost
# every run of the CLI more than checking a few names does.
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LABEL_CHARS = _ALNUM | {"-"}


def dns1123_label(text: str) -> bool:
    """Lower-case letters, digits and '-', starting and ending with a letter or digit
    (no length limit here: the callers say which applies)."""
    return bool(text) and text[0] in _ALNUM and text[-1] in _ALNUM and _LABEL_CHARS.issuperset(text)


def dns1123_subdomain(text: str) -> bool:
    """DNS-1123 labels joined by dots."""
    return bool(text) and all(dns1123_label(part) for part in text.split("."))


def dns1035_label(text: str) -> bool:
    """A DNS-1123 label that starts with a letter (Service names)."""
    return dns1123_label(text) and text[0].isalpha()


def check_release_name(release: str) -> list[Problem]:
    """Helm's rule for release names: a DNS-1123 subdomain of at most 53 characters."""
    if not release:
        return [Problem("", "the release name must not be empty", "RELEASE argument")]
    if len(release) > 53 or not dns1123_subdomain(release):
        return [
            Problem(
                "",
                f"invalid release name {release!r}: at most 53 lower-case letters, "
                "digits, '-' and '.', starting and ending with a letter or digit",
                "RELEASE argument",
            )
        ]
    return []
