"""What front ends draw or print, computed from a session: the screen's view, the output
surface, the phases of one update, and `backprop train`'s text.

Imports `core.training` and the layers below it; never a UI library."""
