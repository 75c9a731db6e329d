"""The pytest adapter: hooks, fixtures, hookspecs, stash keys, xdist support, live progress.

It knows pytest and nothing of HTTP; the work is done by the run (``_run/``).
"""
