"""The JSON columns' text (database.json_text, by orjson): whatever json.dumps wrote,
read back, is what it reads back as."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from escalada.adapters.db.database import json_text

SCALARS = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text())
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text() | st.integers(-1000, 1000), inner, max_size=4), max_leaves=20)


@given(VALUES)
def test_the_text_reads_back_as_json_dumps_text_does(value: Any) -> None:
    assert json.loads(json_text(value)) == json.loads(json.dumps(value))


def test_the_text_is_compact_utf8() -> None:
    assert json_text({"услуги": ["compute", "база"], 3: None}) == (
        '{"услуги":["compute","база"],"3":null}')
