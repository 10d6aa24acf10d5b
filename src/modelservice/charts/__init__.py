"""The upstream llm-d-modelservice chart's released versions, kept as data.

``--chart-version X`` renders exactly what the upstream chart renders at version X (its
defaults, its accepted keys, its behaviour, bugs included). Everything that differs between
versions lives in this package as tables that the validator and the renderer consult
(``versions`` for the catalogue and version names, ``history`` for what changed in which
release); nothing in ``values/`` or ``renderer/`` tests version numbers itself.
"""
