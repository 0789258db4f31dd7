"""TextStyles: the colours of the text inside the panes and the status line, held once.

Panes and the status line draw Rich `Text`, coloured by names (`up`, `dim`, `key`, …) that
textstyles.tcss defines as component classes: `TextStyles > .pane--up { color: $text-success; }`.
Textual styles every component class of a widget each time it styles that widget; with the
classes on each of seven panes that was a fifth of start-up. One hidden holder has them
instead. It joins the screen after the first frame (which draws no coloured text), and a
new theme restyles it with every other widget, so the panes redraw in the new colours.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.color import Color as RichColor
from rich.style import Style
from textual.color import Color
from textual.css.styles import RenderStyles
from textual.widget import Widget


class TextStyles(Widget):
    """Every text colour, as a component class. It joins the screen just after the first
    frame: styling its classes costs about a tenth of start-up, and the first frame (the
    numbers) can go without colour for the few milliseconds until the next."""

    DEFAULT_CSS = "TextStyles { display: none; }\n" + \
        Path(__file__).with_name("textstyles.tcss").read_text(encoding="utf-8")
    SCOPED_CSS = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "pane--label", "pane--dim", "pane--up", "pane--down", "pane--good", "pane--bad",
        "pane--value", "pane--head", "pane--chart", "pane--mark", "pane--test",
        "pane--pos", "pane--neg", "pane--node", "pane--selected", "pane--runb", "pane--zero",
        "status--key", "status--note", "status--alarm", "status--busy",
        *(f"pane--class{k}" for k in range(6)),
    }

    def __init__(self) -> None:
        super().__init__()
        self._cache: dict[tuple[str, Color, RichColor | None], Style] = {}

    def refresh(self, *regions, **kwargs) -> TextStyles:
        """Textual calls this when the component styles change (a new theme, say)."""
        self._cache.clear()
        return super().refresh(*regions, **kwargs)

    def style_on(self, name: str, background: Color, foreground: RichColor | None) -> Style:
        """The style of `name` for text in a widget with this background and text colour,
        worked out as Textual does for a widget's own component classes: a colour with an
        alpha blended onto the background, `auto` contrasted with it, and the widget's
        colours wherever the class sets none."""
        key = (name, background, foreground)
        if key not in self._cache:
            styles = self.get_component_styles(name)
            own_bg = styles.has_rule("background")
            if own_bg:
                background = background + styles.background
            color = foreground
            if styles.has_rule("color"):
                fg = styles.color
                if styles.has_rule("auto_color") and styles.auto_color:
                    fg = background.get_contrast_text(fg.a)  # `color: auto`, i.e. $text
                color = (background + fg).rich_color
            self._cache[key] = styles.text_style + Style(
                color=color, bgcolor=background.rich_color if own_bg else None)
        return self._cache[key]


def _holder(widget: Widget) -> TextStyles:
    return widget.screen.query_one(TextStyles)


def text_styles(widget: Widget, name: str) -> RenderStyles:
    """The full styles of component class `name`, for colours mixed by hand."""
    return _holder(widget).get_component_styles(name)


class TextStyled:
    """Mixin for a widget that draws Rich Text coloured by TextStyles' names. Each name is
    worked out once per widget and kept until Textual restyles the widget."""

    _text_styles: dict[str, Style] | None = None

    def text_style(self, name: str) -> Style:
        """The style of `name` here; plain text until TextStyles has joined the screen."""
        cache = self._text_styles
        if cache is None:
            cache = self._text_styles = {}
        style = cache.get(name)
        if style is None:
            assert isinstance(self, Widget)
            holders = self.screen.query(TextStyles)
            style = cache[name] = holders.first().style_on(
                name, self.background_colors[1], self.rich_style.color) if holders else Style()
        return style

    def restyle(self) -> None:
        """Forget the styles worked out so far and draw again: TextStyles has joined."""
        self._text_styles = None
        assert isinstance(self, Widget)
        self.refresh()

    def notify_style_update(self) -> None:
        self._text_styles = None
        super().notify_style_update()  # type: ignore[misc]
