"""The imperative shell: Textual app, widgets, screens and the `backprop` command."""
