"""The statistics section (``RunSummary.statistics``) of the Markdown and HTML reports: one block appended
after each report's own content, rendered from ``outcome.statistics.lines`` so every report says the same."""

from __future__ import annotations

from html import escape

from pytest_llmbench.outcome.statistics import RunStatistics, lines


def markdown_section(stats: RunStatistics | None) -> list[str]:
    text = lines(stats) if stats is not None else []
    if not text:
        return []
    # A code block: the lines are aligned text, and model names or categories must not be read as Markdown.
    body = "\n".join(text).replace("```", "'''")
    return ["", "### Statistics", "", "```text", body, "```"]


def html_panel(stats: RunStatistics | None) -> str:
    text = lines(stats) if stats is not None else []
    if not text:
        return ""
    return ('<section class="panel" id="llmbench-statistics"><h2>Statistics</h2><pre>'
            + escape("\n".join(text)) + "</pre></section>")
