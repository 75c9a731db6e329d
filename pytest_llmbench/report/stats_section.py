"""The statistics section (``RunSummary.statistics``) of the Markdown and HTML reports: one block appended
after each report's own content, rendered from ``outcome.statistics.lines`` so every report says the same."""

from __future__ import annotations

from html import escape

from pytest_llmbench.outcome.statistics import RunStatistics, lines


def markdown_section(stats: RunStatistics | None) -> list[str]:
    from pytest_llmbench.report._display import md_escape

    text = lines(stats) if stats is not None else []
    if not text:
        return []
    # Escaped line by line, not a code block: model names and categories are untrusted, and Markdown
    # renderers pass raw HTML through even where a code block would seem to hold it.
    out = ["", "### Statistics"]
    for line in text:
        out += [f"- {md_escape(line)}"] if line.startswith("  ") else ["", f"**{md_escape(line)}**", ""]
    return out


def html_panel(stats: RunStatistics | None) -> str:
    text = lines(stats) if stats is not None else []
    if not text:
        return ""
    return ('<section class="panel" id="llmbench-statistics"><h2>Statistics</h2><pre>'
            + escape("\n".join(text)) + "</pre></section>")
