"""The run as its stages: collect, ask, grade, record, finish; ``BenchSession`` is the thin facade over them.

Imported by the plugin in every pytest run, so nothing here imports heavy modules at module level.
"""
