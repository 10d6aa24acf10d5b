"""EPP image tags are read by hand (no regex at start-up), exactly as the pattern that
describes them."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from modelservice.values.epp import release_number

_TAG = re.compile(r"^v?([0-9]+)\.([0-9]+)\.([0-9]+)(?:[-+.].*)?$", re.DOTALL)


@settings(max_examples=500)
@given(st.text(alphabet="v0123456789.-+a", max_size=12) | st.sampled_from(["v0.3.2", "0.0.3"]))
def test_release_number_reads_what_the_pattern_matches(tag: str) -> None:
    m = _TAG.match(tag)
    assert release_number(tag) == ((int(m[1]), int(m[2]), int(m[3])) if m else None)
