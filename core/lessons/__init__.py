"""Lessons: narrated steps on a live session, questions checked against it, worked answers.

The top layer of the core. A lesson file (TOML, see `format`) names quantities; the core
gives their values (`quantities`) and their worked computations (`worked`); the checker
validates a lesson against a session opened from its setup, and can run it headless. Front
ends decide only how a lesson looks and which keys it uses.
"""
