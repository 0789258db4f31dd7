"""Two runs, `--compare "OPTIONS"`: run B is run A's settings with the quoted options on top,
the same seed and rows and, where the layers match, the same starting weights. The oracle
for every number is two separate `train` runs with the same options: `train --compare`
(text and --json) must print exactly their numbers. What would change the data is refused;
a divergence stops only its own run; session files keep both runs."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from core import Config, UserError, load_runs, open_compare, open_session, save_session
from core.training.compare import label
from tests.test_cli_bad_input import run_main
from tui.options import OptionError, compare_given

BASE = ("--preset", "notebook", "--epochs", "100")
LOG = re.compile(r"^Epoch (\d+), Loss: ([0-9.]+)(.*)$", re.M)


def test_json_holds_the_two_separate_runs(tmp_path):
    base = (*BASE, "--seed", "5")
    a = json.loads(run_main(*base, "--json", cwd=tmp_path).stdout)
    b = json.loads(run_main(*base, "--lr", "0.5", "--json", cwd=tmp_path).stdout)
    both = json.loads(run_main(*base, "--compare", "--lr 0.5", "--json", cwd=tmp_path).stdout)
    assert both["compare"] == "--lr 0.5" and both["runs"] == [a, b]


@pytest.mark.parametrize("options, compare", [
    (BASE, "--lr 0.5"),
    (("--data", "circle", "--seed", "4", "--epochs", "120", "--test-fraction", "0.2"),
     "--activation relu --optimizer adam --lr 0.01"),
    (("--data", "spiral3", "--seed", "2", "--epochs", "60"), "--hidden 8,8"),
])
def test_log_lines_side_by_side_are_each_runs_own(tmp_path, options, compare):
    out = run_main(*options, "--compare", compare, "--log-every", "20", cwd=tmp_path).stdout
    plain_a = run_main(*options, "--log-every", "20", cwd=tmp_path).stdout
    plain_b = run_main(*options, *compare.split(), "--log-every", "20", cwd=tmp_path).stdout
    assert out.splitlines()[0] == f"Run A: as given | run B: {label(compare)} (each number " \
                                  "below: A's | B's)"
    pairs = LOG.findall(out)
    want_a, want_b = LOG.findall(plain_a), LOG.findall(plain_b)
    assert len(pairs) == len(want_a) == len(want_b) >= 3
    for (epoch, loss, rest), (ea, la, ra), (eb, lb, rb) in zip(pairs, want_a, want_b,
                                                                strict=True):
        assert epoch == ea == eb
        assert rest.startswith(f" | {lb}")
        # every other field as `Name: A | B`, in the runs' own order and format
        fields_a = re.findall(r", ([A-Za-z ]+): ([0-9.]+)", ra)
        fields_b = dict(re.findall(r", ([A-Za-z ]+): ([0-9.]+)", rb))
        got = re.findall(r", ([A-Za-z ]+): ([0-9.]+) \| ([0-9.]+)", rest)
        assert loss == la and got == [(n, v, fields_b[n]) for n, v in fields_a]
    # then each run's final report, and one line comparing them
    assert "\nRun A (as given):\n" in out and f"\nRun B ({label(compare)}):\n" in out
    assert re.search(r"\n\nFinal loss: A \S+, B \S+ \([AB] lower\)", out)


def test_the_last_line_compares_losses_and_accuracies(tmp_path):
    out = run_main("--data", "xor", "--seed", "1", "--epochs", "300", "--compare",
                   "--lr 2", "--log-every", "0", cwd=tmp_path).stdout
    last = out.splitlines()[-1]
    a = json.loads(run_main("--data", "xor", "--seed", "1", "--epochs", "300", "--json",
                            cwd=tmp_path).stdout)
    b = json.loads(run_main("--data", "xor", "--seed", "1", "--epochs", "300", "--lr", "2",
                            "--json", cwd=tmp_path).stdout)
    assert last.startswith(f"Final loss: A {a['loss']:.6g}, B {b['loss']:.6g} (")
    assert f"; accuracy: A {a['accuracy']:.6g}, B {b['accuracy']:.6g}" in last


def test_without_compare_nothing_changes(tmp_path):
    """The notebook's output, whose bytes the notebook fixed, is untouched."""
    out = run_main("--preset", "notebook", cwd=tmp_path).stdout
    assert out.startswith("Epoch 0, Loss: 0.50015\nEpoch 100, Loss: 0.00072\n")
    assert "|" not in out and "Run A" not in out


@pytest.mark.parametrize("compare", ["--data xor", "--test-fraction 0.2", "--normalize zscore",
                                     "--seed 3", "--noise 0.3", "--epochs 5",
                                     "--missing mean", "--preset notebook --lr 1"])
def test_changing_the_data_is_refused_with_one_line(tmp_path, compare):
    done = run_main("--data", "circle", "--seed", "1", "--compare", compare, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("backprop: error: --compare") and \
        done.stderr.count("\n") == 1


@pytest.mark.parametrize("compare, message", [
    ("", "give the options"), ("--json", "not a model option"), ("--lr abc", "expected a number"),
    ("--activation swish", "invalid choice"), ("--lr", "expected one argument"),
    ("--lr '1", "cannot read"),
])
def test_compare_text_that_does_not_parse(tmp_path, compare, message):
    with pytest.raises(OptionError, match=message):
        compare_given(compare)
    done = run_main("--preset", "notebook", "--compare", compare, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in \
        done.stderr


def test_same_seed_and_where_layers_match_the_same_starting_weights():
    a = open_session(Config(data="circle", seed=3))
    same = open_compare(a, {"lr": 1.0}, "--lr 1.0")
    assert np.array_equal(same.b.params(), a.params())
    crossed = open_compare(a, {"inputs": ("x1", "x2", "x1^2")}, "--inputs x1,x2,x1^2")
    assert crossed.b.sizes == (3, 6, 1) and crossed.b.seed == a.seed
    np.testing.assert_array_equal(crossed.b.net.W[1], a.net.W[1])  # 6×1: the same shape
    np.testing.assert_array_equal(crossed.b.net.b[0], a.net.b[0])
    other_init = open_compare(a, {"init": "he"}, "--init he")
    assert not np.array_equal(other_init.b.net.W[1], a.net.W[1])  # the change itself
    preset = open_session(Config(preset="notebook"))
    wider = open_compare(preset, {"hidden": (3,)}, "--hidden 3")
    np.testing.assert_array_equal(wider.b.net.b[1], preset.net.b[1])  # b2 fits; W1 does not


def test_a_new_seed_starts_both_again_sharing_what_fits():
    a = open_session(Config(data="circle", seed=3))
    c = open_compare(a, {"inputs": ("x1", "x2", "x1^2", "x2^2")}, "--inputs x1,x2,x1^2,x2^2")
    c.run(5)
    seed = c.reset()
    assert (a.epoch, c.b.epoch, c.b.seed) == (0, 0, seed)
    np.testing.assert_array_equal(c.b.net.W[1], a.net.W[1])
    c.run(3)
    c.restart()
    np.testing.assert_array_equal(c.b.net.W[1], a.net.W[1])


def test_a_run_b_whose_start_the_seed_drew_shows_the_seed(tmp_path):
    """The preset's weights do not fit B with another hidden layer: B draws its start with
    A's seed (sharing b2), so the seed decides B's numbers and is shown, and the same seed
    gives the same numbers; a weights file of A's that B cannot use is the same."""
    args = ("--preset", "notebook", "--epochs", "3", "--compare", "--hidden 3")
    first = run_main(*args, cwd=tmp_path)
    assert first.returncode == 0
    seed = re.search(r"--seed (\d+)\)", first.stderr)
    assert seed, first.stderr
    again = run_main(*args, "--seed", seed[1], cwd=tmp_path)
    assert again.stdout == first.stdout and "--seed" not in again.stderr
    a = open_session(Config(preset="notebook", seed=int(seed[1])))
    pair = open_compare(a, {"hidden": (3,)}, "--hidden 3")
    assert not a.uses_seed and pair.b.uses_seed and pair.b.initial is not None
    path = tmp_path / "two.json"
    save_session(a, str(path), pair)
    assert load_runs(str(path))[1].b.uses_seed and pair.b.fresh().uses_seed
    (tmp_path / "w.json").write_text(json.dumps({"layers": [
        {"weights": [[0.1, 0.2], [0.3, 0.4]], "bias": [0.0, 0.1]},
        {"weights": [[0.5], [0.6]], "bias": [0.2]}]}))
    opts = ("--data", "notebook", "--weights", "w.json", "--epochs", "2")
    drawn = run_main(*opts, "--compare", "--hidden 3", "--seed", "4", cwd=tmp_path)
    assert drawn.returncode == 0, drawn.stderr
    own = run_main(*opts, "--compare", "--hidden 3 --weights w.json", cwd=tmp_path)
    assert own.returncode == 2 and own.stderr.startswith("backprop: error: --compare: w.json")


def test_a_divergence_stops_only_its_own_run(tmp_path):
    done = run_main(*BASE, "--compare", "--lr 50", "--log-every", "20", cwd=tmp_path)
    assert done.returncode == 3
    assert "Epoch 80, Loss: 0.00" in done.stdout and "| diverged" in done.stdout
    assert "Final loss: A " in done.stdout and "B diverged at epoch" in done.stdout
    assert done.stderr.startswith("backprop: run B diverged at epoch")


def test_a_csvs_targets_are_read_again_for_another_loss(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{(i * 7) % 5},{'yes' if i % 3 else 'no'}\n"
                                        for i in range(12)))
    a = open_session(Config(data=str(path), loss="bce", seed=1))
    c = open_compare(a, {"loss": "ce"}, "--loss ce")
    assert c.b.dataset.y.shape == (12, 2) and c.b.config.output_activation == "softmax"
    with pytest.raises(UserError, match="--compare cannot change --data"):
        open_compare(a, {"data": "xor"}, "--data xor")


def test_session_files_keep_both_runs(tmp_path):
    a = open_session(Config(data="xor", hidden=(3,), seed=2))
    c = open_compare(a, {"lr": 2.0, "activation": "relu"}, "--lr 2.0 --activation relu")
    c.run(7)
    path = tmp_path / "two.json"
    save_session(a, str(path), c)
    _, c2 = load_runs(str(path))
    assert c2.text == c.text and c2.b.config.activation == "relu" and c2.b.epoch == 7
    c.run(4)
    c2.run(4)
    for s, t in zip(c.runs, c2.runs, strict=True):
        assert np.array_equal(s.params(), t.params())
        assert np.array_equal(s.history.values(), t.history.values())
    # a file of one run opens as one run
    save_session(a, str(tmp_path / "one.json"))
    assert load_runs(str(tmp_path / "one.json"))[1] is None


def test_a_run_b_that_trains_on_other_rows_is_a_damaged_file(tmp_path):
    a = open_session(Config(data="circle", seed=2))
    c = open_compare(a, {"lr": 1.0}, "--lr 1.0")
    path = tmp_path / "two.json"
    save_session(a, str(path), c)
    doc = json.loads(path.read_text())
    doc["compare"]["config"]["noise"] = 0.3
    path.write_text(json.dumps(doc))
    with pytest.raises(UserError, match=r"damaged session file \(run B\).*'noise'"):
        load_runs(str(path))


def test_label():
    assert label("--lr 1.0") == "lr 1.0"
    assert label("--activation relu --lr=0.5") == "activation relu, lr 0.5"
