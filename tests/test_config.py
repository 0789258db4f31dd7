"""Config: every option validated in one place; a bad value is refused, never clamped."""

import pytest

from core import Config, UserError, open_session


def test_config_refuses_instead_of_clamping():
    for bad in (dict(lr=-1), dict(lr=float("nan")), dict(hidden=(0, 2)), dict(epochs=-1),
                dict(hidden=(100000,)), dict(batch_size=0, optimizer="sgd"),
                dict(loss="bce", output_activation="linear"), dict(optimizer="gd", batch_size=2)):
        with pytest.raises(UserError) as err:
            open_session(Config(**bad))
        assert err.value.field is not None
