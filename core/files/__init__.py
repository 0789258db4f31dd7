"""Sessions in and out of files: opening a session from options, weights files, the weights
and history exports, session files (atomic writes, JSON, no pickle).

Imports `core.training` and the layers below it."""
