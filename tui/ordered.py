"""Keys a form takes in the order they were typed.

Textual posts a character to the focused field's queue, while an editing key (backspace,
the arrows, enter) or tab comes back to the app's queue to be matched with its binding: the
two queues run in turn, so keys that arrive together (a paste, a burst over a slow SSH link)
can be handled out of order. `0.1`, backspace × 3, `0.37`, enter once applied an empty lr,
and a digit typed after tab could land in the field before. A screen that defines
`take_key(event) -> bool` is handed each key at once, in the app's own queue, in the order
the terminal sent them; what it does not take goes the usual way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import events
from textual.widget import Widget


class KeysInOrder:
    """App mixin: keys go to the top screen's `take_key` first, in order."""

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            take: Callable[[events.Key], Awaitable[bool]] | None = \
                getattr(self.screen, "take_key", None)  # type: ignore[attr-defined]
            if take is not None:
                if await self._check_bindings(event.key, priority=True):  # type: ignore
                    return  # ctrl+c still quits at once
                if await take(event):
                    return
        await super().on_event(event)  # type: ignore[misc]


def actions(widget: Widget) -> dict[str, str]:
    """{key: action} of a widget's own bindings (an Input's backspace, arrows, home, end)."""
    out = {}
    for binding in type(widget).BINDINGS:
        if isinstance(binding, tuple):
            key, action = binding[0], binding[1]
        else:
            key, action = binding.key, binding.action
        for k in key.split(","):
            out.setdefault(k.strip(), action)
    return out
