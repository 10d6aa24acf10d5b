"""Which endpoint picker (EPP) speaks which InferencePool API, and the v1 picker's defaults.

The Gateway API Inference Extension (GAIE) changed its endpoint picker incompatibly at
v1.0.0, together with the GA ``inference.networking.k8s.io/v1`` InferencePool:

- v1alpha2-era pickers (GAIE v0.x; llm-d-inference-scheduler 0.0.x to v0.2.x) take
  camelCase flags (``--poolName``, ``--grpcPort``, ...), watch ``InferenceModel`` and
  v1alpha2 pools, and (before GAIE v0.5) choose their scorers from environment variables.
- v1-era pickers (GAIE v1.x; llm-d-inference-scheduler v0.3.0 and later, built on GAIE
  v1.0.0) take kebab-case flags (``--pool-name``, ``--grpc-port``, ...) and refuse the old
  ones, watch ``InferenceObjective`` and the pool of ``--pool-group``, and will not start
  without a scheduler configuration (``--config-file``: an ``EndpointPickerConfig``).

This is kept as data, read by the validator (image/pool mismatches, the v1 image default)
and the renderer (the configuration files it ships).
"""

from __future__ import annotations

from modelservice._record import Record
from modelservice.naming import POOL_V1, POOL_V1ALPHA2

#: The EPP image a v1 pool gets when the values name none: the llm-d scheduler of the
#: llm-d 0.3 release, built on GAIE v1.0.0 (the InferencePool v1 and InferenceObjective
#: v1alpha2 APIs of GAIE v1.0.x), with GAIE's own plugins plus llm-d's (decode-filter,
#: prefill-filter, pd-profile-handler, ...).
V1_DEFAULT_IMAGE = "ghcr.io/llm-d/llm-d-inference-scheduler:v0.3.2"


class ImageLine(Record):
    """One line of EPP images: a repository (matched by its path's ending) and the first
    release of it that speaks the v1 pool API."""

    repository: str
    first_v1: tuple[int, int, int]
    v1_example: str
    v1alpha2_example: str


IMAGE_LINES = (
    ImageLine(
        "llm-d/llm-d-inference-scheduler",
        (0, 3, 0),
        "ghcr.io/llm-d/llm-d-inference-scheduler:v0.3.0 or later",
        "ghcr.io/llm-d/llm-d-inference-scheduler:0.0.x to v0.2.x",
    ),
    ImageLine(
        "gateway-api-inference-extension/epp",
        (1, 0, 0),
        "registry.k8s.io/gateway-api-inference-extension/epp:v1.0.0 or later",
        "registry.k8s.io/gateway-api-inference-extension/epp:v0.x",
    ),
)

_DIGITS = frozenset("0123456789")


def release_number(tag: str) -> tuple[int, int, int] | None:
    """``v0.3.2``, ``1.0.0-rc.1`` → the three numbers; None for any other tag. Scanned by
    hand: every run checks the EPP image, and a regex would be compiled at each start."""
    text, numbers, i = tag.removeprefix("v"), [], 0
    for n in range(3):
        j = i
        while j < len(text) and text[j] in _DIGITS:
            j += 1
        if j == i:
            return None
        numbers.append(int(text[i:j]))
        if n < 2:
            if text[j : j + 1] != ".":
                return None
            j += 1
        i = j
    if i < len(text) and text[i] not in "-+.":
        return None
    return numbers[0], numbers[1], numbers[2]


def image_era(image: str) -> tuple[ImageLine, str] | None:
    """The known line of ``image`` and the pool API its picker speaks; None when the image
    is not of a known line or its tag is not a release number (``latest``, a digest, a
    fork's tag): then nothing can be said about it."""
    ref = image.split("@", 1)[0]
    name, _, tag = ref.rpartition(":")
    if not name or "/" in tag:  # no tag, or the colon was a registry port
        return None
    version = release_number(tag)
    if version is None:
        return None
    for line in IMAGE_LINES:
        if name == line.repository or name.endswith("/" + line.repository):
            return line, POOL_V1 if version >= line.first_v1 else POOL_V1ALPHA2
    return None


def images_for(pool_api: str) -> str:
    """The images that fit a pool API, for error messages."""
    if pool_api == POOL_V1:
        return " or ".join(line.v1_example for line in IMAGE_LINES)
    return " or ".join(line.v1alpha2_example for line in IMAGE_LINES)


# --- the v1 picker's scheduler configuration -------------------------------------------

#: Mounted from the EPP's ConfigMap; ``--config-file`` points into it.
CONFIG_MOUNT_PATH = "/config"
DEFAULT_CONFIG_FILE = "default-config.yaml"
PD_CONFIG_FILE = "pd-config.yaml"

#: GAIE's own scorers only, so that every v1-era picker (GAIE's and llm-d's) loads it.
#: Without prefill pods in the pool every pod may take any request.
_DEFAULT_CONFIG = """\
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: single-profile-handler
- type: queue-scorer
- type: kv-cache-utilization-scorer
- type: prefix-cache-scorer
- type: max-score-picker
schedulingProfiles:
- name: default
  plugins:
  - pluginRef: queue-scorer
    weight: 1
  - pluginRef: kv-cache-utilization-scorer
    weight: 1
  - pluginRef: prefix-cache-scorer
    weight: 1
  - pluginRef: max-score-picker
"""

#: Prefill/decode disaggregation: llm-d's role filters pick a prefill pod and a decode pod
#: (by the ``llm-d.ai/role`` label this tool puts on them) and the pd-profile-handler tells
#: the decode pod's routing proxy where to prefill. Needs an llm-d-inference-scheduler image.
_PD_CONFIG = """\
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: prefill-header-handler
- type: prefill-filter
- type: decode-filter
- type: queue-scorer
- type: prefix-cache-scorer
- type: max-score-picker
- type: pd-profile-handler
schedulingProfiles:
- name: prefill
  plugins:
  - pluginRef: prefill-filter
  - pluginRef: queue-scorer
    weight: 1
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: max-score-picker
- name: decode
  plugins:
  - pluginRef: decode-filter
  - pluginRef: queue-scorer
    weight: 1
  - pluginRef: prefix-cache-scorer
    weight: 2
  - pluginRef: max-score-picker
"""

#: The configuration files every v1 EPP ConfigMap holds, before the user's own.
BUILTIN_CONFIGS: dict[str, str] = {
    DEFAULT_CONFIG_FILE: _DEFAULT_CONFIG,
    PD_CONFIG_FILE: _PD_CONFIG,
}
#: Plugin types that exist only in llm-d-inference-scheduler images, not in GAIE's EPP.
LLMD_ONLY_CONFIGS = (PD_CONFIG_FILE,)
