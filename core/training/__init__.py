"""A training session: the loop, its evaluation, the undo snapshots, the loss history and the
immutable records every front end draws.

Imports `core.maths`, `core.data` and the vocabulary."""
