"""Each upstream release's defaults (its ``values.yaml`` as data), as changes from 0.0.9.

``defaults(version)`` replays the changes up to ``version`` onto the 0.0.9 document, so a
default is written once, in the release that introduced it. Maps merge; anything else
replaces; ``DELETE`` removes a key the release dropped. A ``None`` is a real default (the
chart's ``values.yaml`` says ``key:`` with no value: the key exists, empty), which matters to
templates that ask ``hasKey``.
"""

from __future__ import annotations

from functools import lru_cache

from modelservice.charts.versions import RELEASES, ChartVersion
from modelservice.datatree import copy_tree

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

DELETE: Any = object()
"""Marks a key a release removed from its defaults."""

#: The 0.0.9 chart's defaults.
BASE: dict[str, Any] = {
    "modelArtifacts": {"uri": "hf://random/modelid", "size": "5Mi"},
    "multinode": False,
    "routing": {
        "modelName": "random/modelId",
        "servicePort": 8000,
        "proxy": {"image": "ghcr.io/llm-d/llm-d-routing-sidecar:0.0.6", "targetPort": 8200},
        "parentRefs": [
            {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "inference-gateway"}
        ],
        "inferencePool": {"create": True},
        "httpRoute": {"create": True, "matches": [{"path": {"type": "PathPrefix", "value": "/"}}]},
        "epp": {
            "create": True,
            "service": {
                "type": "ClusterIP",
                "port": 9002,
                "targetPort": 9002,
                "appProtocol": "http2",
            },
            "image": "ghcr.io/llm-d/llm-d-inference-scheduler:0.0.3",
            "replicas": 1,
            "debugLevel": 4,
            "disableReadinessProbe": False,
            "disableLivenessProbe": False,
            "env": [
                {"name": "ENABLE_KVCACHE_AWARE_SCORER", "value": "false"},
                {"name": "ENABLE_LOAD_AWARE_SCORER", "value": "true"},
                {"name": "ENABLE_PREFIX_AWARE_SCORER", "value": "true"},
                {"name": "ENABLE_SESSION_AWARE_SCORER", "value": "false"},
                {"name": "KVCACHE_AWARE_SCORER_WEIGHT", "value": "1"},
                {"name": "KVCACHE_INDEXER_REDIS_ADDR"},
                {"name": "LOAD_AWARE_SCORER_WEIGHT", "value": "1"},
                {"name": "PD_ENABLED", "value": "false"},
                {"name": "PD_PROMPT_LEN_THRESHOLD", "value": "10"},
                {"name": "PREFILL_ENABLE_KVCACHE_AWARE_SCORER", "value": "false"},
                {"name": "PREFILL_ENABLE_LOAD_AWARE_SCORER", "value": "false"},
                {"name": "PREFILL_ENABLE_PREFIX_AWARE_SCORER", "value": "false"},
                {"name": "PREFILL_ENABLE_SESSION_AWARE_SCORER", "value": "false"},
                {"name": "PREFILL_KVCACHE_AWARE_SCORER_WEIGHT", "value": "1"},
                {"name": "PREFILL_KVCACHE_INDEXER_REDIS_ADDR"},
                {"name": "PREFILL_LOAD_AWARE_SCORER_WEIGHT", "value": "1"},
                {"name": "PREFILL_PREFIX_AWARE_SCORER_WEIGHT", "value": "1"},
                {"name": "PREFILL_SESSION_AWARE_SCORER_WEIGHT", "value": "1"},
                {"name": "PREFIX_AWARE_SCORER_WEIGHT", "value": "2"},
                {"name": "SESSION_AWARE_SCORER_WEIGHT", "value": "1"},
            ],
        },
    },
    "decode": {
        "create": True,
        "replicas": 1,
        "containers": [
            {
                "name": "vllm",
                "image": "ghcr.io/llm-d/llm-d-inference-sim:0.0.4",
                "modelCommand": "imageDefault",
                "ports": [{"containerPort": 5557, "protocol": "TCP"}],
                "mountModelVolume": True,
            }
        ],
    },
    "prefill": {
        "create": True,
        "replicas": 1,
        "containers": [
            {
                "name": "vllm",
                "image": "ghcr.io/llm-d/llm-d-inference-sim:0.0.4",
                "modelCommand": "imageDefault",
                "ports": [{"containerPort": 5557, "protocol": "TCP"}],
                "mountModelVolume": True,
            }
        ],
    },
}

#: What each later release changed in its defaults (releases that changed none are absent).
CHANGES: dict[str, dict[str, Any]] = {
    "0.0.10": {
        "routing": {
            "inferenceModel": {"create": False},
            "epp": {"image": "ghcr.io/llm-d/llm-d-inference-scheduler:0.0.4"},
        }
    },
    "0.0.11": {
        "routing": {
            "epp": {
                "image": "ghcr.io/llm-d/llm-d-inference-scheduler:0.0.5",
                "pluginsConfigFile": "default-plugin.yaml",
                "env": None,
            }
        }
    },
    "0.0.12": {
        "routing": {
            "epp": {
                "image": "ghcr.io/llm-d/llm-d-inference-scheduler:0.0.4",
                "pluginsConfigFile": DELETE,
            }
        },
        "decode": {"autoscaling": {"enabled": False}},
        "prefill": {"autoscaling": {"enabled": False}},
    },
    "0.0.13": {"routing": {"proxy": {"connector": "nixlv2"}}},
    "0.0.17": {"routing": {"proxy": {"secure": True}}},
    "0.0.18": {
        "routing": {"proxy": {"secure": DELETE}},
        "decode": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.3.0",
                    "modelCommand": "imageDefault",
                    "ports": [{"containerPort": 5557, "protocol": "TCP"}],
                    "mountModelVolume": True,
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ],
            "volumes": [{"name": "metrics-volume", "emptyDir": {}}],
        },
        "prefill": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.3.0",
                    "modelCommand": "imageDefault",
                    "ports": [{"containerPort": 5557, "protocol": "TCP"}],
                    "mountModelVolume": True,
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ],
            "volumes": [{"name": "metrics-volume", "emptyDir": {}}],
        },
    },
    "0.2.0": {
        "routing": {
            "proxy": {"image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.2.0"},
            "inferenceModel": {"criticality": "Critical"},
            "epp": {
                "image": "ghcr.io/llm-d/llm-d-inference-scheduler:v0.2.1",
                "pluginsConfigFile": "default-config.yaml",
            },
        },
        "prefill": {"replicas": 0},
    },
    "0.2.1": {
        "decode": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.3.0",
                    "modelCommand": "imageDefault",
                    "ports": [
                        {"containerPort": 8200, "protocol": "TCP"},
                        {"containerPort": 5557, "protocol": "TCP"},
                    ],
                    "mountModelVolume": True,
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ],
            "monitoring": {
                "podmonitor": {
                    "enabled": False,
                    "path": "/metrics",
                    "interval": "30s",
                    "labels": {},
                    "annotations": {},
                    "relabelings": [],
                    "metricRelabelings": [],
                }
            },
        },
        "prefill": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.3.0",
                    "modelCommand": "imageDefault",
                    "ports": [
                        {"containerPort": 8000, "protocol": "TCP"},
                        {"containerPort": 5557, "protocol": "TCP"},
                    ],
                    "mountModelVolume": True,
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ],
            "monitoring": {
                "podmonitor": {
                    "enabled": False,
                    "path": "/metrics",
                    "interval": "30s",
                    "labels": {},
                    "annotations": {},
                    "relabelings": [],
                    "metricRelabelings": [],
                }
            },
        },
    },
    "0.2.3": {
        "modelArtifacts": {
            "name": "random/model",
            "uri": "hf://{{ .Values.modelArtifacts.name }}",
            "mountPath": "/model-cache",
        },
        "routing": {
            "parentRefs": [
                {
                    "group": "gateway.networking.k8s.io",
                    "kind": "Gateway",
                    "name": "inference-gateway",
                    "namespace": "{{ .Release.Namespace }}",
                }
            ],
            "modelName": DELETE,
        },
        "decode": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.3.0",
                    "modelCommand": "imageDefault",
                    "args": [],
                    "env": [],
                    "resources": {},
                    "mountModelVolume": True,
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ]
        },
        "prefill": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.3.0",
                    "modelCommand": "imageDefault",
                    "mountModelVolume": True,
                    "resources": {},
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ]
        },
    },
    "0.2.4": {
        "decode": {"monitoring": {"podmonitor": {"portName": "metrics"}}},
        "prefill": {"monitoring": {"podmonitor": {"portName": "metrics"}}},
    },
    "0.2.7": {
        "routing": {"httpRoute": {"timeouts": {"backendRequest": "0s", "request": "0s"}}},
        "extraObjects": [],
    },
    "0.2.8": {
        "common": {},
        "modelArtifacts": {"authSecretName": ""},
        "accelerator": {
            "type": "nvidia",
            "resources": {
                "nvidia": "nvidia.com/gpu",
                "intel": "gpu.intel.com/i915",
                "amd": "amd.com/gpu",
                "google": "google.com/tpu",
            },
            "env": {
                "intel": [
                    {"name": "VLLM_USE_V1", "value": "1"},
                    {"name": "TORCH_LLM_ALLREDUCE", "value": "1"},
                    {"name": "VLLM_WORKER_MULTIPROC_METHOD", "value": "spawn"},
                ]
            },
        },
        "routing": {
            "proxy": {"enabled": True, "imagePullPolicy": "Always", "secure": False},
            "httpRoute": {
                "matches": [{"path": {"type": "PathPrefix", "value": "/"}, "headers": []}]
            },
            "epp": {"env": []},
        },
        "decode": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.3.0",
                    "modelCommand": "imageDefault",
                    "command": [],
                    "args": [],
                    "env": [],
                    "imagePullPolicy": "",
                    "ports": [],
                    "resources": {"limits": {}, "requests": {}},
                    "mountModelVolume": True,
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ],
            "acceleratorTypes": {"labelKey": "", "labelValues": []},
        },
        "prefill": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.3.0",
                    "modelCommand": "imageDefault",
                    "mountModelVolume": True,
                    "args": [],
                    "env": [],
                    "imagePullPolicy": "",
                    "command": [],
                    "ports": [],
                    "resources": {"limits": {}, "requests": {}},
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ],
            "acceleratorTypes": {"labelKey": "", "labelValues": []},
        },
    },
    "0.2.9": {"fullnameOverride": ""},
    "0.2.10": {"routing": {"inferencePool": {"apiGroup": "inference.networking.x-k8s.io"}}},
    "0.2.12": {
        "accelerator": {
            "resources": {
                "intel-i915": "gpu.intel.com/i915",
                "intel-xe": "gpu.intel.com/xe",
                "intel": DELETE,
            },
            "env": {
                "intel-i915": [
                    {"name": "VLLM_USE_V1", "value": "1"},
                    {"name": "TORCH_LLM_ALLREDUCE", "value": "1"},
                    {"name": "VLLM_WORKER_MULTIPROC_METHOD", "value": "spawn"},
                ],
                "intel": DELETE,
            },
        }
    },
    "0.2.14": {"enabled": True},
    "0.2.16": {"accelerator": {"resources": {"intel-gaudi": "habana.ai/gaudi"}}},
    "0.3.0": {
        "modelArtifacts": {
            "labels": {"llm-d.ai/inferenceServing": "true", "llm-d.ai/model": "random_model"}
        },
        "routing": {
            "parentRefs": DELETE,
            "inferencePool": DELETE,
            "inferenceModel": DELETE,
            "httpRoute": DELETE,
            "epp": DELETE,
        },
    },
    "0.3.1": {
        "dra": {
            "enabled": False,
            "type": "nvidia",
            "claimTemplates": [
                {
                    "name": "nvidia",
                    "class": "gpu.nvidia.com",
                    "match": "exactly",
                    "count": 1,
                    "selectors": [],
                },
                {
                    "name": "google",
                    "class": "tpu.google.com",
                    "match": "exactly",
                    "count": 1,
                    "selectors": [],
                },
                {
                    "name": "intel",
                    "class": "gpu.intel.com",
                    "match": "exactly",
                    "count": 1,
                    "selectors": [],
                },
                {
                    "name": "amd",
                    "class": "gpu.amd.com",
                    "match": "exactly",
                    "count": 1,
                    "selectors": [],
                },
            ],
        },
        "decode": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.3.0",
                    "modelCommand": "imageDefault",
                    "command": [],
                    "args": [],
                    "env": [],
                    "imagePullPolicy": "",
                    "ports": [],
                    "resources": {"limits": {}, "requests": {}, "claims": {}},
                    "mountModelVolume": True,
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ]
        },
    },
    "0.3.3": {"serviceAccountOverride": ""},
    "0.3.4": {
        "requester": {
            "enable": False,
            "image": "ghcr.io/llm-d-incubation/llm-d-fast-model-actuation-requester:latest",
            "adminPort": 8081,
            "port": {"probes": 8080, "spi": 8081},
            "readinessProbe": {"initialDelaySeconds": 2, "periodSeconds": 5},
            "resources": {"limits": {"gpus": 1, "cpus": 1, "memory": "250Mi"}},
        }
    },
    "0.3.5": {"routing": {"proxy": {"image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.3.0"}}},
    "0.3.7": {"decode": {"nodeSelector": {}}, "prefill": {"nodeSelector": {}}},
    "0.3.8": {
        "routing": {
            "proxy": {
                "image": "ghcr.io/llm-d/llm-d-routing-sidecar:v0.4.0-rc.1",
                "zapEncoder": "json",
                "zapLogLevel": "debug",
            }
        },
        "decode": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.6.1",
                    "modelCommand": "imageDefault",
                    "command": [],
                    "args": [],
                    "env": [],
                    "imagePullPolicy": "",
                    "ports": [],
                    "resources": {"limits": {}, "requests": {}, "claims": {}},
                    "mountModelVolume": True,
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ]
        },
    },
    "0.3.9": {
        "dra": {
            "claimTemplates": [
                {
                    "name": "nvidia",
                    "class": "gpu.nvidia.com",
                    "match": "exactly",
                    "count": 1,
                    "selectors": [],
                },
                {
                    "name": "google",
                    "class": "tpu.google.com",
                    "match": "exactly",
                    "count": 1,
                    "selectors": [],
                },
                {
                    "name": "intel",
                    "class": "gpu.intel.com",
                    "match": "exactly",
                    "count": 1,
                    "selectors": [],
                },
                {
                    "name": "intel-gaudi",
                    "class": "gaudi.intel.com",
                    "match": "exactly",
                    "count": 1,
                    "selectors": [],
                },
                {
                    "name": "amd",
                    "class": "gpu.amd.com",
                    "match": "exactly",
                    "count": 1,
                    "selectors": [],
                },
            ]
        }
    },
    "0.3.11": {"decode": {"initContainers": []}, "prefill": {"initContainers": []}},
    "0.3.14": {
        "decode": {"parallelism": {"tensor": 1, "data": 1, "dataLocal": 1, "workers": 1}},
        "prefill": {"parallelism": {"tensor": 1, "data": 1, "dataLocal": 1, "workers": 1}},
    },
    "0.3.18": {
        "global": {
            "tracing": {
                "enabled": False,
                "otlpEndpoint": "http://opentelemetry-collector.monitoring.svc.cluster.local:4317",
                "sampling": {"sampler": "parentbased_traceidratio", "samplerArg": "1.0"},
                "serviceNames": {"vllmDecode": "vllm-decode", "vllmPrefill": "vllm-prefill"},
                "vllm": {"collectDetailedTraces": "all"},
            }
        }
    },
    "0.4.0": {
        "accelerator": {
            "dra": False,
            "resourceClaimTemplates": {
                "nvidia": {
                    "name": "nvidia-claim-template",
                    "class": "gpu.nvidia.com",
                    "match": "exactly",
                    "selectors": [],
                },
                "intel-i915": {
                    "name": "intel-i915-claim-template",
                    "class": "gpu.intel.com",
                    "match": "exactly",
                    "selectors": [],
                },
                "intel-xe": {
                    "name": "intel-xe-claim-template",
                    "class": "gpu.intel.com",
                    "match": "exactly",
                    "selectors": [],
                },
                "intel-gaudi": {
                    "name": "intel-gaudi-claim-template",
                    "class": "gaudi.intel.com",
                    "match": "exactly",
                    "selectors": [],
                },
                "amd": {
                    "name": "amd-claim-template",
                    "class": "gpu.amd.com",
                    "match": "exactly",
                    "selectors": [],
                },
                "google": {
                    "name": "google-claim-template",
                    "class": "tpu.google.com",
                    "match": "exactly",
                    "selectors": [],
                },
            },
        },
        "decode": {
            "resourceClaims": [],
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.6.1",
                    "modelCommand": "imageDefault",
                    "command": [],
                    "args": [],
                    "env": [],
                    "imagePullPolicy": "",
                    "ports": [],
                    "resources": {"limits": {}, "requests": {}, "claims": []},
                    "mountModelVolume": True,
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ],
        },
        "prefill": {
            "resourceClaims": [],
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:v0.3.0",
                    "modelCommand": "imageDefault",
                    "mountModelVolume": True,
                    "args": [],
                    "env": [],
                    "imagePullPolicy": "",
                    "command": [],
                    "ports": [],
                    "resources": {"limits": {}, "requests": {}, "claims": []},
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ],
        },
        "dra": DELETE,
    },
    "0.4.2": {
        "routing": {"proxy": {"image": "ghcr.io/llm-d/llm-d-routing-sidecar:latest"}},
        "decode": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:latest",
                    "modelCommand": "imageDefault",
                    "command": [],
                    "args": [],
                    "env": [],
                    "imagePullPolicy": "",
                    "ports": [],
                    "resources": {"limits": {}, "requests": {}, "claims": []},
                    "mountModelVolume": True,
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ]
        },
        "prefill": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:latest",
                    "modelCommand": "imageDefault",
                    "mountModelVolume": True,
                    "args": [],
                    "env": [],
                    "imagePullPolicy": "",
                    "command": [],
                    "ports": [],
                    "resources": {"limits": {}, "requests": {}, "claims": []},
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ]
        },
    },
    "0.4.3": {
        "requester": {
            "image": "ghcr.io/llm-d-incubation/llm-d-fast-model-actuation/requester:latest"
        }
    },
    "0.4.4": {
        "accelerator": {
            "env": {"intel-xe": [{"name": "VLLM_WORKER_MULTIPROC_METHOD", "value": "spawn"}]}
        },
        "decode": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:latest",
                    "modelCommand": "imageDefault",
                    "command": [],
                    "args": [],
                    "env": [],
                    "imagePullPolicy": "",
                    "ports": [],
                    "resources": {"limits": {}, "requests": {}},
                    "mountModelVolume": True,
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ]
        },
        "prefill": {
            "containers": [
                {
                    "name": "vllm",
                    "image": "ghcr.io/llm-d/llm-d-inference-sim:latest",
                    "modelCommand": "imageDefault",
                    "mountModelVolume": True,
                    "args": [],
                    "env": [],
                    "imagePullPolicy": "",
                    "command": [],
                    "ports": [],
                    "resources": {"limits": {}, "requests": {}},
                    "volumeMounts": [{"name": "metrics-volume", "mountPath": "/.config"}],
                }
            ]
        },
    },
    "0.4.5": {
        "modelArtifacts": {
            "labels": {
                "llm-d.ai/inference-serving": "true",
                "llm-d.ai/inferenceServing": DELETE,
                "llm-d.ai/model": DELETE,
            }
        }
    },
    "0.4.6": {
        "accelerator": {
            "resourceClaimTemplates": {
                "intel": {
                    "name": "intel-claim-template",
                    "class": "gpu.intel.com",
                    "match": "exactly",
                    "selectors": [],
                },
                "intel-i915": {"name": "intel-claim-template"},
                "intel-xe": {"name": "intel-claim-template"},
            }
        }
    },
    "0.4.7": {
        "tracing": {
            "enabled": False,
            "otlpEndpoint": "http://otel-collector:4317",
            "sampling": {"sampler": "parentbased_traceidratio", "samplerArg": "1.0"},
            "serviceNames": {
                "vllmDecode": "vllm-decode",
                "vllmPrefill": "vllm-prefill",
                "routingProxy": "routing-proxy",
            },
            "vllm": {"collectDetailedTraces": "all"},
        },
        "global": DELETE,
    },
    "0.4.10": {"accelerator": {"resources": {"rebellions-atom": "rebellions.ai/ATOM"}}},
    "0.4.12": {"modelArtifacts": {"readOnly": True}},
}


def _apply(doc: dict[str, Any], change: dict[str, Any]) -> None:
    for key, value in change.items():
        if value is DELETE:
            doc.pop(key, None)
        elif isinstance(value, dict) and value and isinstance(doc.get(key), dict):
            _apply(doc[key], value)
        else:
            doc[key] = copy_tree(value)


@lru_cache(maxsize=4)
def _defaults(version: str) -> dict[str, Any]:
    doc = copy_tree(BASE)
    for release in RELEASES:
        change = CHANGES.get(release.version)
        if change:
            _apply(doc, change)
        if release.version == version:
            return doc
    raise KeyError(version)


def defaults(release: ChartVersion) -> dict[str, Any]:
    """The release's defaults document, as a fresh copy the caller may change."""
    return copy_tree(_defaults(release.version))


def shared_defaults(release: ChartVersion) -> dict[str, Any]:
    """The release's defaults document itself (cached): for readers that copy what they
    keep, such as values coalescing. Never change it."""
    return _defaults(release.version)
