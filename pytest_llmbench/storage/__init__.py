"""Persistence: the results database (runs, questions, results, model summaries, catalog, response cache)."""

from pytest_llmbench.storage.cache import DatabaseCache
from pytest_llmbench.storage.db import open_engine
from pytest_llmbench.storage.models import SCHEMA_VERSION
from pytest_llmbench.storage.repository import Repository, RunInfo

__all__ = ["SCHEMA_VERSION", "DatabaseCache", "Repository", "RunInfo", "open_engine"]
