"""Session files: save, resume bit for bit, atomic writes, and clear errors for bad files."""

import copy
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import (
    Config,
    Session,
    UserError,
    default_session_name,
    open_resumed,
    open_session,
    save_session,
    view,
)
from core.files.sessionfile import CONFIG_KINDS, FORMAT, session_doc

CONFIGS = {
    "gd-notebook": dict(preset="notebook"),
    "gd-test": dict(data="gauss", test_fraction=0.3, l2=0.01),
    "sgd-1": dict(data="sine", optimizer="sgd", test_fraction=0.25),
    "sgd-3": dict(data="sine", optimizer="sgd", batch_size=3, test_fraction=0.25),
    "momentum-full": dict(data="xor", optimizer="momentum"),
    "momentum-3": dict(data="circle", optimizer="momentum", batch_size=3, test_fraction=0.2),
    "adam-full": dict(data="spiral", test_fraction=0.1),
    "adam-3": dict(data="circle", optimizer="adam", batch_size=3, test_fraction=0.2),
    "ce-softmax-3": dict(data="spiral3", optimizer="momentum", batch_size=30, test_fraction=0.2),
}


def make(**kw) -> Session:
    return open_session(Config(seed=kw.pop("seed", 7), **kw))


def assert_same(s: Session, t: Session) -> None:
    """Everything the next step depends on, compared exactly."""
    assert np.array_equal(s.net.flat, t.net.flat)
    assert s.opt_state.keys() == t.opt_state.keys()
    for k in s.opt_state:
        assert np.array_equal(s.opt_state[k], t.opt_state[k], equal_nan=True)
    assert s.history.columns == t.history.columns
    for c in s.history.columns:
        assert np.array_equal(s.history.values(c), t.history.values(c), equal_nan=True)
    assert s.rng.bit_generator.state == t.rng.bit_generator.state
    assert (s.epoch, s.batch, s.t, s.seed, s.lr, s.diverged_at) == \
        (t.epoch, t.batch, t.t, t.seed, t.lr, t.diverged_at)
    a, b = s.state(), t.state()
    assert (a.perm is None) == (b.perm is None)
    if a.perm is not None:
        assert np.array_equal(a.perm, b.perm)
    assert s.config == t.config
    assert (a.initial is None) == (b.initial is None)
    if a.initial is not None:
        assert np.array_equal(a.initial, b.initial)


def assert_same_record(a, b) -> None:
    assert (a is None) == (b is None)
    if a is None:
        return
    assert (a.epoch, a.batch, a.loss, a.objective, a.accuracy, a.lr) == \
        (b.epoch, b.batch, b.loss, b.objective, b.accuracy, b.lr)
    assert np.array_equal(a.rows, b.rows)
    for x, y in zip((*a.dW, *a.db, *a.W_after, *a.b_after),
                    (*b.dW, *b.db, *b.W_after, *b.b_after), strict=True):
        assert np.array_equal(x, y)


def resumed(s: Session, folder: Path, name: str = "s.json") -> Session:
    path = folder / name
    save_session(s, str(path))
    t = open_resumed(str(path))
    assert_same(s, t)
    return t


# ---------------------------------------------------------------- bit-exact continuation

@pytest.mark.parametrize("name", CONFIGS)
def test_resume_continues_bit_for_bit(name, tmp_path):
    s = make(**CONFIGS[name])
    s.run(3)
    t = resumed(s, tmp_path)
    assert not t.can_undo  # snapshots are not saved: undo starts afresh
    assert_same_record(s.last, t.last)  # the update that led here, taken again
    assert_same_record(s.step(), t.step())
    assert_same(s, t)
    s.run(2)
    t.run(2)
    assert_same(s, t)
    assert_same_record(s.last, t.last)


@pytest.mark.parametrize("name", [n for n in CONFIGS if "-full" not in n and "gd" not in n])
def test_resume_mid_epoch(name, tmp_path):
    s = make(**CONFIGS[name])
    s.run(1)
    s.step_update()
    s.step_update()
    assert s.batch == 2
    t = resumed(s, tmp_path)
    assert_same_record(s.last, t.last)
    assert_same_record(s.step_update(), t.step_update())
    assert_same(s, t)
    assert_same_record(s.step(), t.step())  # finishes the epoch from the middle
    assert_same(s, t)
    assert s.batch == 0 and s.epoch == 2
    t2 = resumed(s, tmp_path, "again.json")
    assert_same_record(s.step(), t2.step())
    assert_same(s, t2)


@pytest.mark.parametrize("name", ["gd-notebook", "sgd-3"])
def test_resume_at_epoch_zero(name, tmp_path):
    s = make(**CONFIGS[name])
    t = resumed(s, tmp_path)
    assert len(t.history) == 0
    assert_same_record(s.step(), t.step())
    assert_same(s, t)


def test_live_lr_seed_and_start_weights_survive(tmp_path):
    s = make(preset="notebook")
    s.run(5)
    s.set_lr(0.05)
    s.set_param(0, "W", 0, 1, 0.25)
    t = resumed(s, tmp_path)
    assert t.lr == 0.05 and t.config.lr == 0.1
    assert_same_record(s.step(), t.step())
    s.restart()  # back to the notebook's printed weights, on both
    t.restart()
    assert_same(s, t)

    s.reset(seed=123)  # a new run: new seed, no explicit starting weights
    s.run(2)
    t = resumed(s, tmp_path, "reset.json")
    assert t.seed == 123 and t.config.seed == 7 and t.state().initial is None
    s.restart()
    t.restart()
    assert_same(s, t)
    assert_same_record(s.step(), t.step())


def test_starting_weights_are_kept_in_the_file(tmp_path):
    """A --weights file may be gone by the time the session is resumed: restart still works."""
    weights = tmp_path / "start.json"
    weights.write_text(json.dumps({"layers": [
        {"weights": [[0.1, 0.2], [0.3, 0.4]], "bias": [0.5, 0.6]},
        {"weights": [[0.7], [0.8]], "bias": [0.9]}]}))
    s = make(weights=str(weights))
    s.run(4)
    save_session(s, str(tmp_path / "s.json"))
    weights.unlink()
    t = open_resumed(str(tmp_path / "s.json"))
    assert_same(s, t)
    t.restart()
    assert t.params().tolist() == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def test_a_resumed_session_views_like_the_original(tmp_path):
    s = make(**CONFIGS["sgd-3"])
    s.run(6)
    t = resumed(s, tmp_path)
    a, b = view(s), view(t)
    assert (a.epoch, a.batch, a.seed, a.lr, a.best, a.loss_change, a.description) == \
        (b.epoch, b.batch, b.seed, b.lr, b.best, b.loss_change, b.description)
    assert np.array_equal(a.history, b.history)
    assert np.array_equal(a.test_history, b.test_history)
    assert a.evaluation.loss == b.evaluation.loss
    assert not b.can_undo
    assert_same_record(a.last, b.last)  # the update that led here, as the original shows it
    assert (a.best_so_far, a.last_kept) == (b.best_so_far, True)
    t.step()
    assert t.can_undo and t.undo() and t.epoch == 6  # undo works from the resumed position
    assert not t.can_undo


def test_diverged_session_resumes_diverged(tmp_path):
    s = make(data="xor", lr=1000.0, activation="linear", output_activation="linear",
             loss="mse")
    s.run(200)
    assert s.diverged
    t = resumed(s, tmp_path)
    assert t.diverged_at == s.diverged_at
    with pytest.raises(UserError, match="diverged"):
        t.step()


def test_non_finite_history_and_optimiser_state_round_trip(tmp_path):
    s = make(data="xor", optimizer="momentum", test_fraction=0.25)
    s.run(3)
    rows = [s.history.values(c).tolist() for c in s.history.columns]
    s.history.truncate(0)
    for i, row in enumerate(zip(*rows, strict=True)):
        s.history.append(*row[:-1], [np.inf, np.nan, -np.inf][i])  # test_loss is last
    s.opt_state["v"][:3] = [np.inf, -np.inf, np.nan]
    text = (tmp_path / "s.json").as_posix()
    save_session(s, text)
    json.loads(Path(text).read_text(), parse_constant=pytest.fail)  # strict JSON: no NaN
    t = open_resumed(text)
    assert_same(s, t)


def test_the_file_holds_every_key(tmp_path):
    s = make(**CONFIGS["adam-3"])
    s.run(1)
    s.step_update()
    path = tmp_path / "s.json"
    save_session(s, str(path))
    doc = json.loads(path.read_text())
    assert list(doc) == ["format", "version", "config", "dataset", "seed", "initial", "lr",
                         "base_lr", "epoch", "batch", "perm", "rng", "params", "opt_state",
                         "history", "diverged_at", "hand_changes", "previous", "edited_best"]
    assert doc["format"] == FORMAT and doc["version"] == 3
    assert set(doc["config"]) == set(Config.field_names())
    assert set(doc["opt_state"]) == {"m", "v", "t"}
    assert set(doc["history"]) == {"loss", "objective", "accuracy", "test_loss",
                                   "test_accuracy"}
    assert len(doc["dataset"]["sha256"]) == 64


def test_config_kinds_cover_every_config_field():
    assert set(CONFIG_KINDS) == set(Config.field_names())


def test_default_session_name():
    assert default_session_name(datetime(2024, 3, 9, 7, 5, 1)) == \
        "backprop-session-20240309-070501.json"


def test_cli_has_save_to():
    from tui.cli import build_parser

    top, _ = build_parser()
    assert top.parse_args(["--save-to", "mine.json"]).save_to == "mine.json"
    assert top.parse_args([]).save_to is None


# ---------------------------------------------------------------- CSV datasets

def write_csv(path: Path, scores=(55, 65, 75, 85, 70, 60)) -> None:
    rows = "\n".join(f"{h},{9 - h // 2},{sc}" for h, sc in zip(range(2, 14, 2), scores,
                                                                strict=True))
    path.write_text("hours,slept,score\n" + rows + "\n")


def test_csv_session_resumes_and_detects_a_changed_file(tmp_path):
    csv = tmp_path / "marks.csv"
    write_csv(csv)
    s = make(data=str(csv), optimizer="sgd", batch_size=2, test_fraction=0.34)
    s.run(4)
    s.step_update()
    t = resumed(s, tmp_path)
    assert_same_record(s.step(), t.step())
    assert_same(s, t)

    write_csv(csv, scores=(55, 65, 75, 85, 70, 61))
    with pytest.raises(UserError, match=r"marks\.csv has changed since the session was saved"):
        open_resumed(str(tmp_path / "s.json"))
    csv.unlink()
    with pytest.raises(UserError, match="is not there any more"):
        open_resumed(str(tmp_path / "s.json"))


def test_csv_session_travels_with_its_data(tmp_path, monkeypatch):
    """A folder with the session and its CSV, copied elsewhere, reopens from anywhere."""
    home = tmp_path / "home"
    home.mkdir()
    write_csv(home / "marks.csv")
    monkeypatch.chdir(home)
    s = make(data="marks.csv")  # a relative path, as a student types it
    s.run(3)
    save_session(s, "s.json")
    shared = tmp_path / "friend" / "copy"
    shutil.copytree(home, shared)
    shutil.rmtree(home)
    monkeypatch.chdir(tmp_path)
    t = open_resumed(str(shared / "s.json"))
    assert os.path.samefile(t.config.data, shared / "marks.csv")
    assert_same_record(s.step(), t.step())
    assert np.array_equal(s.net.flat, t.net.flat)


# ---------------------------------------------------------------- atomic writes

def saved_pair(tmp_path: Path) -> tuple[Session, Path, bytes]:
    s = make(preset="notebook")
    s.run(2)
    path = tmp_path / "s.json"
    save_session(s, str(path))
    s.run(3)
    return s, path, path.read_bytes()


def test_failed_rename_leaves_the_old_file_whole(tmp_path, monkeypatch):
    s, path, before = saved_pair(tmp_path)

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(UserError, match="No space left"):
        save_session(s, str(path))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_killed_mid_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    s, path, before = saved_pair(tmp_path)

    def killed(fd):
        raise KeyboardInterrupt  # the process dies between write and rename

    monkeypatch.setattr(os, "fsync", killed)
    with pytest.raises(KeyboardInterrupt):
        save_session(s, str(path))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]
    monkeypatch.undo()
    t = open_resumed(str(path))
    assert t.epoch == 2


def test_saving_again_replaces_an_older_session_file(tmp_path):
    s, path, _ = saved_pair(tmp_path)
    save_session(s, str(path))
    assert open_resumed(str(path)).epoch == 5


def test_save_never_clobbers_a_file_that_is_not_a_session(tmp_path):
    s = make(preset="notebook")
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(UserError, match="not a session file; choose another name"):
        save_session(s, str(csv))
    assert csv.read_text() == "a,b\n1,2\n"
    with pytest.raises(UserError, match="is a folder"):
        save_session(s, str(tmp_path))
    with pytest.raises(UserError, match="no folder"):
        save_session(s, str(tmp_path / "missing" / "s.json"))
    with pytest.raises(UserError, match="give a file name"):
        save_session(s, "")
    empty = tmp_path / "empty.json"
    empty.write_text("")
    save_session(s, str(empty))  # an empty placeholder may be filled
    assert open_resumed(str(empty)).epoch == 0


def test_overflowed_parameters_are_not_saved(tmp_path):
    s = make(preset="notebook")
    s.net.flat[0] = np.inf
    with pytest.raises(UserError, match="overflowed"):
        save_session(s, str(tmp_path / "s.json"))
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- bad files

@pytest.fixture
def valid(tmp_path) -> tuple[dict, Path]:
    s = make(**CONFIGS["adam-3"])
    s.run(1)
    s.step_update()
    return session_doc(s), tmp_path / "bad.json"


def load_text(path: Path, text: str) -> Session:
    path.write_text(text)
    return open_resumed(str(path))


def load_doc(path: Path, doc) -> Session:
    return load_text(path, json.dumps(doc))


@pytest.mark.parametrize("text, message", [
    ("", "not valid JSON"),
    ("hello", "not valid JSON"),
    ('{"format": "backprop-stepper-session", "version": 1', "not valid JSON"),
    ("[1, 2, 3]", "not a backprop session file"),
    ('{"name": "something else"}', "not a backprop session file"),
    ('{"layers": []}', "looks like a weights file"),
    ('{"format": "backprop-stepper-session", "version": 4}', "newer backprop-stepper"),
    ('{"format": "backprop-stepper-session", "version": "1"}', '"version"'),
    ('{"format": "backprop-stepper-session", "version": 1}', '"config" is missing'),
    ("[" * 100000, "nested too deeply|not valid JSON"),
    ('{"format": 1, "x": ' + "9" * 5000 + "}", "out of range"),
])
def test_foreign_files(tmp_path, text, message):
    with pytest.raises(UserError, match=message):
        load_text(tmp_path / "f.json", text)


def test_binary_missing_and_folder(tmp_path):
    path = tmp_path / "b.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(UserError, match="not a UTF-8 text file"):
        open_resumed(str(path))
    with pytest.raises(UserError, match="no such file"):
        open_resumed(str(tmp_path / "nope.json"))
    with pytest.raises(UserError, match="is a directory"):
        open_resumed(str(tmp_path))


KEYS = ["config", "dataset", "seed", "initial", "lr", "epoch", "batch", "perm", "rng",
        "params", "opt_state", "history", "diverged_at"]


@pytest.mark.parametrize("key", KEYS)
def test_missing_key(valid, key):
    doc, path = valid
    del doc[key]
    with pytest.raises(UserError, match=f'damaged session file: "{key}" is missing'):
        load_doc(path, doc)


def edit(doc: dict, where: str, value):
    *parents, last = where.split(".")
    node = doc
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value


@pytest.mark.parametrize("where, value, message", [
    ("params", [0.5] * 3, r'"params" should have \d+ numbers for a 2-6-1 network, not 3'),
    ("params", "nope", '"params" should be a list'),
    ("params", [[0.5]] * 25, '"params" should be a list of numbers'),
    ("params", ["0.5"] * 25, '"params" should be a list of numbers'),
    ("params", [None] * 25, '"params" should be a list of numbers'),
    ("params", [1e400] * 25, "NaN or infinite"),
    ("params", ["NaN"] * 25, "NaN or infinite"),
    ("opt_state.m", [0.0] * 3, '"opt_state.m" should have 25 numbers'),
    ("opt_state.t", KeyError, '"opt_state" for adam should hold m, v, t'),
    ("history.loss", [0.5], '"history" should have 2 entries at epoch 1'),
    ("history.oops", [0.5, 0.4], '"history" should hold'),
    ("rng.state.state", -1, '"rng" is not a PCG64'),
    ("rng.bit_generator", "MT19937", '"rng" is not a PCG64'),
    ("rng.state", None, '"rng" is not a PCG64'),
    ("perm", [0, 0, 1], '"perm" should be a shuffle'),
    ("perm", None, '"perm" is missing for a position inside an epoch'),
    ("batch", 10**6, "impossible"),
    ("epoch", -1, "impossible"),
    ("epoch", 7, '"history" should have 8 entries'),
    ("epoch", True, '"epoch" should be a whole number'),
    ("lr", 0, '"lr" must be above 0'),
    ("lr", "fast", '"lr" should be a number'),
    ("seed", 2**64, '"seed" is out of range'),
    ("diverged_at", -3, "negative"),
    ("initial", [1.0], '"initial" should have 25 numbers'),
    ("config.lr", -1, "saved settings are not valid: --lr must be a number above 0"),
    ("config.hidden", [6, "x"], '"config.hidden" should be a list of whole numbers'),
    ("config.hidden", [4], r'"params" should have 17 numbers for a 2-4-1 network'),
    ("config.hidden", [2000], "saved settings are not valid: --hidden"),
    ("config.optimizer", "rmsprop", "saved settings are not valid: --optimizer"),
    ("config.colour", "red", 'unknown setting "config.colour"'),
    ("config.seed", KeyError, '"config.seed" is missing'),
    ("config.preset", "lab", "unknown preset"),
    ("config.batch_size", 1000, "larger than the 160 training rows"),
    ("config.targets", ["x"], "--target applies to CSV files"),
    ("config.data", "missing.csv", "data file missing.csv is not there any more"),
    ("config.noise", 0.2, "no longer comes out the same"),
    ("dataset.sha256", "0" * 64, "no longer comes out the same"),
    ("dataset", [], '"dataset" should be an object'),
])
def test_damaged_fields(valid, where, value, message):
    doc, path = valid
    edit(doc, where, value)
    with pytest.raises(UserError, match=message):
        load_doc(path, doc)


def test_nan_literal_in_parameters(valid):
    doc, path = valid
    doc["params"] = doc["params"][1:]
    text = json.dumps(doc).replace('"params": [', '"params": [NaN, ', 1)
    with pytest.raises(UserError, match='"params" has a NaN or infinite value'):
        load_text(path, text)


def test_errors_are_one_line(valid):
    doc, path = valid
    doc["params"] = [1.0]
    with pytest.raises(UserError) as err:
        load_doc(path, doc)
    assert "\n" not in str(err.value) and str(err.value).startswith(str(path))


# ---------------------------------------------------------------- fuzzing the loader

def _base_docs() -> list[dict]:
    out = []
    for kw in (dict(data="xor", optimizer="adam", batch_size=2, test_fraction=0.25, seed=3),
               dict(preset="notebook", seed=5),
               dict(data="xor", optimizer="momentum", seed=9)):
        s = open_session(Config(**kw))
        s.run(2)
        if s.batches > 1:
            s.step_update()
        out.append(session_doc(s))
    return out


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**130) | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=4),
    max_leaves=10)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:4]):
            yield from _paths(v, (*prefix, i))


def _mutate(doc, path, value, delete):
    doc = copy.deepcopy(doc)
    if not path:
        return value
    node = doc
    for p in path[:-1]:
        node = node[p]
    if delete and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


def _get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


BASES = _base_docs()
NUMBERS = {id(b): [p for p in _paths(b) if p and type(_get(b, p)) in (int, float)]
           for b in BASES}


@st.composite
def mutated_texts(draw) -> str:
    base = draw(st.sampled_from(BASES))
    text = json.dumps(base)
    how = draw(st.sampled_from(["value", "value", "value", "delete", "bytes", "numbers"]))
    if how in ("value", "delete"):
        path = draw(st.sampled_from(list(_paths(base))))
        doc = _mutate(base, path, draw(JSON), how == "delete")
        return json.dumps(doc)
    if how == "numbers":  # nudge one number: structure intact, values off
        path = draw(st.sampled_from(NUMBERS[id(base)]))
        old = _get(base, path)
        new = draw(st.sampled_from([old + 1, old - 1, -old, old * 1e300, 0]))
        return json.dumps(_mutate(base, path, new, False))
    at = draw(st.integers(0, len(text)))
    if draw(st.booleans()):
        return text[:at]
    return text[:at] + draw(st.text(max_size=3)) + text[at + 1:]


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated_texts())
def test_fuzzed_files_load_or_say_why(fuzz_dir, text):
    path = fuzz_dir / "f.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        s = open_resumed(str(path))
    except UserError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(s, Session)
    try:  # whatever loaded must also train, or say why not
        s.step()
        s.step_update()
    except UserError:
        pass


# ---------------------------------------------------------------- CSV options, format 1

DATA = Path(__file__).parent / "data"


def test_csv_options_round_trip(tmp_path):
    shutil.copy(DATA / "meta_first_line.csv", tmp_path)
    s = make(data=str(tmp_path / "meta_first_line.csv"), no_header=True, skip_rows=1,
             targets=("-1",), loss="ce", drop=("1",), sep=",", decimal=".")
    s.run(2)
    t = resumed(s, tmp_path)
    assert t.config.skip_rows == 1 and t.config.no_header and t.config.drop == ("1",)
    assert t.dataset.classes == ("setosa", "versicolor", "virginica")
    assert_same_record(s.step(), t.step())


def test_format_1_files_still_load(tmp_path):
    """A file saved before CSV options and the test accuracy existed: the missing settings
    take their defaults, the missing history column reads as NaN (not recorded)."""
    s = make(data="circle", test_fraction=0.2)
    s.run(3)
    doc = session_doc(s)
    doc["version"] = 1
    for key in ("features", "drop", "sep", "decimal", "no_header", "skip_rows"):
        del doc["config"][key]
    del doc["history"]["test_accuracy"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc))
    t = open_resumed(str(path))
    assert np.array_equal(t.net.flat, s.net.flat)
    assert np.isnan(t.history.values("test_accuracy")).all()
    assert np.array_equal(t.history.values("loss"), s.history.values("loss"))
    assert_same_record(s.step(), t.step())
    doc["version"] = 2  # the same gaps in a file of the current format are damage
    path.write_text(json.dumps(doc))
    with pytest.raises(UserError, match=r"config\.features"):
        open_resumed(str(path))


def test_format_2_files_still_load(tmp_path):
    """A file saved before L1, lr schedules and two runs: no L1, no schedule."""
    s = make(data="xor", hidden=(3,), seed=2)
    s.run(4)
    doc = session_doc(s)
    doc["version"] = 2
    del doc["base_lr"]
    for key in ("l1", "lr_schedule"):
        del doc["config"][key]
    t = load_doc(tmp_path / "v2.json", doc)
    assert t.config.l1 == 0.0 and t.schedule is None and t.base_lr == t.lr == s.lr
    assert_same_record(s.step(), t.step())


def test_a_schedules_position_is_saved(tmp_path):
    """The lr of the epoch reached and the schedule's base (scaled by hand here) come back,
    and the resumed session goes on as the saved one would have."""
    s = make(data="xor", hidden=(3,), seed=2, lr=0.4, lr_schedule="cosine:12")
    s.run(5)
    s.scale_lr(0.5)
    s.run(2)
    t = resumed(s, tmp_path)
    assert (t.lr, t.base_lr, t.epoch) == (s.lr, s.base_lr, 7)
    s.run(9)
    t.run(9)
    assert s.lr == t.lr and np.array_equal(s.net.flat, t.net.flat)


@pytest.mark.parametrize("schedule", ["cosine:5", "exp:0.01"])
def test_a_schedule_whose_lr_reached_0_resumes(schedule, tmp_path):
    """Cosine ends its half period at lr 0 (and exp underflows to it): the update that led
    to the saved epoch may have had lr 0, and the file still opens, to the bit."""
    s = make(preset="notebook", lr_schedule=schedule)
    s.run(200 if schedule.startswith("exp") else 6)
    assert s.last.lr == 0.0
    t = resumed(s, tmp_path)
    assert t.last is not None and t.last.lr == 0.0
    assert np.array_equal(t.last.dW[0], s.last.dW[0])
    s.step()
    t.step()
    assert_same(s, t)


def test_what_was_changed_by_hand_is_saved_and_undone(tmp_path):
    s = make(preset="notebook")
    s.run(3)
    s.set_lr(0.2)
    s.step()
    s.set_param(1, "b", 0, 0, 0.5)
    t = resumed(s, tmp_path)
    was = s.last.b_after[1][0, 0]
    assert t.hand_changes == s.hand_changes == [
        "epoch 3: lr 0.1 → 0.2", f"epoch 4: b2[0, 0] set to 0.5 (it was {was:g})"]
    s.undo()
    assert s.hand_changes == ["epoch 3: lr 0.1 → 0.2"]
    s.restart()  # the lr stays 0.2: still a change to the configured 0.1, for a program
    assert s.hand_changes == ["epoch 0: lr 0.1 → 0.2, kept on starting over"]
    s.set_lr(0.1)
    s.restart()
    assert s.hand_changes == []


@pytest.mark.parametrize("value, known", [(None, False), ([], True),
                                          (["epoch 1: lr 0.1 → 0.2"], True)])
def test_files_without_a_record_of_hand_changes_load(valid, value, known):
    doc, path = valid
    if value is None:
        del doc["hand_changes"]  # as written before the record existed
    else:
        doc["hand_changes"] = value
    t = load_text(path, json.dumps(doc))
    assert (t.hand_changes is not None) == known
    if known:
        assert t.hand_changes == value


def test_damaged_hand_changes_are_named(valid):
    doc, path = valid
    doc["hand_changes"] = [1, 2]
    with pytest.raises(UserError, match="hand_changes"):
        load_text(path, json.dumps(doc))


# ---------------------------------------------------------------- the update that led here

@pytest.mark.parametrize("where, value, message", [
    ("previous.params", [0.5] * 3, r'"previous.params" should have 25 numbers'),
    ("previous.params", [1e400] * 25, "NaN or infinite"),
    ("previous.lr", -1, '"previous.lr" must be above 0'),
    ("previous.epoch", 0, '"previous" is not the update before the saved position'),
    ("previous.opt_state.t", KeyError, '"opt_state" for adam should hold m, v, t'),
    ("previous.rng", None, '"previous.rng" is missing for mini-batches'),
    ("previous.perm", [0, 0, 1], '"previous.perm" should be a shuffle'),
    ("previous", [], '"previous" should be an object or null'),
    ("edited_best", [1, "x"], '"edited_best" should be'),
])
def test_damaged_previous_update_is_named(valid, where, value, message):
    doc, path = valid
    edit(doc, where, value)
    with pytest.raises(UserError, match=message):
        load_doc(path, doc)


def test_older_files_without_the_previous_update_load_and_say_it_is_not_kept(valid):
    doc, path = valid
    del doc["previous"], doc["edited_best"]  # as written before they were kept
    t = load_text(path, json.dumps(doc))
    v = view(t)
    assert t.last is None and v.t > 0 and not v.last_kept
    t.step()
    assert view(t).last_kept


@pytest.mark.parametrize("name", CONFIGS)
def test_the_update_taken_again_is_the_one_that_led_here(name, tmp_path):
    """After a resume, the record is the one the saved session held, to the bit: its
    gradients, its change and its parameters after (an edit since is not undone)."""
    s = make(**CONFIGS[name])
    s.run(2)
    s.step_update()
    s.set_param(0, "W", 0, 0, 0.25)
    t = resumed(s, tmp_path)
    assert_same_record(s.last, t.last)
    for a, b in zip((*s.last.W_change, *s.last.W_before), (*t.last.W_change,
                                                            *t.last.W_before), strict=True):
        assert np.array_equal(a, b)
    assert t.params()[0] == 0.25 and t.edited_best == s.edited_best is not None


def test_an_edit_never_raises_the_best_so_far(tmp_path):
    """The loss of the parameters an edit replaces counts, though no history holds it; undo
    takes it back with the edit, and a session file keeps it."""
    s = make(preset="notebook")
    s.run(200)
    best = view(s).best_so_far
    s.set_param(0, "W", 0, 0, 0.9)  # worse
    assert view(s).evaluation.loss > best[1] and view(s).best_so_far == best
    s.step()
    assert view(s).best_so_far[1] <= best[1]
    t = resumed(s, tmp_path)
    assert view(t).best_so_far == view(s).best_so_far
    s.undo()
    s.undo()
    assert s.edited_best is None and view(s).best_so_far == best
