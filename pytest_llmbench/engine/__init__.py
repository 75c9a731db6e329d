"""The engine: every model call on one background event loop, with limits, retries, costs and the budget.

It knows nothing of pytest. Import its modules directly (``engine.core``, ``engine.limits``, ...): this face
imports nothing, so the small helpers here stay cheap to import.
"""
