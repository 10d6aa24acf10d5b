"""The behaviour table of upstream chart releases is complete and consistent."""

from __future__ import annotations

from modelservice.charts.behaviour import HISTORY, SEED, Behaviour, behaviour
from modelservice.charts.versions import RELEASES, resolve


def test_every_behaviour_has_a_seed_value_and_a_typed_field() -> None:
    assert set(SEED) == set(Behaviour.__annotations__)


def test_history_names_only_known_releases_and_behaviours() -> None:
    known = {r.version for r in RELEASES}
    for version, changes in HISTORY.items():
        assert version in known, version
        assert set(changes) <= set(SEED), (version, set(changes) - set(SEED))


def test_a_change_applies_from_its_release_on() -> None:
    assert behaviour(resolve("0.2.16")).routing_objects is True
    assert behaviour(resolve("0.3.0")).routing_objects is False
    assert behaviour(resolve("0.0.12")).dp_size_local_env is False
    assert behaviour(resolve("0.3.6")).dp_size_local_env is True
    assert behaviour(resolve("0.0.9")).probes_indent_bug is True
    assert behaviour(resolve("latest")).probes_indent_bug is False
