"""The core is UI-free, and cheap to import: no textual, no rich, and no pandas until a CSV."""

import subprocess
import sys

from tests.conftest import ROOT


def loaded_after(code: str) -> set[str]:
    code += "\nimport sys\nprint(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=60).stdout
    return set(out.split())


def test_core_pulls_in_no_ui():
    mods = loaded_after("import core\nfrom core import Config, open_session, view\n"
                        "s = open_session(Config(preset='notebook')); s.run(3); view(s)")
    assert not {"textual", "rich"} & mods
    assert "pandas" not in mods  # built-in data needs no pandas


def test_the_check_itself_can_fail():
    assert "textual" in loaded_after("import textual.app")


def test_importing_the_core_loads_no_numpy():
    """`import core`, its error type, the config and the names are what a command line needs
    before the first frame: none of them may cost NumPy."""
    mods = loaded_after("import core\nfrom core.errors import UserError\n"
                        "from core.config import Config\nfrom core import names\n"
                        "Config(preset='notebook').resolve()")
    assert "numpy" not in mods


def test_lazy_names_resolve_to_their_modules():
    import core
    from core.present import views
    from core.training import session

    assert core.Session is session.Session and core.view is views.view
    assert sorted(core.__all__) == sorted(core._EXPORTS)


def test_names_match_what_the_modules_implement():
    from core import names, presets
    from core.data import builtin, dataset
    from core.maths import activations, losses, network, optim

    assert tuple(activations.ACTIVATIONS) == names.ACTIVATIONS
    assert tuple(activations.OUTPUT_ACTIVATIONS) == names.OUTPUT_ACTIVATIONS
    assert {k: v.output for k, v in losses.LOSSES.items() if v.output} == names.LOSS_OUTPUT
    assert tuple(losses.LOSSES) == names.LOSSES
    assert tuple(optim.OPTIMIZERS) == names.OPTIMIZERS
    assert network.INITS == names.INITS
    assert dataset.NORMALIZERS == names.NORMALIZERS
    assert tuple(builtin.BUILTIN) == names.DATASETS
    assert tuple(presets.PRESETS) == names.PRESETS
    assert set(presets.DATASET_DEFAULTS) == {*names.DATASETS, "csv"}
