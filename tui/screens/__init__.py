"""Modal screens: help, gradient check, settings, the weight editor."""

from pathlib import Path

from textual.containers import Container


class Frame(Container):
    """What a modal screen's box sits in: every line but the first (the status: epoch, seed,
    lr) and the last (the keys), so the box never covers them, at any size."""

    DEFAULT_CSS = "Frame { margin: 1 0; height: 1fr; width: 1fr; align: center middle; }"


# Their styles, read when the first of them opens rather than before the first frame.
CSS = Path(__file__).with_name("screens.tcss")
