"""The ModelService CustomResourceDefinition, generated from the values schema.

``spec`` is a values document. Its OpenAPI schema is the values JSON Schema made
*structural* (what apiextensions.k8s.io/v1 demands):

- ``$ref`` s are resolved inline; a ``description`` at the reference wins;
- the quantity union ``type: [string, integer, number]`` becomes
  ``x-kubernetes-int-or-string: true`` (write fractions as strings, ``"0.5"`` or ``500m``;
  ``operator convert`` does that for you);
- an object that passes a Kubernetes object through (``additionalProperties: true``, or an
  object schema without properties) keeps its known properties and gets
  ``x-kubernetes-preserve-unknown-fields: true``; nowhere else does;
- a map (``additionalProperties: <schema>``) stays a map;
- every node below ``spec`` is ``nullable``, so that ``key: null`` reaches the renderer and
  removes a default, as in a Helm values file;
- in ``spec`` (:func:`spec_schema`) every object also keeps keys the schema does not name
  (``x-kubernetes-preserve-unknown-fields``): a ModelService may name an upstream chart
  release (``spec.chartVersion``), whose values have keys the default mode does not know
  (``modelArtifacts.labels``, ``requester``, ``dra`` ...), and the API server must not drop
  them. Which keys are allowed is the controller's check, per chart version, like the value
  constraints below: an unknown key is reported in ``Valid`` with a did-you-mean.

Value constraints (``enum``, ``minimum``, ``pattern``, ``required`` ...) are left out by
default: the controller validates the spec with the same code as the CLI and reports
*every* problem at once in the ``Valid`` condition, with the CLI's messages, instead of the
API server refusing the first one. ``crd(validation=True)`` keeps them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from modelservice.values.schema import Schema

GROUP = "llm-d.ai"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "ModelService"
PLURAL = "modelservices"
SINGULAR = "modelservice"
SHORT_NAMES = ["ms"]
CRD_NAME = f"{PLURAL}.{GROUP}"

#: The ``spec`` field naming the upstream chart release to render (``0.4.9``, ``0.4``,
#: ``latest``); absent: the default mode. The rest of ``spec`` is the values.
CHART_VERSION_FIELD = "chartVersion"

#: Label on every object a ModelService owns; its value is the ModelService's name.
OWNER_LABEL = "llm-d.ai/modelservice"
#: Annotation with the hash of the object as the operator last applied it.
HASH_ANNOTATION = "llm-d.ai/applied-hash"
#: The ``app.kubernetes.io/managed-by`` value of the operator's objects (Helm's is "Helm").
MANAGED_BY = "llm-d-modelservice-operator"

#: Kept in the structural schema in every mode.
_SHAPE_KEYWORDS = ("description",)
#: Value constraints apiextensions supports; kept only with ``validation=True``.
_VALIDATION_KEYWORDS = (
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "required",
    "format",
    "multipleOf",
)

INT_OR_STRING = "x-kubernetes-int-or-string"
PRESERVE = "x-kubernetes-preserve-unknown-fields"


class SchemaTranslationError(ValueError):
    """The values schema uses a construct with no structural equivalent (a bug here)."""


def structural(
    schema: Schema, *, validation: bool = False, nullable: bool = True, open_objects: bool = False
) -> Schema:
    """The structural OpenAPI v3 schema of a values JSON Schema (draft 2020-12);
    ``open_objects``: every object keeps the keys it does not name."""
    defs = schema.get("$defs", {})
    return _node(
        schema,
        defs,
        validation=validation,
        nullable=False,
        below_nullable=nullable,
        open_objects=open_objects,
    )


def _resolve(node: Schema, defs: Mapping[str, Schema], seen: tuple[str, ...]) -> Schema:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/$defs/"):
            raise SchemaTranslationError(f"unsupported $ref {ref!r}")
        name = ref.rsplit("/", 1)[1]
        if name in seen:
            raise SchemaTranslationError(f"recursive $ref {ref!r} cannot be inlined")
        seen = (*seen, name)
        target = dict(defs[name])
        if "description" in node:
            target["description"] = node["description"]
        node = target
    return node


def _node(
    node: Schema,
    defs: Mapping[str, Schema],
    *,
    validation: bool,
    nullable: bool,
    below_nullable: bool,
    open_objects: bool = False,
    seen: tuple[str, ...] = (),
) -> Schema:
    node = _resolve(node, defs, seen)
    for keyword in ("anyOf", "oneOf", "allOf", "not", "if", "patternProperties", "const"):
        if keyword in node:
            raise SchemaTranslationError(f"{keyword} has no structural translation here")
    out: Schema = {}
    for key in _SHAPE_KEYWORDS:
        if key in node:
            out[key] = node[key]
    if validation:
        for key in _VALIDATION_KEYWORDS:
            if key in node:
                out[key] = copy.deepcopy(node[key])
    if nullable:
        out["nullable"] = True

    def child(sub: Schema) -> Schema:
        return _node(
            sub,
            defs,
            validation=validation,
            nullable=below_nullable,
            below_nullable=below_nullable,
            open_objects=open_objects,
            seen=seen,
        )

    type_ = node.get("type")
    if isinstance(type_, list):
        kinds = set(type_) - {"null"}
        if kinds and kinds <= {"string", "integer", "number"} and "string" in kinds:
            # A Kubernetes quantity or port: int-or-string is its structural form.
            out[INT_OR_STRING] = True
            for key in ("enum", "minimum", "maximum", "minLength", "maxLength", "pattern"):
                out.pop(key, None)
            return out
        if len(kinds) == 1:
            type_ = kinds.pop()
        else:
            raise SchemaTranslationError(f"type list {type_} has no structural form")
    if type_ is None:
        # No type: any value at all, passed through as written.
        out[PRESERVE] = True
        return out
    out["type"] = type_
    if type_ == "array":
        out["items"] = child(node.get("items", {}))
    elif type_ == "object":
        props = node.get("properties")
        extra = node.get("additionalProperties", True)
        if isinstance(extra, dict):
            if props:
                raise SchemaTranslationError("properties together with a map schema")
            out["additionalProperties"] = child(extra)
        else:
            if props:
                out["properties"] = {k: child(v) for k, v in props.items()}
            if extra is not False or open_objects:
                # A Kubernetes object passed through: keep what is known, keep the rest.
                out[PRESERVE] = True
            elif not props:
                out[PRESERVE] = True
    return out


def spec_schema(*, validation: bool = False) -> Schema:
    """The schema of ``spec``: the values (every object open to other chart versions' keys)
    and :data:`CHART_VERSION_FIELD`."""
    from modelservice.values.schema import values_schema

    schema = structural(values_schema(), validation=validation, open_objects=True)
    schema["properties"][CHART_VERSION_FIELD] = {
        "type": "string",
        "nullable": True,
        "description": "The upstream llm-d-modelservice chart release to render exactly as "
        "(0.0.9 to 0.4.12; 0.4 for the newest 0.4.x; latest); the rest of the spec is that "
        "release's values. Absent: modelservice's default mode (the seed's chart 0.0.9 with "
        "the tool's fixes and additions).",
    }
    return schema


_ROLE_STATUS: Schema = {
    "type": "object",
    "description": "The role's workload (Deployment or LeaderWorkerSet groups).",
    "properties": {
        "replicas": {"type": "integer", "description": "Desired replicas (or groups)."},
        "readyReplicas": {"type": "integer", "description": "Ready replicas (or groups)."},
        "ready": {"type": "string", "description": "readyReplicas/replicas, for kubectl get."},
        "workload": {"type": "string", "description": "Kind/name of the workload."},
    },
}

_CONDITION: Schema = {
    "type": "object",
    "required": ["type", "status"],
    "properties": {
        "type": {"type": "string", "description": "Ready, Progressing, Degraded or Valid."},
        "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
        "reason": {"type": "string", "description": "CamelCase reason."},
        "message": {"type": "string", "description": "Human-readable details."},
        "observedGeneration": {"type": "integer"},
        "lastTransitionTime": {"type": "string", "format": "date-time"},
    },
}


def status_schema() -> Schema:
    return {
        "type": "object",
        "description": "What the operator observed and did.",
        "properties": {
            "observedGeneration": {
                "type": "integer",
                "description": "The generation of the spec last reconciled.",
            },
            "model": {"type": "string", "description": "The served model name."},
            "conditions": {
                "type": "array",
                "items": _CONDITION,
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["type"],
            },
            "decode": _ROLE_STATUS,
            "prefill": _ROLE_STATUS,
            "owned": {
                "type": "array",
                "description": "The objects this ModelService owns.",
                "items": {
                    "type": "object",
                    "required": ["apiVersion", "kind", "name"],
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "name": {"type": "string"},
                    },
                },
            },
        },
    }


PRINTER_COLUMNS: list[dict[str, Any]] = [
    {"name": "Model", "type": "string", "jsonPath": ".status.model"},
    {"name": "Chart", "type": "string", "priority": 1, "jsonPath": f".spec.{CHART_VERSION_FIELD}"},
    {"name": "Decode", "type": "string", "jsonPath": ".status.decode.ready"},
    {"name": "Prefill", "type": "string", "jsonPath": ".status.prefill.ready"},
    {
        "name": "Ready",
        "type": "string",
        "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
    },
    {
        "name": "Reason",
        "type": "string",
        "priority": 1,
        "jsonPath": '.status.conditions[?(@.type=="Ready")].reason',
    },
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]


def crd(*, validation: bool = False) -> dict[str, Any]:
    """The CustomResourceDefinition ``modelservices.llm-d.ai``."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD_NAME, "labels": {"app.kubernetes.io/part-of": "llm-d"}},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": KIND,
                "listKind": f"{KIND}List",
                "plural": PLURAL,
                "singular": SINGULAR,
                "shortNames": list(SHORT_NAMES),
                "categories": ["llm-d"],
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": copy.deepcopy(PRINTER_COLUMNS),
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "description": "One model served with vLLM the llm-d way: the "
                            "values of an llm-d-modelservice release, reconciled by the "
                            "modelservice operator.",
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": {
                                    **spec_schema(validation=validation),
                                    "description": "The values (the keys of a values file).",
                                },
                                "status": status_schema(),
                            },
                        }
                    },
                }
            ],
        },
    }


def int_or_string_paths(schema: Schema) -> Any:
    """The schema's int-or-string nodes, as a tree of dicts ("*" for items/map values)."""
    if schema.get(INT_OR_STRING):
        return True
    tree: dict[str, Any] = {}
    for key, sub in (schema.get("properties") or {}).items():
        found = int_or_string_paths(sub)
        if found:
            tree[key] = found
    for key in ("items", "additionalProperties"):
        sub = schema.get(key)
        if isinstance(sub, dict):
            found = int_or_string_paths(sub)
            if found:
                tree["*"] = found
    return tree or None


def normalize_spec(values: Any, schema: Schema | None = None) -> Any:
    """The values with fractional numbers in int-or-string places (quantities) written as
    strings, which is how the API server accepts them (``0.5`` → ``"0.5"``)."""
    tree = int_or_string_paths(schema if schema is not None else spec_schema())
    return _normalize(copy.deepcopy(values), tree)


def _normalize(value: Any, tree: Any) -> Any:
    if tree is True:
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value)
        return value
    if not tree:
        return value
    if isinstance(value, dict):
        return {
            k: _normalize(v, tree.get(k) if k in tree else tree.get("*")) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_normalize(v, tree.get("*")) for v in value]
    return value


def custom_resource(
    name: str,
    values: Mapping[str, Any],
    namespace: str | None = None,
    *,
    chart_version: str | None = None,
) -> dict[str, Any]:
    """A ModelService whose spec is the given (user) values, rendered as the upstream chart
    release ``chart_version`` when given."""
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    spec = normalize_spec(json.loads(json.dumps(dict(values))))
    if chart_version is not None:
        spec = {CHART_VERSION_FIELD: chart_version, **spec}
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": meta, "spec": spec}
