"""The shipped values.schema.json is the schema the code validates with."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema

from modelservice.values.layering import default_values
from modelservice.values.schema import values_schema


def test_shipped_schema_matches_code() -> None:
    text = resources.files("modelservice.values").joinpath("values.schema.json").read_text()
    assert json.loads(text) == values_schema(), "run `make schema` to regenerate it"


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(values_schema())


def test_defaults_satisfy_the_schema() -> None:
    jsonschema.Draft202012Validator(values_schema()).validate(default_values())
