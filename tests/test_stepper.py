"""The rules of who may change the session when, tested on the stepper alone: no Textual,
no Pilot, no event loop. Each operation returns what the screen should do; these tests read
those outcomes and the core's public state."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

import tui.stepper as stepper_module
from core import Config, load_session, open_session
from tui.stepper import PLAY_SPEEDS, Busy, Job, JobKind, Stepper


def notebook(**kw) -> Stepper:
    return Stepper(open_session(Config(preset="notebook", seed=7, **kw)))


def threaded(**kw) -> Stepper:
    """Every run goes to a thread (sync_work 0), as on a big network."""
    st = Stepper(open_session(Config(preset="notebook", seed=7, **kw)), sync_work=0)
    st.run_epochs = 1000
    return st


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll `condition` (set by another thread) until it holds; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:g} s"
        time.sleep(0.001)


def test_the_stepper_needs_no_textual() -> None:
    code = "import sys, tui.stepper; print(any(m.split('.')[0] in ('textual', 'rich') " \
           "for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    assert out == "False"


def test_nothing_happens_before_the_session_is_open() -> None:
    st = Stepper()
    for outcome in (st.step(), st.run(), st.reset(), st.back(), st.play(),
                    st.change_lr(2), st.gradcheck(), st.save(), st.export()):
        assert not outcome.redraw and outcome.job is None


# ---------------------------------------------------------------- stepping

def test_step_and_run_train_on_the_spot_when_small() -> None:
    st, twin = notebook(), open_session(Config(preset="notebook", seed=7))
    out = st.step()
    assert out.redraw and out.job is None and st.session.epoch == 1
    out = st.run()
    twin.step()
    twin.run(100)
    assert st.session.epoch == 101 and np.array_equal(st.session.net.flat, twin.net.flat)


def test_a_big_run_becomes_a_job_that_owns_the_session() -> None:
    st = threaded()
    out = st.run()
    assert out.job == Job(JobKind.RUN, epochs=1000) and st.busy is Busy.RUNNING
    assert st.progress == (0, 1000)
    # while it runs, nothing else may touch the session: a bell and a note for each key
    for refused in (st.step(), st.reset(), st.restart(), st.back(), st.next_phase(),
                    st.gradcheck(), st.change_lr(2)):
        assert refused.bell and "stop the run" in refused.note and not refused.redraw
    assert st.session.epoch == 0
    forms = (st.set_lr(0.5), st.set_param(0, "W", 0, 0, 1.0, "W1[0,0]"),
             st.use(open_session(Config(seed=1))))
    assert all("training is running" in o.error for o in forms)
    assert st.session.lr == 0.1


def test_costly_progress_frames_are_spaced_out(monkeypatch) -> None:
    """A frame that costs little comes PROGRESS_HZ times a second; one that costs more is
    spaced so that frames take about PROGRESS_SHARE of the run. The run asks with what its
    view cost plus what the screen reported drawing the last frame cost."""
    hz, share = stepper_module.PROGRESS_HZ, stepper_module.PROGRESS_SHARE
    assert stepper_module.progress_period(0.001) == 1 / hz
    assert stepper_module.progress_period(0.15) == pytest.approx(0.15 / share)
    asked = []

    def period(cost: float) -> float:
        asked.append(cost)
        return 0.0

    monkeypatch.setattr(stepper_module, "PROGRESS_HZ", float("inf"))
    monkeypatch.setattr(stepper_module, "progress_period", period)
    st = threaded()
    st.run()
    st.frame_cost = 0.25
    st.run_job(50, lambda *a: None)
    assert asked and all(cost >= 0.25 for cost in asked)


def test_the_job_reports_progress_and_ends_idle(monkeypatch) -> None:
    """A report is due once a period has passed since the last; with a period of 0 (no
    limit on the rate) one follows every chunk, and the chunks stay one epoch long, so every
    epoch but the last is reported, in order, with the view of that epoch."""
    monkeypatch.setattr(stepper_module, "PROGRESS_HZ", float("inf"))
    monkeypatch.setattr(stepper_module, "PROGRESS_SHARE", float("inf"))
    st, twin = threaded(), open_session(Config(preset="notebook", seed=7))
    st.run()
    reports = []
    view, done, halted = st.run_job(1000, lambda v, d, t: reports.append((v.epoch, d, t)))
    assert (done, halted) == (1000, False) and view.epoch == 1000
    assert reports == [(d, d, 1000) for d in range(1, 1000)]
    assert st.show_progress(500, 1000) and st.progress == (500, 1000)
    out = st.finish_run(done, 1000, halted)
    assert st.busy is Busy.IDLE and st.progress is None and out.note == ""
    assert not st.show_progress(1000, 1000)  # a late report is not drawn
    twin.run(1000)
    assert np.array_equal(st.session.net.flat, twin.net.flat)


@pytest.mark.parametrize("stop", ["r", "escape"])
def test_r_or_escape_stops_a_run_within_a_chunk(stop: str) -> None:
    st = threaded()
    st.run_epochs = 10_000_000
    st.run()
    result = {}
    worker = threading.Thread(target=lambda: result.update(
        out=st.run_job(10_000_000, lambda *a: None)))
    worker.start()
    wait_for(lambda: st.session.epoch >= 5, "the run under way")
    assert (st.run() if stop == "r" else st.stop()).job is None
    worker.join(30)
    assert not worker.is_alive()
    _view, done, halted = result["out"]
    assert halted and 0 < done < 10_000_000
    out = st.finish_run(done, 10_000_000, halted)
    assert f"stopped after {done} of 10000000 epochs" == out.note and st.idle


def test_a_stop_before_the_thread_starts_still_ends_the_run() -> None:
    """r then escape in one burst: the worker may start after the stop. It must still end
    (and report), or the stepper would stay RUNNING for ever."""
    st = threaded()
    st.run_epochs = 10_000_000
    st.run()
    st.stop()
    _view, done, halted = st.run_job(10_000_000, lambda *a: None)
    assert halted and done == 0
    st.finish_run(done, 10_000_000, halted)
    assert st.idle
    assert st.step().job == Job(JobKind.RUN, epochs=1)  # free again: the next key is taken


def test_a_divergence_refuses_training_and_names_the_way_back() -> None:
    st = notebook(lr=50)
    out = st.run()
    assert st.diverged and out.redraw  # the status line's DIVERGED line says what to do
    for key in (st.step, st.run, st.next_phase, st.play):
        refused = key()
        assert refused.bell and "b steps back" in refused.note
    assert st.change_lr(0.5).redraw and st.session.lr == 25  # < works while diverged
    best = int(np.argmin(st.session.history.values("loss")))
    out = st.back()  # to the lowest loss before it, keeping the lr just chosen
    assert out.redraw and not st.diverged and "before the divergence" in out.note
    assert st.session.epoch == best and st.session.lr == 25


def test_back_after_a_divergence_skips_the_epochs_that_blew_up() -> None:
    """The loss grew for epochs before it overflowed: b lands where it was lowest."""
    st = notebook()
    st.run()  # a good start: the loss is low at epoch 100
    st.change_lr(2**5)  # then too large a step
    st.run()
    assert st.diverged and st.session.epoch > 100
    losses = st.session.history.values("loss")
    best = int(np.argmin(losses))
    assert best >= 100 and losses[-1] > 1e3 * losses[best]  # it blew up after the best
    st.back()
    assert not st.diverged and st.session.epoch == best and st.session.lr == 3.2
    assert st.session.evaluate().loss == losses[best]  # the same parameters, replayed


def test_following_the_hint_converges() -> None:
    """The remedy the screen names: b back to before it, < until it trains, then step."""
    st = notebook(lr=50)
    st.run()
    assert st.diverged
    for _ in range(100):  # at most one b per epoch trained
        if st.session.epoch == 0:
            break
        assert st.back().redraw
    assert st.session.epoch == 0 and not st.diverged
    for _ in range(8):
        st.change_lr(0.5)
    assert st.session.lr == pytest.approx(50 / 2**8)
    st.run()
    assert not st.diverged and st.session.evaluate().loss < 0.01


def test_n_and_r_start_over_and_say_they_keep_the_lr() -> None:
    st = notebook()
    st.change_lr(2)
    st.run()
    out = st.restart()
    assert out.redraw and st.session.epoch == 0 and st.session.lr == 0.2
    assert out.note == "← restarted (lr kept) · b undoes"
    out = st.reset()
    assert st.session.seed != 7 and st.session.lr == 0.2
    assert out.note == "← left the notebook's weights · b undoes"
    out = st.reset()
    assert out.note == "← new seed (lr kept) · b undoes"


def test_b_undoes_n_r_and_the_settings_form() -> None:
    """Each start-over puts the session in use aside; `b` at the start of the new one goes
    back to it as it was: epoch, weights, settings, history, and its own undo."""
    st = notebook()
    st.run()
    first = st.session
    weights, history = first.params().copy(), first.history.values().copy()
    st.reset()
    st.step()
    st.restart()
    assert st.session.epoch == 0
    out = st.back()
    assert out.note == "← restart undone" and st.session.epoch == 1
    st.back()  # the step
    out = st.back()
    assert out.note == "← new seed undone" and st.session is first
    assert np.array_equal(first.params(), weights)
    assert np.array_equal(first.history.values(), history)
    other = open_session(Config(data="xor", seed=3))
    st.use(other)
    assert st.back().note == "← settings undone"
    assert st.session is first and st.session.config.preset == "notebook"
    assert "back to epoch 99" in st.back().note  # its own undo still works
    assert not st.earlier


def test_q_asks_once_when_progress_would_be_lost(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    st = notebook()
    assert st.quit(asked=False).quit  # nothing to lose: at once
    st.step()
    out = st.quit(asked=False)
    assert not out.quit and out.note == "unsaved: q again quits, w saves"
    assert st.quit(asked=True).quit
    st.save()
    assert st.quit(asked=False).quit  # saved: nothing to lose
    st.step()
    st.reset()  # a session put aside is undo history: quitting ends it, as it ends undo
    assert st.quit(asked=False).quit
    st.back()  # back in it, its unsaved step counts again
    assert not st.quit(asked=False).quit


# ---------------------------------------------------------------- walking and going back

def test_the_phase_walk_commits_at_the_update_and_b_takes_it_back() -> None:
    st = notebook()
    assert st.next_phase().redraw and st.walk is not None and st.walk.phase.key == "forward"
    for _ in range(20):  # a 2-2-1 network's walk has far fewer phases
        if st.walk.at_update:
            break
        st.next_phase()
    assert st.walk.at_update and st.session.epoch == 1  # the update phase committed it
    st.back()
    assert st.session.epoch == 0 and st.walk is not None
    assert st.select_row(1).redraw and st.walk.row == 1
    out = st.leave()
    assert st.walk is None and "left the phase walk" in out.note


def test_anything_else_that_trains_ends_the_walk() -> None:
    st = notebook()
    st.next_phase()
    st.step()
    assert st.walk is None and st.session.epoch == 1


def test_j_without_a_walk_says_how() -> None:
    out = notebook().select_row(1)
    assert out.bell and "press f" in out.note


def test_back_at_the_start_rings_the_bell() -> None:
    out = notebook().back()
    assert out.bell and out.note == "at the start already"


def test_back_names_the_epoch_and_the_lr() -> None:
    st = notebook()
    st.run()
    assert "back to epoch 99" in st.back().note
    st.change_lr(2)
    assert st.back().note == "← lr back to 0.1"


# ---------------------------------------------------------------- play

def test_play_trains_speed_epochs_a_frame_and_pauses() -> None:
    st = notebook()
    assert st.play().redraw and st.playing and "1 epoch per frame" in st.play_text()
    for _ in range(3):
        st.tick()
    assert st.session.epoch == 3
    st.change_speed(1)
    st.change_speed(1)
    assert st.speed == 5 and "5 epochs per frame" in st.play_text()
    st.tick()
    assert st.session.epoch == 8
    st.change_speed(-1)
    st.tick()
    assert st.session.epoch == 10
    assert st.play().note == "paused" and not st.playing
    assert st.tick() == stepper_module.NOTHING and st.session.epoch == 10
    for _ in range(20):
        st.change_speed(1)
    assert st.speed == PLAY_SPEEDS[-1]


def test_play_stops_when_training_diverges() -> None:
    st = notebook(lr=50)
    st.play()
    st.change_speed(2)
    outs = [st.tick() for _ in range(5)]
    assert not st.playing and st.diverged
    assert any("stopped playing: training diverged" in (o.note or "") for o in outs)


def test_lr_pressed_during_a_threaded_frame_of_play_waits_for_the_next_frame() -> None:
    st = threaded()
    st.play()
    out = st.tick()
    assert out.job is not None and st.running
    assert st.change_lr(0.5) == stepper_module.NOTHING and st.session.lr == 0.1
    st.run_job(out.job.epochs, lambda *a: None)
    st.finish_run(out.job.epochs, out.job.epochs, False)
    st.tick()  # the next frame applies it first
    assert st.session.lr == 0.05


def test_keys_that_change_the_session_pause_play() -> None:
    for key in ("back", "next_phase", "reset", "restart", "gradcheck"):
        st = notebook()
        st.play()
        getattr(st, key)()
        assert not st.playing, key


# ---------------------------------------------------------------- the learning rate

def test_lr_keys_refuse_beyond_the_ceiling() -> None:
    st = notebook(lr=800)
    out = st.change_lr(2)
    assert out.bell and "at most 1000" in out.note and st.session.lr == 800


def test_the_forms_set_the_lr_edit_a_weight_and_swap_the_session() -> None:
    st = notebook()
    assert st.set_lr(0.3).redraw and st.session.lr == 0.3
    assert "at most" in st.set_lr(5000).error
    out = st.set_param(0, "W", 0, 1, 5.0, "W1[0,1]")
    assert out.redraw and st.session.net.W[0][0, 1] == 5.0 and "b undoes" in out.note
    assert "within" in st.set_param(0, "W", 0, 1, 1e9, "W1[0,1]").error
    new = open_session(Config(data="xor", seed=3))
    st.next_phase()
    st.play()
    assert st.use(new).redraw and st.session is new and st.walk is None and not st.playing


# ---------------------------------------------------------------- gradient check and files

def test_a_small_gradient_check_is_done_at_once() -> None:
    out = notebook().gradcheck()
    assert out.check is not None and out.check.ok and out.job is None


def test_a_big_gradient_check_is_a_job() -> None:
    st = threaded()
    out = st.gradcheck()
    assert out.job == Job(JobKind.CHECK) and st.busy is Busy.CHECKING
    assert "gradient check" in st.step().note
    assert st.check_job().ok
    st.finish_check()
    assert st.idle


def test_save_writes_a_session_that_resumes(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    st = notebook()
    st.run()
    out = st.save()
    title, text, _ = out.message
    assert title == "Saved" and "backprop --resume backprop-session-" in text
    (path,) = tmp_path.glob("backprop-session-*.json")
    assert load_session(str(path)).epoch == 100


def test_a_long_history_is_saved_by_a_job_and_the_session_waits(tmp_path,
                                                                 monkeypatch) -> None:
    monkeypatch.setattr(stepper_module, "SAVE_SYNC_EPOCHS", 10)
    st = notebook()
    st.save_to = str(tmp_path / "long.json")
    st.run()
    out = st.save()
    assert out.job == Job(JobKind.SAVE, path=st.save_to) and st.busy is Busy.SAVING
    assert "being saved" in st.step().note and st.session.epoch == 100
    assert "being saved" in st.set_lr(0.5).error
    out = st.finish_save(st.save_to, st.save_job(st.save_to))
    assert st.idle and out.message[0] == "Saved"
    assert load_session(st.save_to).epoch == 100


def test_a_program_is_written_by_a_job_that_says_what_it_waits_for(tmp_path,
                                                                   monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    st = notebook()
    job = st.export_code("torch").job
    assert job.kind is JobKind.CODE and job.fmt == "torch" and st.busy is Busy.WRITING_CODE
    for refused in (st.step().note, st.save().note, st.set_lr(0.5).error):
        assert "the program is being written" in refused
    out = st.finish_code(job.path, "torch", st.code_job(job.path, "torch"))
    assert st.idle and out.message[0] == "Exported"
    assert (tmp_path / job.path).read_text().startswith('"""')


def test_files_are_never_written_during_a_run(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    st = threaded()
    st.run()
    for key in (st.save, st.export):
        out = key()
        assert out.bell and "stop it (escape)" in out.message[1]
    assert not list(tmp_path.iterdir())


def test_a_save_error_is_one_message(tmp_path) -> None:
    st = notebook()
    st.save_to = str(tmp_path / "missing" / "s.json")
    out = st.save()
    assert out.bell and out.message[0] == "Not saved" and "no folder" in out.message[1]
