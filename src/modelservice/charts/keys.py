"""The chart's values keys in every upstream release: what its templates read, what its
schema allows.

Read as "what changed in which version": one row per key, in an indented tree (two spaces
a level; ``[]`` is the items of a list, ``*`` any key of a map; ``.`` is the values document
itself; ``decode|prefill`` stands for both roles, and a later ``decode`` row overrides it
where the roles differ). Each row is ``KEY  READS  SCHEMA``:

- READS: the releases whose templates read the key, as ranges of releases (``0.0.9-0.2.16``;
  ``0.3.0-`` for that one and every later release; ``0.2.8`` alone), comma-separated, ``-``
  for none. A ``+`` after a range: the templates use the value whole (``toYaml``, ``tpl``,
  printed), so any key below it is read too. A key with no rows below it is always used
  whole. A key read through ``*`` (a map the templates index by a computed key) is read
  whatever its name.
- SCHEMA: what the release's ``values.schema.json`` (shipped from 0.2.8 on) says of the key,
  per range, ``;``-separated: ``RANGE TYPE [closed] [req=K,...] [enum=V,...]``. TYPE is
  ``map``, ``list``, ``string``, ``integer``, ``number``, ``boolean``, several joined by
  ``|``, or ``any``; ``closed`` is a map that refuses keys its schema does not declare (keys
  it declares are listed below it). A line that starts with ``;`` or ``,`` continues the
  previous row's SCHEMA.

Derived from the templates and ``values.schema.json`` of every release (a generator followed
each ``.Values`` path through ``include``, ``with``, ``range``, ``dict`` and variables) and
reviewed by hand. Upstream's schemas spell some Kubernetes objects out in full (an init
container is a whole Kubernetes Container from 0.3.11 on): here only its fields and their list
items are kept, and what lies deeper is opaque, so the table is never stricter than upstream
there, only less thorough.
Upstream's quirks are kept on purpose: they are what ``helm`` enforces at that release (0.2.8
refuses a container's ``livenessProbe``; 0.3.7-0.3.11 refuse any ``nodeSelector`` entry; 0.2.8
types prefill's ``modelCommand`` but not decode's; 0.0.18-0.0.19 read the misspelt
``subGroupExclusiveToplogy``).

Only the release asked for is worked out (:func:`keys`), once per process.
"""

from __future__ import annotations

from functools import cache, lru_cache

from modelservice._record import Record
from modelservice.charts.versions import RELEASES, ChartVersion

#: The first release that ships a ``values.schema.json``; helm validates values against it.
FIRST_SCHEMA = "0.2.8"

TABLE = """\
# The values document: 0.2.8 to 0.4.7 refuse any top-level key they do not declare.
.                                0.0.9-               0.2.8-0.4.7 map closed; 0.4.8- map
accelerator                      0.2.8-               0.2.8- any closed
  dra                            0.4.0-               0.4.0- boolean
  env                            0.2.8-               0.2.8- map closed
    *                            0.2.8-
      []                         0.2.8-
        name                     0.2.8-
        value                    0.2.8-
    intel                        -                    0.2.8-0.2.11 list
      []                         -                    0.2.8-0.2.11 map closed
        name                     -                    0.2.8-0.2.11 string
        value                    -                    0.2.8-0.2.11 string
    intel-i915                   -                    0.2.12- list
      []                         -                    0.2.12- map closed
        name                     -                    0.2.12- string
        value                    -                    0.2.12- string
    intel-xe                     -                    0.4.4- list
      []                         -                    0.4.4- map closed
        name                     -                    0.4.4- string
        value                    -                    0.4.4- string
  resourceClaimTemplates         0.4.0-               0.4.0- any closed
    *                            0.4.0-
    amd                          -                    0.4.0- map closed
      class                      -                    0.4.0- string
      match                      -                    0.4.0- string
      name                       -                    0.4.0- string
      selectors                  -                    0.4.0- list
        []                       -                    0.4.0- any
    google                       -                    0.4.0- map closed
      class                      -                    0.4.0- string
      match                      -                    0.4.0- string
      name                       -                    0.4.0- string
      selectors                  -                    0.4.0- list
        []                       -                    0.4.0- any
    intel                        -                    0.4.6- map closed
      class                      -                    0.4.6- string
      match                      -                    0.4.6- string
      name                       -                    0.4.6- string
      selectors                  -                    0.4.6- list
        []                       -                    0.4.6- any
    intel-gaudi                  -                    0.4.0- map closed
      class                      -                    0.4.0- string
      match                      -                    0.4.0- string
      name                       -                    0.4.0- string
      selectors                  -                    0.4.0- list
        []                       -                    0.4.0- any
    intel-i915                   -                    0.4.0- map closed
      class                      -                    0.4.0- string
      match                      -                    0.4.0- string
      name                       -                    0.4.0- string
      selectors                  -                    0.4.0- list
        []                       -                    0.4.0- any
    intel-xe                     -                    0.4.0- map closed
      class                      -                    0.4.0- string
      match                      -                    0.4.0- string
      name                       -                    0.4.0- string
      selectors                  -                    0.4.0- list
        []                       -                    0.4.0- any
    nvidia                       -                    0.4.0- map closed
      class                      -                    0.4.0- string
      match                      -                    0.4.0- string
      name                       -                    0.4.0- string
      selectors                  -                    0.4.0- list
        []                       -                    0.4.0- any
  resources                      0.2.8-               0.2.8- map closed
    *                            0.2.8-
    amd                          -                    0.2.8- string
    google                       -                    0.2.8- string
    intel                        -                    0.2.8-0.2.11 string
    intel-gaudi                  -                    0.2.16- string
    intel-i915                   -                    0.2.12- string
    intel-xe                     -                    0.2.12- string
    nvidia                       -                    0.2.8- string
    rebellions-atom              -                    0.4.10- string
  type                           0.2.8-               0.2.8- string
common                           -                    0.2.8- any
decode|prefill                   0.0.9-               0.2.8- any
  accelerator                    0.4.1-
    dra                          0.4.1-
    type                         0.4.1-
  acceleratorTypes               0.0.9-               0.2.8- any closed
    labelKey                     0.0.9-               0.2.8- string
    labelValues                  0.0.9-+              0.2.8- any
      []                         -                    0.2.8- string
  annotations                    0.0.15-
  autoscaling                    0.0.9-               0.2.8- map closed
    enabled                      0.0.9-               0.2.8- boolean
  # 0.2.8 closes containers (no probes, no securityContext); 0.2.9 opens them again.
  containers                     0.0.9-               0.2.8 any; 0.2.9- list
    []                           0.0.9-               0.2.8 map closed; 0.2.9- map
      args                       0.0.9-+              0.2.8 any
        []                       -                    0.2.8 string
      command                    0.0.9-+              0.2.8 list
        []                       -                    0.2.8 any
      env                        0.0.9-+              0.2.8 any
        []                       -                    0.2.8 map req=name
          name                   -                    0.2.8 string
          value                  -                    0.2.8 string
          valueFrom              -                    0.2.8 map
            configMapKeyRef      -                    0.2.8 map req=key
              key                -                    0.2.8 string
              name               -                    0.2.8 string
              optional           -                    0.2.8 boolean
            fieldRef             -                    0.2.8 map req=fieldPath
              apiVersion         -                    0.2.8 string
              fieldPath          -                    0.2.8 string
            fileKeyRef           -                    0.2.8 map req=volumeName,path,key
              key                -                    0.2.8 string
              optional           -                    0.2.8 boolean
              path               -                    0.2.8 string
              volumeName         -                    0.2.8 string
            resourceFieldRef     -                    0.2.8 map req=resource
              containerName      -                    0.2.8 string
              divisor            -                    0.2.8 string|number
              resource           -                    0.2.8 string
            secretKeyRef         -                    0.2.8 map req=key
              key                -                    0.2.8 string
              name               -                    0.2.8 string
              optional           -                    0.2.8 boolean
      extraConfig                0.2.5-
      image                      0.0.9-               0.2.8 string
      imagePullPolicy            0.0.9-               0.2.8 string
      livenessProbe              0.0.9-
      modelCommand               0.0.9-               0.2.8 string
      mountModelVolume           0.0.9-               0.2.8 boolean
      name                       0.0.9-               0.2.8 string
      parallelism                0.0.12-0.2.14
        tensor                   0.0.12-0.2.14
      ports                      0.2.1-+              0.2.8 any
        []                       -                    0.2.8 map req=containerPort
          containerPort          -                    0.2.8 integer
          hostIP                 -                    0.2.8 string
          hostPort               -                    0.2.8 integer
          name                   -                    0.2.8 string
          protocol               -                    0.2.8 string
      readinessProbe             0.0.9-
      resources                  0.0.9-               0.2.8 map
        claims                   0.4.0-0.4.3+         0.2.8 list
          []                     -                    0.2.8 map req=name
            name                 -                    0.2.8 string
            request              -                    0.2.8 string
        limits                   0.0.9-+              0.2.8 map
          *                      0.3.17-              0.2.8 string|number
        requests                 0.0.9-+              0.2.8 map
          *                      0.3.17-              0.2.8 string|number
      securityContext            0.0.9-
      startupProbe               0.0.19-
      stdin                      0.0.9-
      tty                        0.0.9-
      volumeMounts               0.0.9-+              0.2.8 list
        []                       -                    0.2.8 map closed
          mountPath              -                    0.2.8 string
          name                   -                    0.2.8 string
      workingDir                 0.0.9-
  create                         0.0.9-               0.2.8- boolean
  enableServiceLinks             0.3.11-
  extraConfig                    0.2.5-
  hostIPC                        0.0.18-
  hostPID                        0.0.18-
  imagePullSecrets               0.0.9-
  # From 0.3.11 each item is a whole Kubernetes Container upstream; its fields and list
  # items only here.
  initContainers                 0.3.6-+              0.3.11- list
    []                           -                    0.3.11- map req=name
      args                       -                    0.3.11- list
        []                       -                    0.3.11- string
      command                    -                    0.3.11- list
        []                       -                    0.3.11- string
      env                        -                    0.3.11- list
        []                       -                    0.3.11- map req=name
      envFrom                    -                    0.3.11- list
        []                       -                    0.3.11- map
      image                      -                    0.3.11- string
      imagePullPolicy            -                    0.3.11- string
      lifecycle                  -                    0.3.11- map
      livenessProbe              -                    0.3.11- map
      name                       -                    0.3.11- string
      ports                      -                    0.3.11- list
        []                       -                    0.3.11- map req=containerPort
      readinessProbe             -                    0.3.11- map
      resizePolicy               -                    0.3.11- list
        []                       -                    0.3.11- map req=resourceName,restartPolicy
      resources                  -                    0.3.11- map
      restartPolicy              -                    0.3.11- string
      restartPolicyRules         -                    0.3.11- list
        []                       -                    0.3.11- map req=action
      securityContext            -                    0.3.11- map
      startupProbe               -                    0.3.11- map
      stdin                      -                    0.3.11- boolean
      stdinOnce                  -                    0.3.11- boolean
      terminationMessagePath     -                    0.3.11- string
      terminationMessagePolicy   -                    0.3.11- string
      tty                        -                    0.3.11- boolean
      volumeDevices              -                    0.3.11- list
        []                       -                    0.3.11- map req=name,devicePath
      volumeMounts               -                    0.3.11- list
        []                       -                    0.3.11- map req=name,mountPath
      workingDir                 -                    0.3.11- string
  monitoring                     0.2.1-               0.2.8- any
    podmonitor                   0.2.1-               0.2.8- map closed
      annotations                0.2.1-               0.2.8-0.3.9 any closed; 0.3.10- any
      enabled                    0.2.1-               0.2.8- any
      interval                   0.2.1-               0.2.8- any
      labels                     0.2.1-               0.2.8-0.3.9 any closed; 0.3.10- any
      metricRelabelings          0.2.1-+              0.2.8- any
        []                       -                    0.2.8- any
      namespaceSelector          0.2.1-
      path                       0.2.1-               0.2.8- any
      port                       0.2.1-0.2.3
      portName                   0.2.4-               0.2.8- any
      relabelings                0.2.1-+              0.2.8- any
        []                       -                    0.2.8- any
      scrapeTimeout              0.2.1-
  # 0.3.7-0.3.11 close nodeSelector and declare no key in it: no entry passes.
  nodeSelector                   0.3.7-               0.3.7-0.3.11 map closed; 0.3.12- any
  parallelism                    0.0.9-               0.3.14-0.4.7 map closed; 0.4.8- any closed
    data                         0.0.9-               0.3.14- integer
    dataLocal                    0.0.9-0.0.11,0.3.6-  0.3.14- integer
    tensor                       0.0.9-               0.3.14- integer
    workers                      0.3.6-               0.3.14- integer
  podAnnotations                 0.2.6-
  podSecurityContext             0.0.9-
  priorityClassName              0.4.8-
  replicas                       0.0.9-               0.2.8- integer
  resourceClaims                 0.4.0-+              0.4.0- list
    []                           -                    0.4.0- map req=name,resourceClaimTemplateName
      name                       -                    0.4.0- string
      resourceClaimTemplateName  -                    0.4.0- string
  schedulerName                  0.2.0-
  strategy                       0.4.11-
  # (sic) until 0.0.19
  subGroupExclusiveToplogy       0.0.18-0.0.19
  subGroupExclusiveTopology      0.0.20-
  subGroupPolicy                 0.0.12-
  terminationGracePeriodSeconds  0.3.11-
  tolerations                    0.2.0-
  volumes                        0.0.9-+              0.2.8- list
    []                           -                    0.2.8-0.2.9 map closed; 0.2.10- map
      emptyDir                   -                    0.2.8-0.2.9 map closed
      name                       -                    0.2.8-0.2.9 string
# 0.2.8 types prefill's modelCommand and leaves decode's untyped.
decode
  containers
    []
      modelCommand               0.0.9-               0.2.8 any
# DRA as the 0.3 line had it; 0.4.0 moved it to accelerator.dra and resourceClaims.
dra                              0.3.1-0.3.18         0.3.1-0.3.18 any
  claimTemplates                 0.3.1-0.3.18         0.3.1-0.3.18 list
    []                           0.3.1-0.3.18         0.3.1-0.3.18 map closed
      class                      0.3.1-0.3.18         0.3.1-0.3.18 string
      count                      0.3.1-0.3.18         0.3.1-0.3.18 integer
      match                      0.3.1-0.3.18         0.3.1-0.3.18 string
      name                       0.3.1-0.3.18         0.3.1-0.3.18 string
      selectors                  0.3.1-0.3.18+        0.3.1-0.3.18 list
        []                       -                    0.3.1-0.3.18 any
  enabled                        0.3.1-0.3.18         0.3.1-0.3.18 boolean
  type                           0.3.1-0.3.18         0.3.1-0.3.18 string
enabled                          -                    0.2.13 boolean; 0.2.14- any
extraObjects                     0.2.7-               0.2.8- any
  []                             0.2.7-               0.2.8- map
fullnameOverride                 0.0.9-               0.2.9- any
# Tracing lived under global in 0.3.18-0.4.6, then moved to the top-level tracing.
global                           0.3.18-0.4.6         0.2.8-0.3.17 map; 0.3.18-0.4.6 any closed
                                                      ; 0.4.7- map
  tracing                        0.3.18-0.4.6         0.3.18-0.4.6 any closed
    enabled                      0.3.18-0.4.6         0.3.18-0.4.6 any
    otlpEndpoint                 0.3.18-0.4.6         0.3.18-0.4.6 any
    sampling                     0.3.18-0.4.6         0.3.18-0.4.6 any closed
      sampler                    0.3.18-0.4.6         0.3.18-0.4.6 any
      samplerArg                 0.3.18-0.4.6         0.3.18-0.4.6 any
    serviceNames                 0.3.18-0.4.6         0.3.18-0.4.6 any closed
      vllmDecode                 0.3.18-0.4.6         0.3.18-0.4.6 any
      vllmPrefill                0.3.18-0.4.6         0.3.18-0.4.6 any
    vllm                         0.3.18-0.4.6         0.3.18-0.4.6 any closed
      collectDetailedTraces      0.3.18-0.4.6         0.3.18-0.4.6 any
modelArtifacts                   0.0.9-               0.2.8-0.3.17 any closed; 0.3.18- map closed
  authSecretName                 0.0.9-               0.2.8- string
  imagePullPolicy                0.0.9-
  labels                         0.3.0-+              0.3.0-0.4.4 any closed; 0.4.5- map
    llm-d.ai/inference-serving   -                    0.4.5- string
    llm-d.ai/inferenceServing    -                    0.3.0-0.4.4 string
    llm-d.ai/model               -                    0.3.0-0.4.4 string
  mountPath                      0.2.3-               0.2.8- string
  name                           0.2.3-               0.2.8- any
  readOnly                       0.4.12-              0.4.12- boolean
  size                           0.0.9-               0.2.8- string
  uri                            0.0.9-               0.2.8- any
multinode                        0.0.9-               0.2.8- boolean
nameOverride                     0.0.9-
requester                        0.3.4-               0.3.4- any
  adminPort                      0.3.4-               0.3.4- integer
  enable                         0.3.4-               0.3.4- boolean
  image                          0.3.4-               0.3.4- string
  port                           0.3.4-               0.3.4- map closed
    probes                       0.3.4-               0.3.4- integer
    spi                          0.3.4-               0.3.4- integer
  readinessProbe                 0.3.4-               0.3.4- map closed
    initialDelaySeconds          0.3.4-               0.3.4- integer
    periodSeconds                0.3.4-               0.3.4- integer
  resources                      0.3.4-               0.3.4- map closed
    limits                       0.3.4-               0.3.4- map closed
      cpus                       0.3.4-               0.3.4- integer
      gpus                       0.3.4-               0.3.4- integer
      memory                     0.3.4-               0.3.4- string
# 0.3.0 stopped rendering the EPP, InferencePool, InferenceModel and HTTPRoute: their keys
# end at 0.2.16.
routing                          0.0.9-               0.2.8- any closed
  epp                            0.0.9-0.2.16         0.2.8-0.2.16 any
    create                       0.0.9-0.2.16         0.2.8-0.2.16 boolean
    debugLevel                   0.0.9-0.2.16         0.2.8-0.2.16 integer
    disableLivenessProbe         0.0.9-0.2.16         0.2.8-0.2.16 boolean
    disableReadinessProbe        0.0.9-0.2.16         0.2.8-0.2.16 boolean
    env                          0.0.9-0.2.16+        0.2.8-0.2.16 any
      []                         -                    0.2.8-0.2.16 map req=name
        name                     -                    0.2.8-0.2.16 string
        value                    -                    0.2.8-0.2.16 string
        valueFrom                -                    0.2.8-0.2.16 map
          configMapKeyRef        -                    0.2.8-0.2.16 map req=key
            key                  -                    0.2.8-0.2.16 string
            name                 -                    0.2.8-0.2.16 string
            optional             -                    0.2.8-0.2.16 boolean
          fieldRef               -                    0.2.8-0.2.16 map req=fieldPath
            apiVersion           -                    0.2.8-0.2.16 string
            fieldPath            -                    0.2.8-0.2.16 string
          fileKeyRef             -                    0.2.8-0.2.16 map req=volumeName,path,key
            key                  -                    0.2.8-0.2.16 string
            optional             -                    0.2.8-0.2.16 boolean
            path                 -                    0.2.8-0.2.16 string
            volumeName           -                    0.2.8-0.2.16 string
          resourceFieldRef       -                    0.2.8-0.2.16 map req=resource
            containerName        -                    0.2.8-0.2.16 string
            divisor              -                    0.2.8-0.2.16 string|number
            resource             -                    0.2.8-0.2.16 string
          secretKeyRef           -                    0.2.8-0.2.16 map req=key
            key                  -                    0.2.8-0.2.16 string
            name                 -                    0.2.8-0.2.16 string
            optional             -                    0.2.8-0.2.16 boolean
    extraContainerPorts          0.0.18-0.2.16
    image                        0.0.9-0.2.16         0.2.8-0.2.16 string
    inferencePool                0.0.9
    permissions                  0.0.9-0.2.16
    pluginsConfigFile            0.0.11-0.2.16        0.2.8-0.2.16 any
    pluginsCustomConfig          0.0.11-0.2.16
    replicas                     0.0.9-0.2.16         0.2.8-0.2.16 integer
    service                      0.0.9-0.2.16         0.2.8-0.2.16 map closed
      appProtocol                0.0.9-0.2.16         0.2.8-0.2.16 string
      extraPorts                 0.0.18-0.2.16
      port                       0.0.9-0.2.16         0.2.8-0.2.16 integer
      targetPort                 0.0.9-0.2.16         0.2.8-0.2.16 integer
      type                       0.0.9-0.2.16         0.2.8-0.2.16 string
  httpRoute                      0.0.9-0.2.16         0.2.8-0.2.16 any
    backendRefs                  0.0.9
    create                       0.0.9-0.2.16         0.2.8-0.2.16 boolean
    inferencePool                0.0.9
    matches                      0.0.9-0.2.16+        0.2.8-0.2.16 any
      []                         -                    0.2.8-0.2.16 map closed
        headers                  -                    0.2.8-0.2.16 any
          []                     -                    0.2.8-0.2.16 map
        path                     -                    0.2.8-0.2.16 map closed
          type                   -                    0.2.8-0.2.16 string
          value                  -                    0.2.8-0.2.16 string
    rules                        0.0.10-0.2.16
    timeouts                     0.2.7-0.2.16         0.2.8-0.2.16 any closed
      backendRequest             0.2.7-0.2.16         0.2.8-0.2.16 string
      request                    0.2.7-0.2.16         0.2.8-0.2.16 string
  inferenceModel                 0.0.10-0.2.16        0.2.8-0.2.10 map closed; 0.2.11-0.2.16 any
    create                       0.0.10-0.2.16        0.2.8-0.2.16 boolean
    criticality                  0.0.18-0.2.16        0.2.8-0.2.16 string
    name                         0.0.10-0.2.16
  inferencePool                  0.0.9-0.2.16         0.2.8-0.2.16 any
    apiGroup                     0.2.10-0.2.16        0.2.10-0.2.16 any enum=
                                                      ,inference.networking.x-k8s.io
                                                      ,inference.networking.k8s.io
    create                       0.0.9-0.2.16         0.2.8-0.2.16 boolean
    extensionRef                 0.0.9-0.2.16
    name                         0.0.10-0.2.16
  modelName                      0.0.10-0.2.1
  parentRefs                     0.0.9-0.2.16+        0.2.8-0.2.16 any
    []                           -                    0.2.8-0.2.16 map closed
      group                      -                    0.2.8-0.2.16 string
      kind                       -                    0.2.8-0.2.16 string
      name                       -                    0.2.8-0.2.16 string
      namespace                  -                    0.2.8-0.2.16 string
  proxy                          0.0.9-               0.2.8- any
    certPath                     0.0.17-
    connector                    0.0.13-              0.2.8- string
    debugLevel                   0.0.9-0.3.7
    enabled                      0.2.8-               0.2.8- boolean
    image                        0.0.9-               0.2.8- string
    imagePullPolicy              0.2.8-               0.2.8- string
    prefillerUseTLS              0.0.17-
    secure                       0.0.17-              0.2.8- boolean
    targetPort                   0.0.9-               0.2.8- integer
    zapDevel                     0.3.8-
    zapEncoder                   0.3.8-               0.3.8- any enum=json,console
    zapLogLevel                  0.3.8-               0.3.8- string|integer
    zapStacktraceLevel           0.3.8-
    zapTimeEncoding              0.3.8-
  servicePort                    0.0.9-               0.2.8- any
schedulerName                    0.2.0-
serviceAccountOverride           0.3.3-               0.3.3- any
tracing                          0.4.7-               0.4.7- any closed
  enabled                        0.4.7-               0.4.7- any
  otlpEndpoint                   0.4.7-               0.4.7- any
  sampling                       0.4.7-               0.4.7- any closed
    sampler                      0.4.7-               0.4.7- any
    samplerArg                   0.4.7-               0.4.7- any
  serviceNames                   0.4.7-               0.4.7- any closed
    routingProxy                 0.4.7-               0.4.7- any
    vllmDecode                   0.4.7-               0.4.7- any
    vllmPrefill                  0.4.7-               0.4.7- any
  vllm                           0.4.7-               0.4.7- any closed
    collectDetailedTraces        0.4.7-               0.4.7- any
"""

#: The table's type words, and JSON Schema's names for them.
JSON_TYPES = {
    "map": "object",
    "list": "array",
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}

_INDEX = {r.version: i for i, r in enumerate(RELEASES)}
_LAST = len(RELEASES) - 1


class Spec(Record):
    """What a release's schema says of one key."""

    types: tuple[str, ...] | None
    """``map``, ``list``, ``string``, ``integer``, ``number``, ``boolean``; None for any."""
    closed: bool
    required: tuple[str, ...]
    enum: tuple[str, ...] | None


class Key:
    """One key of the values as one release sees it."""

    __slots__ = ("children", "read", "spec", "whole")

    def __init__(self) -> None:
        self.children: dict[str, Key] = {}
        self.read = False
        """The release's templates read it."""
        self.whole = False
        """They use it whole: any key below counts as read."""
        self.spec: Spec | None = None
        """What the release's schema says of it; None where the schema does not declare it
        (or the release has no schema)."""

    @property
    def reads_all(self) -> bool:
        """Every key below this one is read (used whole, or nothing below is known)."""
        return self.whole or not self.children


ROLES = "decode|prefill"
"""The first key of rows that stand for both roles."""


def _rows() -> dict[tuple[str, ...], list[str]]:
    """The table as path -> [reads, schema], in table order (role rows not expanded)."""
    rows: dict[tuple[str, ...], list[str]] = {}
    stack: list[str] = []
    last: list[str] = []
    for line in TABLE.splitlines():
        text = line.lstrip()
        if not text or text[0] == "#":
            continue
        if text[0] in ";,":
            last[1] += (" " + text) if text[0] == ";" else text
            continue
        name, _, rest = text.partition(" ")
        del stack[(len(line) - len(text)) >> 1 :]
        stack.append(name)
        if rest:  # (a key alone on its line only holds the rows below it)
            reads, _, schema = rest.lstrip().partition(" ")
            last = rows[() if name == "." else tuple(stack)] = [reads, schema.lstrip()]
    return rows


@cache
def _span(text: str) -> tuple[int, int]:
    """``0.2.8-0.4.7`` / ``0.3.0-`` / ``0.2.8`` as release indices, both ends included."""
    low, dash, high = text.partition("-")
    if not dash:
        return _INDEX[low], _INDEX[low]
    return _INDEX[low], _INDEX[high] if high else _LAST


def _read_at(reads: str, at: int) -> tuple[bool, bool]:
    """(read, whole) at release index ``at``."""
    if reads == "-":
        return False, False
    for part in reads.split(","):
        whole = part[-1] == "+"
        low, high = _span(part[:-1] if whole else part)
        if low <= at <= high:
            return True, whole
    return False, False


def _spec_at(schema: str, at: int) -> Spec | None:
    for segment in schema.split(";"):
        span, _, rest = segment.strip().partition(" ")
        low, high = _span(span)
        if low <= at <= high:
            return _spec(rest)
    return None


@cache
def _spec(text: str) -> Spec:
    kind, *flags = text.split()
    required: tuple[str, ...] = ()
    enum = None
    for flag in flags:
        name, _, value = flag.partition("=")
        if name == "req":
            required = tuple(value.split(","))
        elif name == "enum":
            enum = tuple(v for v in value.split(",") if v)
    return Spec(
        None if kind == "any" else tuple(kind.split("|")), "closed" in flags, required, enum
    )


def has_schema(chart: ChartVersion) -> bool:
    """Whether helm validates this release's values against a schema of its own."""
    return _INDEX[chart.version] >= _INDEX[FIRST_SCHEMA]


@lru_cache(maxsize=4)
def keys(chart: ChartVersion) -> Key:
    """The values keys of one release, as a tree from the document itself (shared: do not
    modify). A key neither read nor declared there may still have a node (a role row
    overridden for one role): test ``read`` and ``spec``."""
    at = _INDEX[chart.version]
    schema = has_schema(chart)
    root = Key()
    for path, (reads, spec_text) in _table().items():
        read, whole = _read_at(reads, at)
        spec = _spec_at(spec_text, at) if schema and spec_text else None
        if not read and spec is None and not (path and path[0] in _ROLE_NAMES):
            continue
        for full in _expand(path):
            node = root
            for part in full:
                child = node.children.get(part)
                if child is None:
                    child = node.children[part] = Key()
                node = child
            node.read, node.whole, node.spec = read, whole, spec
    return root


_ROLE_NAMES = frozenset(("decode", "prefill"))


def _expand(path: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    if path and path[0] == ROLES:
        rest = path[1:]
        return (("decode", *rest), ("prefill", *rest))
    return (path,)


@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, ...], list[str]]:
    return _rows()


def index(chart: ChartVersion) -> int:
    """The release's position in :data:`~modelservice.charts.versions.RELEASES`."""
    return _INDEX[chart.version]


def spans(path: tuple[str, ...]) -> list[tuple[int, int]]:
    """The runs of releases that know ``path`` (read it, or declare it in their schema), as
    (first, last) release indices; for "added in chart X" hints, so only on the error
    path."""
    table = _table()
    facts = table.get(path)
    if facts is None and path and path[0] in _ROLE_NAMES:
        facts = table.get((ROLES, *path[1:]))
    if facts is None:
        return []
    reads, schema = facts
    known = [False] * len(RELEASES)
    ranges = [] if reads == "-" else [_span(p.rstrip("+")) for p in reads.split(",")]
    if schema:
        ranges += [_span(s.strip().partition(" ")[0]) for s in schema.split(";")]
    for low, high in ranges:
        known[low : high + 1] = [True] * (high + 1 - low)
    runs: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate([*known, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def history(path: tuple[str, ...]) -> list[tuple[ChartVersion, ChartVersion]]:
    """:func:`spans` as releases: (first, last) of each run."""
    return [(RELEASES[a], RELEASES[b]) for a, b in spans(path)]
