"""Modal screens: help, gradient check, settings, the weight editor."""

from pathlib import Path

# Their styles, read when the first of them opens rather than before the first frame.
CSS = Path(__file__).with_name("screens.tcss")
