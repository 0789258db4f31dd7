"""Key mashing: a seeded random sequence of 1,000 keypresses (every binding the app has at
test time, plus random keys), interleaved with resizes between 40×12 and 200×60.

Afterwards: no exception; the epoch the status line shows is the core's epoch; and the core's
parameters equal, bit for bit, those of a replay of the same core calls on a fresh identical
session without any UI. The calls are recorded by a proxy around the app's session, and
around each session `n` and `R` start over in (`fresh`), which `b` may return from.
"""

from __future__ import annotations

import random
import re
import threading
import unicodedata
from collections import Counter
from typing import ClassVar

import numpy as np
import pytest
from textual import events
from textual.app import _character_to_key
from textual.binding import Binding, BindingType
from textual.keys import REPLACED_KEYS, _get_unicode_name_from_key
from textual.message import Message

from core import Config, open_session
from tui.app import BackpropApp
from tui.commands import KEYS
from tui.widgets.status import StatusBar

from .tui_helpers import session_of, view_of, wait_screen, wait_until, workers_done

PRESSES = 1000
# Keys that would end the app; every other binding is fair game.
QUIT = {"q", "ctrl+c", "ctrl+q"}
RANDOM_KEYS = sorted({*"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                      "enter", "tab", "shift+tab", "backspace", "delete", "home", "end",
                      "pageup", "pagedown", "up", "down", "left", "right", "escape", "space",
                      "comma", "full_stop", "slash", "insert"} - QUIT)
# The session methods that change it: recorded with their arguments, replayed in order.
CHANGING = {"step", "step_update", "run", "reset", "restart", "undo", "undo_update", "set_lr",
            "scale_lr", "set_param", "undo_to", "start_from", "fresh", "keep_less"}

CONFIGS = {
    "notebook": Config(preset="notebook", seed=7),
    "2-8-8-1-tanh": Config(data="circle", hidden=(8, 8), activation="tanh",
                           output_activation="sigmoid", loss="bce", seed=11),
}


class Recorder:
    """The session, with every changing call logged (from any thread) as it happens, as
    (which session, method, arguments, result). A session `fresh` makes is recorded too."""

    def __init__(self, session, calls: list | None = None, lock=None, key: int = 0) -> None:
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "calls", [] if calls is None else calls)
        object.__setattr__(self, "_lock", lock or threading.Lock())
        object.__setattr__(self, "key", key)

    def __getattr__(self, name: str):
        value = getattr(self._session, name)
        if name not in CHANGING:
            return value

        def call(*args, **kwargs):
            with self._lock:
                result = value(*args, **kwargs)
                if name == "fresh":
                    result = Recorder(result, self.calls, self._lock, len(self.calls) + 1)
                self.calls.append((self.key, name, args, kwargs, result))
            return result
        return call

    def __setattr__(self, name: str, value) -> None:
        setattr(self._session, name, value)


def replay(config: Config, calls: list) -> dict[int, object]:
    """The same core calls on fresh sessions: what the parameters must be, by session."""
    twins = {0: open_session(config)}
    for key, name, args, kwargs, result in calls:
        s = twins[key]
        if name == "reset":  # a fresh seed is drawn at random: use the one it drew
            s.reset(result)
        elif name == "run" and "stop" in kwargs:  # stopped by the user: as many as it did
            s.run(result.epochs if result.stopped else args[0])
        elif name == "fresh":
            twins[result.key] = s.fresh()
        else:
            getattr(s, name)(*args, **kwargs)
    return twins


# Actions that open a screen over the panes. Each costs about a second of Pilot's time on a
# busy 2-core machine, so the mash leaves them out and `test_screens_open_and_close` covers
# them; keys that might still open one end a chunk, and escape closes what opened.
MODAL_ACTIONS = {"help", "settings", "compare", "edit", "gradcheck", "command_palette"}


def binding_keys() -> list[str]:
    """Every key of the key table (app-wide and main screen) but quitting and screens (a
    command of the palette's alone has no key)."""
    keys = [k.strip() for key in KEYS for k in key.keys.split(",") if k.strip()]
    return sorted(set(keys) - QUIT - modal_keys())


def modal_keys() -> set[str]:
    keys = {"ctrl+p"}
    for key in KEYS:
        if key.action.split("(")[0] in MODAL_ACTIONS:
            keys |= {k.strip() for k in key.keys.split(",")}
    return keys


def key_sequence(seed: int) -> list[str | tuple[int, int]]:
    """Keys (bindings twice as likely as random keys) and, now and then, a new size."""
    rng, bindings = random.Random(seed), binding_keys()
    seq: list[str | tuple[int, int]] = []
    for _ in range(PRESSES):
        if rng.random() < 0.02:
            seq.append((rng.randint(40, 200), rng.randint(12, 60)))
        seq.append(rng.choice(bindings) if rng.random() < 2 / 3 else rng.choice(RANDOM_KEYS))
    return seq


def chunks(seq: list[str | tuple[int, int]]) -> list[list[str] | tuple[int, int]]:
    """Runs of keys pressed in one go, cut after each key that may open a screen, and the
    resizes between them."""
    modal, out, run = modal_keys(), [], []
    for item in seq:
        if isinstance(item, tuple):
            out += [run, item] if run else [item]
            run = []
            continue
        run.append(item)
        if item in modal:
            out.append(run)
            run = []
    return [*out, run] if run else out


async def mash(app: MashApp, pilot, keys: list[str]) -> None:
    """Send a burst of keys as a terminal would, without waiting for a frame after each
    (Pilot's `press` does, which makes 1,000 keys take minutes); then let it all land."""
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        app.post_message(events.Key(key, char))
    await landed(app, pilot)


LANDED = "f24"  # a key the mash never presses


class MashApp(BackpropApp):
    """The app with one more key, which counts itself once every key sent before it has
    been handled: see `landed`."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding(LANDED, "landed", show=False,
                                                     priority=True)]
    landings = 0

    class Landed(Message):
        """Follows the keys: from the widget they went to, up through its parents."""

    def action_landed(self) -> None:
        # A priority binding: the app runs it as it takes the key from its queue, once it
        # has passed every earlier key on (to the focused widget, or the screen). Those keys
        # then bubble up to the app, where the screen's bindings run; this message follows
        # the same way, behind them.
        (self.focused or self.screen).post_message(self.Landed())

    def on_mash_app_landed(self, message: Landed) -> None:
        self.landings += 1


async def landed(app: MashApp, pilot) -> None:
    """Until every key sent so far has been handled, whatever screen took it. (A message to
    a widget that is going away is lost: then the key is sent again, and the wait is for
    that later one.)"""
    count = app.landings
    for _ in range(10):
        app.post_message(events.Key(LANDED, None))
        try:
            await wait_until(pilot, lambda: app.landings > count, timeout=5,
                             what="the keys handled")
            return
        except AssertionError:
            continue
    raise AssertionError("the keys sent were never all handled")


async def settle(app: BackpropApp, pilot) -> None:
    """Stop playing and running; wait until no worker has the session."""
    for _ in range(50):
        if app.stepper.playing:
            await pilot.press("p")
        app.main.action_stop()
        await workers_done(app)
        await pilot.pause()
        if app.stepper.idle and not app.stepper.playing:
            return
    raise AssertionError("the app never came to rest")


def test_the_sequence_uses_every_binding() -> None:
    seq = key_sequence(0)
    assert set(binding_keys()) <= set(seq)
    assert {"s", "r", "n", "R"} <= set(binding_keys())


@pytest.mark.parametrize("name", CONFIGS)
async def test_key_mash(name: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # w, x and ctrl+s write their files here
    config = CONFIGS[name]
    recorder = Recorder(open_session(config))
    app = MashApp(session=recorder)  # type: ignore[arg-type]
    app.stepper.run_epochs = 20  # keeps 1,000 keys quick; the code paths are those of 100
    async with app.run_test(size=(80, 24)) as pilot:
        for item in chunks(key_sequence(seed=list(CONFIGS).index(name))):
            if isinstance(item, tuple):
                await pilot.resize_terminal(*item)
                continue
            await mash(app, pilot, item)
            for _ in range(3):  # a modal screen (help, settings, palette, edit): leave it
                if len(app.screen_stack) == 1:
                    break
                await pilot.press("escape")
                await landed(app, pilot)
            while len(app.screen_stack) > 1:
                app.pop_screen()
                await pilot.pause()
        assert app.is_running
        await settle(app, pilot)
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: app.main.size == (80, 24), what="80×24 again")
        current = session_of(app)
        assert isinstance(current, Recorder)  # the settings form never swapped the session
        session = current._session
        assert view_of(app) is not None and view_of(app).epoch == session.epoch
        shown = re.search(r"Epoch (\d+)", app.query_one(StatusBar).render().plain)
        assert shown is not None and int(shown.group(1)) == session.epoch
        twin = replay(config, recorder.calls)[current.key]
        assert twin.epoch == session.epoch and twin.seed == session.seed
        assert np.array_equal(twin.net.flat, session.net.flat)
        assert twin.lr == session.lr
        names = Counter(c[1] for c in recorder.calls)
        assert {"step", "run"} <= set(names) and len(recorder.calls) >= 50, names


@pytest.mark.parametrize("name", CONFIGS)
async def test_screens_open_and_close(name: str) -> None:
    """The keys the mash leaves out: each opens its screen between steps, escape closes it,
    and the stepper goes on."""
    app = BackpropApp(session=open_session(CONFIGS[name]))
    keys = sorted(modal_keys())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")  # the network pane, where e edits the selected weight
        await wait_until(pilot, lambda: app.main.top == "network", what="the network pane")
        for epoch, key in enumerate(keys * 2, start=1):
            await pilot.press("s")
            await wait_until(pilot, lambda: session_of(app).epoch == epoch,  # noqa: B023
                             what=f"epoch {epoch}")
            await pilot.press(key)
            await wait_until(pilot, lambda: len(app.screen_stack) == 2 and
                             app.screen.is_mounted, what=f"the screen {key} opens")
            await pilot.press("escape")
            await wait_screen(pilot, app)
        await settle(app, pilot)
        assert app.is_running and session_of(app).epoch == 2 * len(keys)
