"""The program plan (core/programs/plan.py): what a program needs from a session, read
without changing it: the equivalent `backprop train` command, where training starts, how a
big CSV is read again."""

from __future__ import annotations

import pytest

from core import Config, open_session
from core.present.train_text import Ending, ending, log_fields
from core.programs.plan import plan
from tests.programs_helpers import DATA, one_error, run_main, saved


def test_resume_says_which_model_options_it_ignores(tmp_path):
    s = open_session(Config(data="xor", seed=3, epochs=20))
    s.run(5)
    path = saved(s, tmp_path)
    code, out, err = run_main("code", "--resume", path, "--hidden", "7", "--format", "numpy",
                              "-o", "-")
    assert code == 0 and "--hidden" in err and "ignored" in err
    assert "It prints what `backprop train --data xor --epochs 20 --seed 3` prints" in \
        " ".join(out.split())
    one_error(*run_main("code", "--preset", "notebook", "--format", "numpy", "--json"))


@pytest.mark.parametrize("name", ["excel_semicolon.csv", "meta_first_line.csv", "tabs.tsv",
                                  "r_write_csv.csv"])
def test_a_big_csv_is_read_with_the_loaders_own_pandas_arguments(name, monkeypatch):
    """The program's `pandas.read_csv` call is the loader's, less what only changes speed."""
    import pandas as pd

    from core.data.csvfile import CsvOptions, read_frame
    from core.programs.plan import READ_ONLY_SPEED, _read_args

    options = CsvOptions(header=name != "meta_first_line.csv",
                         skip_rows=1 if name == "meta_first_line.csv" else 0)
    seen = {}
    real = pd.read_csv

    def spy(path, **kwargs):
        seen.update(kwargs)
        return real(path, **kwargs)

    monkeypatch.setattr(pd, "read_csv", spy)
    _, layout = read_frame(str(DATA / name), options)
    defaults = {"skiprows": 0, "skipinitialspace": False, "compression": None,
                "decimal": ".", "encoding": "utf-8"}
    loader = {k: v for k, v in seen.items()
              if k not in READ_ONLY_SPEED and defaults.get(k, object()) != v}
    assert _read_args(layout, options.skip_rows) == loader


@pytest.mark.parametrize(("kw", "command"), [
    (dict(preset="notebook"), "backprop train --preset notebook --log-every 7"),
    (dict(data="xor", seed=3), "backprop train --data xor --seed 3 --log-every 7"),
    (dict(data="circle", seed=2, hidden=(4, 3), lr=0.05),
     "backprop train --data circle --hidden 4,3 --lr 0.05 --seed 2 --log-every 7"),
])
def test_the_equivalent_command_names_what_differs_from_the_defaults(kw, command):
    """Only the options train would not fill in itself, and the seed where it matters."""
    assert plan(open_session(Config(**kw)), log_every=7).command == command


def test_no_command_where_train_cannot_give_the_same_run():
    changed = open_session(Config(data="xor", seed=2))
    changed.set_lr(0.2)  # by hand
    other_seed = open_session(Config(data="circle", seed=2))
    other_seed.reset(9)  # the data came from seed 2, the weights from 9
    assert plan(changed).command is None and plan(other_seed).command is None
    fixed = open_session(Config(data="notebook", seed=2))
    fixed.reset(9)  # the table draws nothing: one seed says it all
    assert plan(fixed).command == "backprop train --data notebook --seed 9"


def test_the_plan_reads_what_train_prints_from_the_session():
    s = open_session(Config(data="circle", seed=1, test_fraction=0.2, hidden=(3,)))
    p = plan(s)
    assert p.log_fields == log_fields(s) == ("test_loss", "accuracy", "test_accuracy")
    assert p.ending is ending(s) is Ending.CLASSES
    assert p.accuracy == s.accuracy_name == "accuracy"
    assert p.n_params == 2 * 3 + 3 + 3 * 1 + 1
