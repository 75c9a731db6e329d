"""The report's per-question table and item transcripts: sortable, filterable, paged, fast on big runs.

Rows are rendered here (escaped) and all sent, but only the first page is shown; the script pages, sorts and
filters by hiding and re-ordering them, so a 10,000-item run lays out 100 rows, not 10,000. Replies in the
table are cut at ``CELL_CHARS``; the transcript data (``transcripts``) keeps ``REPLY_CHARS`` of each reply, so
a run of 1 MB replies does not put 100 MB into one file (the viewer shows the whole text).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import Any
from urllib.parse import urlencode

from pytest_llmbench.report import fmt
from pytest_llmbench.report.model import QuestionRow, ReportData
from pytest_llmbench.types import Outcome, ResultRecord

#: Characters of a reply shown in a table cell.
CELL_CHARS = 280
#: Characters of a reply (and of each message) kept for the transcript in a static report.
REPLY_CHARS = 20_000
#: Rows per page of the question table (the script's page size is the same number).
PAGE_ROWS = 100

#: An item's link: given the record's index in ``ReportData.records``, where its transcript is.
ItemHref = Callable[[int], str]


#: C0 controls (but tab, newline, carriage return), DEL and C1 controls become visible "control pictures" or
#: U+FFFD: a reply may hold any byte, and a browser would drop, mis-render or (NUL) replace them silently.
_CONTROLS = {c: 0x2400 + c for c in range(32) if c not in (9, 10, 13)} | {0x7F: 0x2421} | {
    c: 0xFFFD for c in range(0x80, 0xA0)}


def clean(text: str) -> str:
    return text.translate(_CONTROLS)


def esc(text: str | None) -> str:
    """Untrusted text for an HTML text or attribute position."""
    return escape(clean(text or ""))


def benchmark_of(record: ResultRecord) -> str:
    """The benchmark test an item belongs to: its node id without the parameters ("" when it has none)."""
    return record.nodeid.split("[", 1)[0]


def benchmarks(records: Sequence[ResultRecord]) -> list[str]:
    return [b for b in dict.fromkeys(benchmark_of(r) for r in records) if b]


def cut(text: str, limit: int) -> tuple[str, int]:
    """``text`` cut to ``limit`` characters, and how many were left out."""
    return (text, 0) if len(text) <= limit else (text[:limit], len(text) - limit)


def verdict(r: ResultRecord | None) -> tuple[str, str]:
    if r is None:
        return "v-skip", "not asked"
    if r.outcome is Outcome.ERROR:
        return "v-error", "error"
    if r.outcome is Outcome.SKIPPED or r.correct is None:
        return "v-skip", "skipped"
    return ("v-correct", "correct") if r.correct else ("v-wrong", "wrong")


#: Sort rank of a verdict (the model columns sort by it, then by latency).
_RANK = {"v-correct": 0, "v-wrong": 1, "v-error": 2, "v-skip": 3}


def item_facts(r: ResultRecord) -> list[tuple[str, str]]:
    """The measured facts of an item as (label, text); "not recorded" where the run did not store it."""

    def known(value: object, shown: str | None = None) -> str:
        return "not recorded" if value is None else (shown if shown is not None else str(value))

    tokens = (
        "not recorded"
        if r.prompt_tokens is None and r.completion_tokens is None
        else f"{r.prompt_tokens if r.prompt_tokens is not None else '?'} in / "
        f"{r.completion_tokens if r.completion_tokens is not None else '?'} out"
    )
    return [
        ("latency", known(r.latency_ms, fmt.ms(r.latency_ms))),
        ("time to first token", known(r.ttft_ms, fmt.ms(r.ttft_ms))),
        ("tokens", tokens),
        ("cost", known(r.cost_usd, fmt.usd(r.cost_usd, r.cost_estimated))),
        ("grading cost", fmt.usd(r.grade_cost_usd)),
        ("attempts", str(r.attempts)),
        ("finish reason", known(r.finish_reason)),
        ("served model", known(r.served_model)),
        ("provider", known(r.provider)),
        ("generation id", known(r.generation_id)),
        ("from cache", "yes" if r.cached else "no"),
        ("simulated", "yes" if r.simulated else "no"),
    ]


def transcripts(data: ReportData) -> list[dict[str, Any]]:
    """Per record (same index as ``data.records``): what the transcript panel shows, replies cut."""
    out = []
    for r in data.records:
        reply, reply_cut = cut(clean(r.response_text), REPLY_CHARS)
        messages = None
        if r.messages is not None:
            messages = []
            for m in r.messages:
                content = m.get("content")
                text = content if isinstance(content, str) else repr(content)
                shown, left = cut(clean(text), REPLY_CHARS)
                messages.append({"role": str(m.get("role", "?")), "content": shown, "cut": left})
        out.append({
            "model": r.model, "key": r.question_key, "repeat": r.repeat, "clue": r.clue, "answer": r.answer,
            "verdict": verdict(r)[1], "grader": r.grader, "method": r.grade_method, "reason": r.explanation,
            "matched": r.matched, "score": r.score, "reply": reply, "cut": reply_cut, "error": r.error,
            "messages": messages, "judges": r.judges, "facts": item_facts(r), "bench": benchmark_of(r),
        })
    return out


@dataclass(frozen=True, slots=True)
class TableView:
    """The viewer's question table, filtered, sorted and paged on the server (a static file does it in the
    page): only one page of rows is rendered and sent, whatever the size of the run."""

    search: str = ""
    flag: str = "all"
    bench: str = ""
    sort: int | None = None  # column index
    descending: bool = False
    page: int = 0

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> TableView:
        sort = re.fullmatch(r"(\d+)([ad])", query.get("s", ""))
        page = query.get("p", "")
        flag = query.get("f", "all")
        return cls(
            search=query.get("q", "").strip(), flag=flag if flag in _FLAGS else "all", bench=query.get("b", ""),
            sort=int(sort.group(1)) if sort else None, descending=bool(sort and sort.group(2) == "d"),
            page=int(page) if page.isdigit() else 0,
        )

    def href(self, **changes: Any) -> str:
        view = replace(self, **changes)
        values = {"q": view.search, "f": "" if view.flag == "all" else view.flag, "b": view.bench,
                  "s": "" if view.sort is None else f"{view.sort}{'d' if view.descending else 'a'}",
                  "p": str(view.page) if view.page else ""}
        return "?" + urlencode({k: v for k, v in values.items() if v})


_FLAGS = ("all", "disagree", "allwrong", "errors")
_FLAG_LABELS = ("All questions", "Models disagree", "Every model wrong", "Errors and skips")


@dataclass(frozen=True, slots=True)
class _Entry:
    question: QuestionRow
    flags: dict[str, bool]
    bench: str


def _entries(data: ReportData) -> list[_Entry]:
    out = []
    for q in data.questions():
        graded = [r.correct for r in q.by_model.values() if r.correct is not None]
        flags = {
            "disagree": len(set(graded)) > 1,
            "allwrong": bool(graded) and not any(graded),
            "errors": any(r.outcome in (Outcome.ERROR, Outcome.SKIPPED) for r in q.by_model.values()),
        }
        out.append(_Entry(q, flags, next((b for r in q.by_model.values() if (b := benchmark_of(r))), "")))
    return out


def _shown_text(r: ResultRecord) -> str:
    return r.response_text if r.outcome not in (Outcome.ERROR, Outcome.SKIPPED) else (r.error or "")


def _cell_key(r: ResultRecord | None) -> str:
    return "9" if r is None else f"{_RANK[verdict(r)[0]]}{(r.latency_ms or 0):012.1f}"


def _select_view(entries: list[_Entry], models: Sequence[str], several: bool, view: TableView) -> list[_Entry]:
    needle = view.search.lower()
    kept = [
        e for e in entries
        if (view.flag == "all" or e.flags.get(view.flag))
        and (not view.bench or e.bench == view.bench)
        and (not needle or needle in " ".join(
            [e.question.category or "", e.question.clue, e.question.key, e.question.answer]
            + [_shown_text(r) for r in e.question.by_model.values()]).lower())
    ]
    if view.sort is not None:
        columns: list[Callable[[_Entry], str]] = [lambda e: e.bench.lower()] if several else []
        columns += [lambda e: (e.question.category or "").lower(), lambda e: e.question.clue.lower(),
                    lambda e: e.question.answer.lower()]
        columns += [lambda e, m=m: _cell_key(e.question.by_model.get(m)) for m in models]  # type: ignore[misc]
        if view.sort < len(columns):
            kept.sort(key=columns[view.sort], reverse=view.descending)
    return kept


def questions_table(
    data: ReportData, colours: dict[str, str], item_href: ItemHref, view: TableView | None = None
) -> str:
    """The table; with ``view`` (the viewer) only its page of rows, filtered and sorted here."""
    index = {id(r): i for i, r in enumerate(data.records)}
    benches = benchmarks(data.records)
    several = len(benches) > 1
    entries = _entries(data)
    total = len(entries)
    if view is not None:
        entries = _select_view(entries, data.models, several, view)
        matched = len(entries)
        page = max(0, min(view.page, (matched - 1) // PAGE_ROWS)) if matched else 0
        view = replace(view, page=page)
        entries = entries[page * PAGE_ROWS : (page + 1) * PAGE_ROWS]
    rows = []
    for n, e in enumerate(entries):
        q = e.question
        attrs = "".join(f' data-{k}="{int(v)}"' for k, v in e.flags.items())
        cells = []
        for model in data.models:
            r = q.by_model.get(model)
            cls, label = verdict(r)
            if r is None:
                cells.append(f'<td data-k="9"><span class="v {cls}">{label}</span></td>')
                continue
            shown, left = cut(_shown_text(r), CELL_CHARS)
            more = f'<span class="muted"> … {left:,} more</span>' if left else ""
            facts = " · ".join(x for x in (fmt.ms(r.latency_ms) if r.latency_ms is not None else "",
                                           fmt.usd(r.cost_usd, r.cost_estimated) if r.cost_usd is not None else "")
                               if x)
            title = f' title="{esc(cut(r.explanation, CELL_CHARS)[0])}"' if r.explanation else ""
            reason = f'<div class="reason">{esc(cut(r.explanation, CELL_CHARS)[0])}</div>' if r.explanation else ""
            link = f'<a class="tx" href="{escape(item_href(index[id(r)]))}">transcript</a>'
            cells.append(
                f'<td data-k="{_cell_key(r)}"><span class="v {cls}"{title}>{label}</span>'
                f'<div class="answer">{esc(shown)}{more}</div>{reason}'
                f'<div class="facts muted">{escape(facts)}{" · " if facts else ""}{link}</div></td>'
            )
        where = " · ".join(escape(x) for x in (q.round, f"${q.value}" if q.value is not None else None) if x)
        rep = f" #{q.repeat + 1}" if q.repeat else ""
        bench_cell = f'<td class="bench">{esc(e.bench)}</td>' if several else ""
        hidden = " hidden" if n >= PAGE_ROWS else ""
        rows.append(
            f'<tr{attrs} data-b="{esc(e.bench)}"{hidden}>{bench_cell}<td>{esc(q.category)}'
            f'<div class="muted">{where}</div></td>'
            f'<td class="clue">{esc(q.clue)}<div class="muted">{esc(q.key)}{rep}</div></td>'
            f'<td class="expected">{esc(q.answer)}</td>{"".join(cells)}</tr>'
        )
    names = (["benchmark"] if several else []) + ["category", "clue", "expected"]
    kinds = ["text"] * len(names) + ["rank"] * len(data.models)
    labels = [escape(n) for n in names] + [escape(m) for m in data.models]
    styles = [""] * len(names) + [f' style="border-top:3px solid {colours[m]}"' for m in data.models]
    heads = []
    for i, (kind, label, style) in enumerate(zip(kinds, labels, styles, strict=True)):
        if view is None:
            heads.append(f'<th data-sort="{kind}"{style}>{label}</th>')
            continue
        descending = view.sort == i and not view.descending
        order = "" if view.sort != i else f' aria-sort="{"descending" if view.descending else "ascending"}"'
        heads.append(f'<th{style}{order}><a href="{escape(view.href(sort=i, descending=descending, page=0))}">'
                     f"{label}</a></th>")
    current = view or TableView()
    flag_options = "".join(
        f'<option value="{v}"{" selected" if v == current.flag else ""}>{t}</option>'
        for v, t in zip(_FLAGS, _FLAG_LABELS, strict=True)
    )
    bench_select = ""
    if several:
        options = "".join(
            f'<option value="{esc(b)}"{" selected" if b == current.bench else ""}>{esc(b)}</option>' for b in benches
        )
        bench_select = (
            '<select id="q-bench" name="b" aria-label="Benchmark"><option value="">All benchmarks</option>'
            f"{options}</select>"
        )
    search = (
        '<input id="q-search" name="q" type="search" placeholder="Search clues, answers, replies…" '
        f'aria-label="Search questions" value="{esc(current.search)}">'
        f'<select id="q-filter" name="f" aria-label="Filter questions">{flag_options}</select>{bench_select}'
    )
    if view is None:
        toolbar = (f'<div class="toolbar">{search}'
                   f'<span id="q-count" class="muted">{len(rows)} questions</span></div>')
        pager = (
            '<div class="pager"><button type="button" id="q-prev">‹ previous</button>'
            f'<span id="q-page" class="muted">rows 1–{min(len(rows), PAGE_ROWS)} of {len(rows)}</span>'
            '<button type="button" id="q-next">next ›</button></div>'
        )
    else:
        sort = "" if view.sort is None else f"{view.sort}{'d' if view.descending else 'a'}"
        keep = f'<input type="hidden" name="s" value="{sort}">' if sort else ""
        toolbar = (
            f'<form id="q-form" class="toolbar" method="get">{search}{keep}'
            '<button class="btn" type="submit">Search</button>'
            f'<span id="q-count" class="muted">{matched} of {total} shown</span></form>'
        )
        first = view.page * PAGE_ROWS
        label = f"rows {first + 1}–{first + len(rows)} of {matched}" if rows else "no rows"
        prev = (f'<a class="btn" id="q-prev" href="{escape(view.href(page=view.page - 1))}">‹ previous</a>'
                if view.page else "")
        after = first + len(rows) < matched
        nxt = f'<a class="btn" id="q-next" href="{escape(view.href(page=view.page + 1))}">next ›</a>' if after else ""
        pager = f'<div class="pager">{prev}<span id="q-page" class="muted">{label}</span>{nxt}</div>'
    server = "" if view is None else ' data-server="1"'
    return (
        f'{toolbar}<div class="scroll tall"><table id="questions" data-page="{PAGE_ROWS}"{server}><thead><tr>'
        f"{''.join(heads)}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{pager}"
    )


def by_benchmark(data: ReportData) -> str:
    """Accuracy per benchmark test and model; empty when the run has one benchmark."""
    benches = benchmarks(data.records)
    if len(benches) < 2:
        return ""
    cells: dict[tuple[str, str], list[int]] = {}
    for r in data.records:
        if r.correct is not None:
            cell = cells.setdefault((benchmark_of(r), r.model), [0, 0])
            cell[0] += int(r.correct)
            cell[1] += 1
    head = "".join(f"<th class=num>{escape(m)}</th>" for m in data.models)
    rows = []
    for b in benches:
        tds = []
        for m in data.models:
            right, answered = cells.get((b, m), [0, 0])
            tds.append(
                f"<td class=num>{fmt.pct(right / answered) if answered else '–'} "
                f"<small class=muted>{right}/{answered}</small></td>"
            )
        rows.append(f"<tr><td>{escape(b)}</td>{''.join(tds)}</tr>")
    return (
        f'<div class="scroll"><table><thead><tr><th>benchmark</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
