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


def test_messages_name_the_flag_the_options_table_declares():
    """The core names a field's option in its messages (`config.flag`); the CLI's table
    declares it: they agree for every model option."""
    from core.config import Config, flag
    from tui.options import OPTIONS

    model = [o for o in OPTIONS if o.model]
    assert {o.name for o in model} <= set(Config.field_names())
    for option in model:
        assert flag(option.name) == option.flag, option.name
