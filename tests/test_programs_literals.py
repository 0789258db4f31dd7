"""Literals (core/programs/literals.py): every float a program is written with reads back
as the same float64."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from core.programs.literals import num


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_is_written_so_that_it_reads_back_the_same(x):
    value = eval(num(x), {"np": np})
    assert value == x and np.copysign(1.0, value) == np.copysign(1.0, x)
