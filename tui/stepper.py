"""The rules of who may change the session, and when. No Textual here: the main screen
calls an operation for each key, and each returns an `Outcome` that says what the screen
should do (draw the session again, show a note, ring the bell, start a background job).

One busy state decides everything: while a job (a long run, a gradient check, a save, a
program being written) owns the session in a thread, nothing else may touch it; the screen's
keys get a bell and a note saying what to do instead. Small jobs (the notebook's 100 epochs
take a millisecond) run on the caller's thread and come back with `redraw=True`; big ones
come back with a `job` for the screen to run in a worker, which reports through `run_job`'s
callback and ends with one of the `finish_*` operations, on the UI thread again.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import core
from core.errors import UserError

from .fmt import short
from .phasewalk import PhaseWalk

if TYPE_CHECKING:
    from core.maths.gradcheck import GradCheck
    from core.present.views import SessionView
    from core.training.compare import Comparison
    from core.training.session import Session

RUN_EPOCHS = 100
# Work (rows × parameters × epochs) small enough to do on the UI thread without a visible
# pause; above it a thread runs the epochs and the screen shows progress.
SYNC_WORK = 20_000_000
SAVE_SYNC_EPOCHS = 20_000  # a longer history is saved in a thread (1M epochs: ~3 s)
# Progress frames per second during a threaded run. Each costs the worker a view of the
# session (15 ms on 100,000 rows) and the UI a frame; at 10 a key pressed during a big run
# waited behind them (bench/latency.py: `l` p90 ~100 ms) and the run went 40% slower.
PROGRESS_HZ = 5
# ... and at most this share of a run's time: on big data or a big network a progress frame
# (the worker's view, the screen's drawing) costs tens of milliseconds, and on a 2-core machine
# the drawing competes with the training's BLAS threads, so the frames are spaced out to keep
# their cost near this share (a 16-64-1 net on 20,000 rows: about 2 frames/s instead of 5).
PROGRESS_SHARE = 0.1
# Play: epochs per frame, and frames per second. At 80×24 one frame of the notebook writes
# about 4 KB, so 8 frames/s send about 31 KB/s (bench/bandwidth.py).
PLAY_SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
PLAY_FPS = 8.0
# Sessions a reset or the settings form replaced, kept for `b`: how many, and the undo budget
# each keeps while put aside (the one in use keeps the whole budget).
EARLIER = 4
EARLIER_BUDGET = 32 * 2**20


class Busy(enum.Enum):
    """Who owns the session: nobody but the UI thread, or a job in a thread."""

    IDLE = "idle"
    RUNNING = "running"
    SAVING = "saving"
    CHECKING = "checking"
    WRITING_CODE = "writing code"


# What a key pressed meanwhile is told to wait for (a run is stopped instead).
WAIT_FOR = {
    Busy.SAVING: "the session is being saved",
    Busy.CHECKING: "the gradient check is running",
    Busy.WRITING_CODE: "the program is being written",
}


class JobKind(enum.Enum):
    """What a job in a thread does."""

    RUN = "run"  # train `epochs` epochs
    CHECK = "check"  # the gradient check
    SAVE = "save"  # write the session to `path`
    CODE = "code"  # write the session as a program in format `fmt` to `path`


class Job(NamedTuple):
    """Work for a thread, and what it needs."""

    kind: JobKind
    epochs: int = 0
    path: str = ""
    fmt: str = ""  # CODE: the program's format


class Earlier(NamedTuple):
    """A session (or two runs) a reset or the settings form replaced, for `b` to return to."""

    session: Session | Comparison
    what: str  # what replaced it: "new seed", "restart", "settings"
    unsaved: bool  # it had progress no file holds


class Outcome(NamedTuple):
    """What the screen does after an operation."""

    redraw: bool = False  # take a new view of the session and draw it
    note: str | None = None  # the status line's remark; None leaves it as it is
    bell: bool = False
    job: Job | None = None  # start this in a thread
    error: str | None = None  # a refusal for a form to show beside its field
    check: GradCheck | None = None  # a gradient check done at once, to show
    message: tuple[str, str, str] | None = None  # a notification: (title, text, severity)
    quit: bool = False  # leave the app


NOTHING = Outcome()


def _work(session: Session, epochs: int) -> int:
    """Rows × parameters × epochs: a proxy for how long the epochs will take."""
    return session.dataset.X.shape[0] * session.net.flat.size * epochs


def _opened(opened: Session | Comparison | None) -> tuple[Session | None, Comparison | None]:
    """(run A, the comparison) from what was opened: a session, or two runs."""
    if opened is None or not hasattr(opened, "runs"):
        return opened, None  # type: ignore[return-value]
    return opened.a, opened  # type: ignore[union-attr]


def view_of(opened: Session | Comparison, shown: str = "A") -> SessionView:
    """What the screen draws of what was opened (two runs: the shown one, both in brief)."""
    session, pair = _opened(opened)
    if pair is None:
        return core.view(session)
    from core.present.two_runs import compare_view

    return compare_view(pair, shown)


def progress_period(frame_cost: float) -> float:
    """Seconds between progress frames: PROGRESS_HZ a second, or fewer when a frame costs
    more than PROGRESS_SHARE of that time."""
    return max(1.0 / PROGRESS_HZ, frame_cost / PROGRESS_SHARE)


class Stepper:
    """Owns the session (and a second run to compare, B), the phase walk, play, a pending lr
    change and the busy state. `s`, `r`, `p`, `b`, `n`, `R` and `<`/`>` act on both runs;
    the phase walk, edits, the gradient check and exports on the one shown (`tab`)."""

    def __init__(self, session: Session | Comparison | None = None,
                 run_epochs: int = RUN_EPOCHS, sync_work: int = SYNC_WORK,
                 save_to: str | None = None) -> None:
        self.session, self.pair = _opened(session)
        self.shown = "A"  # the run the weights, gradients and data panes show
        self.run_epochs = run_epochs
        self.sync_work = sync_work
        self.save_to = save_to  # `--save-to`; None: a stamped name in the current folder
        self.busy = Busy.IDLE
        self.walk: PhaseWalk | None = None
        self.playing = False
        self.play_speed = 0  # index into PLAY_SPEEDS
        self.progress: tuple[int, int] | None = None  # (done, total) of a threaded run
        # seconds the screen spent drawing the last progress frame (it reports them)
        self.frame_cost = 0.0
        self._lr_pending = 1.0  # `<`/`>` pressed while a frame of play runs in a thread
        self._stop = threading.Event()
        self.earlier: list[Earlier] = []  # newest last
        # the session as it opened or was last saved: anything else is progress to lose
        self._clean: tuple | None = self._fingerprint()

    # ------------------------------------------------------------------ asking

    @property
    def idle(self) -> bool:
        return self.session is not None and self.busy is Busy.IDLE

    @property
    def running(self) -> bool:
        return self.busy is Busy.RUNNING

    @property
    def runs(self) -> list[Session]:
        """Run A, and run B when comparing."""
        if self.session is None:
            return []
        return [self.session] if self.pair is None else [self.pair.a, self.pair.b]

    @property
    def named_runs(self) -> list[tuple[str, Session]]:
        return list(zip("AB", self.runs, strict=False))

    @property
    def shown_session(self) -> Session | None:
        """The run the panes show: A, or B after `tab`."""
        return self.pair.b if self.pair is not None and self.shown == "B" else self.session

    @property
    def diverged(self) -> bool:
        """No run can train: the one run, or both runs, diverged."""
        return bool(self.runs) and all(s.diverged for s in self.runs)

    @property
    def speed(self) -> int:
        return PLAY_SPEEDS[self.play_speed]

    def view(self) -> SessionView:
        """The session frozen for drawing (only while no thread owns it)."""
        assert self.session is not None
        return view_of(self.pair or self.session, self.shown)

    def _refusal(self) -> Outcome | None:
        """Why the session may not be touched now, as an outcome; None if it may."""
        if self.session is None:
            return NOTHING
        if self.busy is Busy.RUNNING:
            return Outcome(bell=True, note="stop the run first (r or escape)")
        if self.busy is not Busy.IDLE:
            return Outcome(bell=True, note=f"wait: {WAIT_FOR[self.busy]}")
        return None

    def _training_refusal(self) -> Outcome | None:
        """As `_refusal`, and training cannot go on from a diverged state."""
        refused = self._refusal()
        if refused is None and self.diverged:
            return Outcome(bell=True, note="diverged: b steps back, < halves the lr")
        return refused

    # ------------------------------------------------------------------ opening

    def open(self, session: Session | Comparison, unsaved: bool = False) -> None:
        """A new session or two runs (at start-up, a reset, the settings form): nothing of
        the old one's walk or play carries over. As it opens it has nothing to lose, unless
        `unsaved` says it comes back with progress no file holds."""
        self.session, self.pair = _opened(session)
        self.shown = "A"
        self.walk = None
        self.pause()
        self._clean = None if unsaved else self._fingerprint()

    def _put_aside(self, what: str) -> None:
        """Keep the session in use for `b`, with a smaller undo budget, before another
        replaces it."""
        assert self.session is not None
        for run in self.runs:
            run.keep_less(EARLIER_BUDGET)
        self.earlier.append(Earlier(self.pair or self.session, what, self.unsaved_here))
        del self.earlier[:-EARLIER]

    def _fingerprint(self) -> tuple | None:
        """What a save would have to hold of the runs open now: changes to it are progress."""
        if self.session is None:
            return None
        return tuple((id(s), s.t, s.lr, tuple(s.hand_changes or ()), hash(s.net.flat.tobytes()))
                     for s in self.runs)

    @property
    def unsaved_here(self) -> bool:
        """The session in use has changed since it opened or was last saved."""
        return self.session is not None and self._fingerprint() != self._clean

    def quit(self, asked: bool) -> Outcome:
        """`q`: leave at once when the session in use has nothing a file does not hold, or
        when the question was asked (`asked`: it is still on screen); else ask once.
        Sessions a reset put aside count as undo history, which quitting always ends."""
        if asked or not self.unsaved_here:
            self.stop()
            return Outcome(quit=True)
        return Outcome(bell=True, note="unsaved: q again quits, w saves")

    # ------------------------------------------------------------------ training

    def step(self) -> Outcome:
        """`s`: one epoch, the notebook's loop body once."""
        return self.train(1)

    def run(self) -> Outcome:
        """`r`: `run_epochs` epochs; during a threaded run, `r` again stops it."""
        if self.running:
            return self.stop()
        return self.train(self.run_epochs)

    def train(self, epochs: int) -> Outcome:
        refused = self._training_refusal()
        if refused is not None:
            return refused
        assert self.session is not None
        self.walk = None
        if sum(_work(s, epochs) for s in self.runs) > self.sync_work:
            self.busy, self.progress = Busy.RUNNING, (0, epochs)
            self._stop.clear()
            return Outcome(job=Job(JobKind.RUN, epochs=epochs))
        alive = [name for name, s in self.named_runs if not s.diverged]
        try:
            for s in self.runs:
                if s.diverged:
                    continue
                if epochs == 1:
                    s.step()
                else:
                    s.run(epochs)
        except UserError as exc:
            return Outcome(redraw=True, note=str(exc))
        return Outcome(redraw=True, note=self._diverged_note(alive))

    def _diverged_note(self, alive: list[str]) -> str | None:
        """Two runs: which one diverged just now, while the other trains on."""
        if self.pair is None:
            return None
        now = [name for name, s in self.named_runs if name in alive and s.diverged]
        if len(now) == 1 and not self.diverged:
            s = self.runs["AB".index(now[0])]
            return f"run {now[0]} diverged at epoch {s.diverged_at}; the other trains on"
        return None

    def stop(self) -> Outcome:
        """Ask a threaded run to stop; it ends within a chunk and the screen then calls
        `finish_run`. (The worker is never cancelled outright: one cancelled before it
        starts never runs, and nothing would end the RUNNING state.)"""
        if self.running:
            self._stop.set()
        return NOTHING

    def run_job(self, epochs: int, progress: Callable[[SessionView, int, int], None],
                cancelled: Callable[[], bool] = lambda: False) -> tuple[SessionView, int, bool]:
        """In the worker thread: run `epochs` in chunks of about one progress frame each,
        calling `progress(view, done, total)` at most PROGRESS_HZ times a second. Returns
        the final view, the epochs done and whether the user stopped it."""
        session = self.session
        assert session is not None and self.running

        def stopped() -> bool:
            return cancelled() or self._stop.is_set()

        period = 1.0 / PROGRESS_HZ
        done, chunk, posted = 0, 1, time.monotonic()
        while done < epochs and not stopped():
            started = time.monotonic()
            ran, halted = self._run_all(min(chunk, epochs - done), stopped)
            done += ran
            if halted or self.diverged:
                break
            took = max(time.monotonic() - started, 1e-6)
            chunk = max(1, min(chunk * 4, int(max(ran, 1) * period / took)))
            if done < epochs and time.monotonic() - posted >= period:
                viewing = time.monotonic()
                progress(self.view(), done, epochs)
                posted = time.monotonic()
                period = progress_period(posted - viewing + self.frame_cost)
        halted = done < epochs and not self.diverged
        return self.view(), done, halted

    def _run_all(self, epochs: int, stop: Callable[[], bool]) -> tuple[int, bool]:
        """`epochs` for every run that can train: the first polls `stop`, the others then
        train as many epochs as it did (or all of them, if it diverged), so that stopping
        leaves both runs at the same epoch. (epochs done, stopped by the user)"""
        done, first, halted = epochs, True, False
        for s in self.runs:
            if s.diverged:
                continue
            if first:
                result = s.run(epochs, stop=stop)
                halted = result.stopped
                done = result.epochs if result.diverged_at is None else epochs
                first = False
            elif done:
                s.run(done)
        return done, halted

    def show_progress(self, done: int, total: int) -> bool:
        """A progress report arrived: True if it is still worth drawing."""
        if not self.running:
            return False
        self.progress = (done, total)
        return True

    def finish_run(self, done: int, total: int, halted: bool) -> Outcome:
        """The threaded run ended (completed, stopped or diverged): the session is free."""
        self.busy, self.progress = Busy.IDLE, None
        if halted:
            return Outcome(note=f"stopped after {done} of {total} epochs")
        return Outcome(note="")

    # ------------------------------------------------------------------ starting over

    def reset(self) -> Outcome:
        """`n`: a new random seed, new starting weights, epoch 0 (the lr stays); both runs
        take the new seed. Preset or file weights give way to drawn ones, and the note says
        so."""
        refused = self._refusal()
        if refused is not None:
            return refused
        assert self.session is not None
        cfg = self.session.config
        given = "" if self.session.uses_seed else f"the {cfg.preset}'s weights" \
            if cfg.preset else f"{(cfg.weights or 'the given').rsplit('/', 1)[-1]} weights"
        new = self._fresh()
        new.reset()
        both = ", both runs" if self.pair is not None else ""
        if given:  # the preset's (or a file's) weights give way to drawn ones: say so
            return self._start_over(new, "new seed", f"← left {given}{both} · b undoes")
        return self._start_over(new, "new seed", f"← new seed{both} (lr kept) · b undoes")

    def restart(self) -> Outcome:
        """`R`: the same seed and starting weights again, epoch 0 (the lr stays)."""
        refused = self._refusal()
        if refused is not None:
            return refused
        assert self.session is not None
        both = ", both runs" if self.pair is not None else ""
        return self._start_over(self._fresh(), "restart",
                                f"← restarted{both} (lr kept) · b undoes")

    def _fresh(self) -> Session | Comparison:
        """What is open now, again at epoch 0 (the same seed, weights and lr): new objects,
        so the ones in use can be put aside for `b`."""
        assert self.session is not None
        if self.pair is None:
            return self.session.fresh()
        from core.training.compare import Comparison

        return Comparison(self.pair.a.fresh(), self.pair.b.fresh(), self.pair.text)

    def _start_over(self, new: Session | Comparison, what: str, note: str) -> Outcome:
        """Put what is open aside for `b` and carry on in `new`."""
        self._put_aside(what)
        self.open(new)
        return Outcome(redraw=True, note=note)

    def _back_to_earlier(self) -> Outcome:
        """`b` at the start of a session that a reset or the settings form opened: back to
        the session (or two runs) it replaced, as it was (epoch, weights, settings,
        history)."""
        earlier = self.earlier.pop()
        self.open(earlier.session, unsaved=earlier.unsaved)
        return Outcome(redraw=True, note=f"← {earlier.what} undone")

    # ------------------------------------------------------------------ going back

    def back(self) -> Outcome:
        """`b`: one phase back while walking; else undo the last epoch (or lr change or
        edit), restoring parameters, optimiser state, history and RNG bit for bit."""
        self.pause()
        refused = self._refusal()
        if refused is not None:
            return refused
        if self.walk is not None:
            shown = self.shown_session
            assert shown is not None
            if self.walk.back(shown):
                return Outcome(redraw=True)
            self.walk = None
            return Outcome(redraw=True, note="← left the phase walk")
        if self.earlier and not any(s.can_undo or s.diverged for s in self.runs):
            return self._back_to_earlier()  # at the start of what a reset opened
        if self.pair is None:
            assert self.session is not None
            return self._back_one(self.session)
        outcomes = [(name, self._back_one(s)) for name, s in self.named_runs]
        return Outcome(redraw=any(o.redraw for _, o in outcomes),
                       bell=all(o.bell for _, o in outcomes),
                       note="; ".join(f"{name}: {o.note}" for name, o in outcomes if o.note))

    def _back_one(self, session: Session) -> Outcome:
        """`b` for one run: undo its last epoch (or lr change or edit), or after its
        divergence go back to before it."""
        if session.diverged:
            return self._back_from_divergence(session)
        base = session.base_lr
        if not session.undo():
            note = "nothing older is kept" if session.epoch else "at the start already"
            return Outcome(bell=True, note=note)
        if session.base_lr != base:
            return Outcome(redraw=True, note=f"← lr back to {short(session.base_lr, 6)}")
        batch = f", batch {session.batch}/{session.batches}" if session.batch else ""
        return Outcome(redraw=True, note=f"← back to epoch {session.epoch}{batch}")

    def _back_from_divergence(self, session: Session) -> Outcome:
        """`b` after a divergence goes back to before it went wrong: to the epoch with the
        lowest loss logged before it. One epoch back is no remedy: the weights had grown for
        several epochs before the loss overflowed, and from there a smaller lr diverges too.
        The lr stays the one set now (an lr lowered after the divergence is kept; with a
        schedule, its base)."""
        best, lr = session.history.best("loss"), session.base_lr
        if best is not None and session.undo_to(best[0]):
            if session.base_lr != lr:
                session.set_lr(lr)
            return Outcome(redraw=True, note=f"← back to epoch {session.epoch}, the lowest "
                           f"loss before the divergence; lr {short(session.lr, 6)}")
        if not session.undo():
            return Outcome(bell=True, note="nothing older is kept: n or R start over")
        return Outcome(redraw=True, note=f"← back to epoch {session.epoch}")

    # ------------------------------------------------------------------ the phase walk

    def next_phase(self) -> Outcome:
        """`f`: the next phase of the update being walked; the first `f` starts a walk at
        its forward pass. The parameters change only when the walk enters the update."""
        self.pause()
        refused = self._training_refusal()
        shown = self.shown_session
        if refused is None and shown is not None and shown.diverged:
            refused = Outcome(bell=True, note=f"run {self.shown} diverged: b steps back")
        if refused is not None:
            return refused
        assert shown is not None
        if self.walk is None:
            self.walk = PhaseWalk.start(shown)
            return Outcome(redraw=True) if self.walk is not None else Outcome(bell=True)
        if self.walk.forward(shown):
            self.walk = None
            return Outcome(redraw=True, note="the update diverged: b steps back")
        return Outcome(redraw=True)

    def select_row(self, step: int) -> Outcome:
        """`j`/`k`: follow another row of the batch through the phases."""
        if self.walk is None:
            return Outcome(bell=True, note="j/k pick a row during a phase walk: press f")
        self.walk.select(step)
        return Outcome(redraw=True)

    def leave(self) -> Outcome:
        """escape with no run to stop: leave the phase walk, or pause."""
        if self.walk is not None:
            self.walk = None
            return Outcome(redraw=True, note="← left the phase walk")
        if self.pause():
            return Outcome(redraw=True, note="paused")
        return NOTHING

    def sync_walk(self, view: SessionView) -> PhaseWalk | None:
        """After every redraw: end the walk if something else moved the session, and take
        the update again if an edit or an lr change altered it. The walk, if it goes on."""
        walk = self.walk
        if walk is not None and (self.busy is not Busy.IDLE or not walk.in_sync(view) or (
                walk.stale(view) and not walk.refresh(self.shown_session))):
            self.walk = walk = None
        return walk

    # ------------------------------------------------------------------ play

    def play(self) -> Outcome:
        """`p`: play epochs continuously, `speed` epochs per frame, or pause."""
        if self.pause():
            return Outcome(redraw=True, note="paused")
        refused = self._training_refusal()
        if refused is not None:
            return refused
        self.walk = None
        self.playing = True
        self._stop.clear()
        return Outcome(redraw=True, note="")

    def tick(self) -> Outcome:
        """One frame of play: `speed` epochs, then one redraw (a big network runs them in
        a thread, and ticks are skipped until it is done)."""
        if not self.playing or self.busy is not Busy.IDLE:
            return NOTHING
        if self._stop.is_set():  # escape or r stopped a threaded frame
            self.pause()
            return Outcome(redraw=True, note="paused")
        if self._lr_pending != 1.0:
            factor, self._lr_pending = self._lr_pending, 1.0
            changed = self.change_lr(factor)
            if changed.bell:
                self.pause()
                return changed
        outcome = self.train(self.speed)
        if self.diverged:
            self.pause()
            return Outcome(redraw=True, note="stopped playing: training diverged")
        return outcome

    def pause(self) -> bool:
        """Stop playing; True if it was playing. A frame running in a thread stops too."""
        if not self.playing:
            return False
        self.playing = False
        self.stop()
        return True

    def change_speed(self, step: int) -> Outcome:
        """`+`/`]` and `-`/`[`: more or fewer epochs per frame (1, 2, 5, 10, … 1000)."""
        self.play_speed = min(max(self.play_speed + step, 0), len(PLAY_SPEEDS) - 1)
        n = self.speed
        if self.playing:
            return Outcome(redraw=True, note="")
        return Outcome(note=f"play speed: {n} epoch{'s' if n > 1 else ''} per frame (p plays)")

    def play_text(self) -> str:
        """What the status line says while playing."""
        n = self.speed
        return (f"{n} epoch{'s' if n > 1 else ''} per frame, {PLAY_FPS:g} frames/s "
                "(+/- speed, </> lr, p pauses)")

    # ------------------------------------------------------------------ the learning rate

    def change_lr(self, factor: float) -> Outcome:
        """`<`/`>`: halve or double the learning rate, live: the next update uses it, and
        `b` takes it back. During a threaded frame of play it waits for the next frame."""
        if self.session is None:
            return NOTHING
        if self.running and self.playing:
            self._lr_pending *= factor
            return NOTHING
        refused = self._refusal()
        if refused is not None:
            return refused
        old = [s.lr for s in self.runs]
        done: list[Session] = []
        try:
            for s in self.runs:
                if s.schedule is None:
                    s.set_lr(s.lr * factor)
                else:  # the schedule's base, and this epoch's lr with it
                    s.scale_lr(factor)
                done.append(s)
        except UserError as exc:
            for s in done:  # both runs or neither
                s.undo()
            return Outcome(bell=True, note=str(exc))
        moves = [f"{short(lr, 6)} → {short(s.lr, 6)}" for lr, s in zip(old, self.runs,
                                                                       strict=True)]
        if self.pair is None:
            return Outcome(redraw=True, note=f"lr {moves[0]}")
        return Outcome(redraw=True, note=f"lr A {moves[0]}, B {moves[1]}")

    def set_lr(self, lr: float) -> Outcome:
        """The settings form changed only the learning rate: live, on the same session."""
        refused = self._form_refusal()
        if refused is not None:
            return refused
        assert self.session is not None
        try:
            self.session.set_lr(lr)
        except UserError as exc:
            return Outcome(error=str(exc))
        return Outcome(redraw=True, note=f"← lr {lr:g}")

    # ------------------------------------------------------------------ editing

    def _form_refusal(self) -> Outcome | None:
        """A form's change waits for the session to be free; the form says so."""
        if self.idle:
            return None
        what = "training is running: close this, stop it (r or escape)" if self.running \
            else WAIT_FOR.get(self.busy, "the session is not open yet")
        return Outcome(error=f"{what}, then apply again")

    def set_param(self, layer: int, kind: str, i: int, j: int, value: float,
                  name: str) -> Outcome:
        """`e` in the network pane: set one weight or bias by hand (`b` undoes it)."""
        refused = self._form_refusal()
        if refused is not None:
            return refused
        shown = self.shown_session
        assert shown is not None
        try:
            shown.set_param(layer, kind, i, j, value)
        except UserError as exc:
            return Outcome(error=str(exc))
        which = f" in run {self.shown}" if self.pair is not None else ""
        return Outcome(redraw=True, note=f"← {name} = {value:g}{which} (b undoes)")

    def use(self, session: Session) -> Outcome:
        """The settings form opened a new session: swap it in, unless a job owns the old."""
        refused = self._form_refusal()
        if refused is not None:
            return refused
        note = ["← applied · b undoes", *session.dataset.notices]
        opened: Session | Comparison = session
        if self.pair is not None:  # B follows: the new settings with B's changes on top
            from .options import compare_given

            try:
                opened = core.open_compare(session, compare_given(self.pair.text),
                                           self.pair.text)
            except (UserError, ValueError) as exc:
                note.append(f"run B dropped: {exc}")
        self._put_aside("settings")
        self.open(opened)
        return Outcome(redraw=True, note="; ".join(note))

    # ------------------------------------------------------------------ two runs

    def switch_run(self) -> Outcome:
        """`tab`: the weights, gradients and data panes show the other run."""
        if self.pair is None:
            return Outcome(bell=True, note="one run: C sets up a run B to compare with")
        self.shown = "B" if self.shown == "A" else "A"
        self.walk = None
        words = "as given" if self.shown == "A" else self.pair.label
        return Outcome(redraw=True, note=f"showing run {self.shown} ({words})")

    def compare_with(self, pair: Comparison) -> Outcome:
        """The form for run B opened one: both runs start at epoch 0, A from its seed and
        starting weights as `R` would."""
        refused = self._form_refusal()
        if refused is not None:
            return refused
        assert self.session is not None and pair.a is self.session
        self.pause()
        self.walk = None
        restarted = self.session.epoch or self.session.batch
        if restarted:
            self.session.restart()
        self.pair = pair
        self.shown = "B"
        start = "; A restarted, so both start at epoch 0" if restarted else ""
        return Outcome(redraw=True, note=f"← run B: {pair.label}{start} (tab: A/B, D drops B)")

    def drop_compare(self) -> Outcome:
        """`D`: back to one run, A."""
        refused = self._refusal()
        if refused is not None:
            return refused
        if self.pair is None:
            return Outcome(bell=True, note="there is no run B to drop (C sets one up)")
        self.pair, self.shown, self.walk = None, "A", None
        return Outcome(redraw=True, note="← run B dropped")

    # ------------------------------------------------------------------ the gradient check

    def gradcheck(self) -> Outcome:
        """`g`: finite differences against backprop at the current parameters. A big
        network is checked in a thread, and nothing else may change it meanwhile."""
        self.pause()
        refused = self._refusal()
        if refused is not None:
            return refused
        shown = self.shown_session
        assert shown is not None
        self.walk = None
        if _work(shown, 4 * shown.net.flat.size) <= self.sync_work:
            return Outcome(check=core.check_session(shown))
        self.busy = Busy.CHECKING
        return Outcome(job=Job(JobKind.CHECK))

    def check_job(self) -> GradCheck:
        """In the worker thread."""
        assert self.shown_session is not None and self.busy is Busy.CHECKING
        return core.check_session(self.shown_session)

    def finish_check(self) -> None:
        self.busy = Busy.IDLE

    # ------------------------------------------------------------------ files

    def save(self, now: datetime | None = None) -> Outcome:
        """`w`: write the session (`--save-to`, or a stamped name here). A long history is
        written in a thread that owns the session until it is done."""
        refused = self.file_refusal("w")
        if refused is not None:
            return refused
        assert self.session is not None
        path = self.save_to or core.default_session_name(now or datetime.now())
        if len(self.session.history) > SAVE_SYNC_EPOCHS:
            self.busy = Busy.SAVING
            epochs = len(self.session.history)
            return Outcome(job=Job(JobKind.SAVE, path=path),
                           note=f"saving {epochs} epochs to {path}…")
        error = self.save_job(path)
        if error is None:
            self._clean = self._fingerprint()
        return self.saved(path, error)

    def save_job(self, path: str) -> UserError | None:
        """Write the session; in a thread for a long history. A user's error is returned,
        not raised, so a thread can hand it back."""
        assert self.session is not None
        try:
            core.save_session(self.session, path, self.pair)
        except UserError as exc:
            return exc
        return None

    def finish_save(self, path: str, error: UserError | None) -> Outcome:
        self.busy = Busy.IDLE
        if error is None:
            self._clean = self._fingerprint()
        saved = self.saved(path, error)
        return Outcome(note="", bell=saved.bell, message=saved.message)

    @staticmethod
    def saved(path: str, error: UserError | None) -> Outcome:
        if error is not None:
            return Outcome(bell=True, message=("Not saved", str(error), "error"))
        return Outcome(message=("Saved", f"Session saved to {path}\nreopen it with:\n"
                                f"backprop --resume {path}", "information"))

    def export(self, folder: str = ".", now: datetime | None = None) -> Outcome:
        """`x`: the weights in the `--weights` schema and the loss history as CSV."""
        refused = self.file_refusal("x")
        if refused is not None:
            return refused
        assert self.shown_session is not None
        try:
            paths = core.export(self.shown_session, folder, now or datetime.now())
        except UserError as exc:
            return Outcome(bell=True, message=("Not saved", str(exc), "error"))
        return Outcome(message=("Exported", "\n".join(paths), "information"))

    def export_code(self, fmt: str, now: datetime | None = None) -> Outcome:
        """`x` then n, j or t: the session as a program (a NumPy script, a notebook, a
        PyTorch script), written in a thread that owns the session until it is done."""
        refused = self.file_refusal("x")
        if refused is not None:
            return refused
        path = core.default_code_name(fmt, now or datetime.now())
        self.busy = Busy.WRITING_CODE
        return Outcome(job=Job(JobKind.CODE, path=path, fmt=fmt), note=f"writing {path}…")

    def code_job(self, path: str, fmt: str) -> UserError | None:
        """In the worker thread: write the program; a user's error is returned."""
        assert self.shown_session is not None
        try:
            core.export_code(self.shown_session, fmt, path)
        except UserError as exc:
            return exc
        return None

    def finish_code(self, path: str, fmt: str, error: UserError | None) -> Outcome:
        self.busy = Busy.IDLE
        if error is not None:
            return Outcome(bell=True, note="", message=("Not saved", str(error), "error"))
        run = f"jupyter notebook {path}" if fmt == "notebook" else f"python {path}"
        return Outcome(note="", message=("Exported", f"{path}\nrun it with:\n{run}",
                                         "information"))

    def file_refusal(self, key: str) -> Outcome | None:
        """Files are written from a session nobody else is changing: never during a run."""
        refused = self._refusal()
        if refused is not None and self.running:
            return Outcome(bell=True, note=refused.note, message=(
                "Not saved", f"A run is going: stop it (escape), then press {key} again.",
                "warning"))
        return refused
