"""Renderers of a finished run: terminal table, JUnit properties, and file reports."""
