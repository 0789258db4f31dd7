"""Modal screens: help, gradient check, settings, the weight editor."""

from pathlib import Path

from textual.await_complete import AwaitComplete
from textual.containers import Container
from textual.screen import ModalScreen


class Frame(Container):
    """What a modal screen's box sits in: every line but the first (the status: epoch, seed,
    lr) and the last (the keys), so the box never covers them, at any size."""

    DEFAULT_CSS = "Frame { margin: 1 0; height: 1fr; width: 1fr; align: center middle; }"


# Their styles, read when the first of them opens rather than before the first frame.
CSS = Path(__file__).with_name("screens.tcss")


class Modal(ModalScreen):
    """A modal screen that closes once. Keys arriving together (escape twice, enter then
    escape) can ask twice before it is gone, and a second dismissal would pop the screen
    below it; so would one from a screen no longer on top."""

    closing = False

    def dismiss(self, result=None) -> AwaitComplete:  # type: ignore[override]
        if self.closing or self.app.screen is not self:
            return AwaitComplete.nothing()
        self.closing = True
        return super().dismiss(result)
