"""The viewer's pages: the run list, a run, an item transcript, and run A against run B.

Server-rendered HTML with the report's stylesheet and script; every value from the database is escaped
(``esc`` also makes control characters visible). A run page is the static report itself, with its items
linked to their own pages instead of embedded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from pytest_llmbench.outcome.gates import VERDICT
from pytest_llmbench.report import fmt
from pytest_llmbench.report._assets import CSS, JS
from pytest_llmbench.report.html import gate_tag, render_html
from pytest_llmbench.report.html_items import TableView, benchmark_of, cut, esc, item_facts, verdict
from pytest_llmbench.report.model import ReportData, gates_from_totals
from pytest_llmbench.report.runcompare import RunComparison
from pytest_llmbench.storage.repository import RunInfo
from pytest_llmbench.types import ResultRecord

#: Characters of a reply or message shown before "show all" on an item page.
ITEM_CHARS = 20_000
#: Flipped questions listed per model on a comparison page.
FLIPS_SHOWN = 500


def item_href(run_id: int, index: int) -> str:
    return f"/run/{run_id}/item/{index}"


def shell(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)} - llmbench view</title><style>{CSS}</style></head><body>"
        f"{body}<script>{JS}</script></body></html>\n"
    )


def nav(*links: tuple[str, str]) -> str:
    items = [("/", "All runs"), *links]
    return '<nav class="top">' + "".join(f'<a href="{escape(h)}">{esc(t)}</a>' for h, t in items) + "</nav>"


def error_page(status: int, message: str) -> str:
    return shell(f"{status}", nav() + f'<header><h1>{status}</h1><p>{esc(message)}</p></header>')


# --- the run list -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunFilter:
    model: str = ""
    dataset: str = ""
    status: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def from_query(cls, query: dict[str, str]) -> RunFilter:
        def date(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(query.get(name, "").strip()) if query.get(name, "").strip() else None
            except ValueError:
                return None

        return cls(query.get("model", "").strip(), query.get("dataset", "").strip(),
                   query.get("status", "").strip(), date("since"), date("until"))

    def keeps(self, run: RunInfo) -> bool:
        day = run.started_at.date()
        return (
            (not self.model or self.model in run.models)
            and (not self.dataset or run.dataset == self.dataset)
            and (not self.status or run.status == self.status)
            and (self.since is None or day >= self.since)
            and (self.until is None or day <= self.until)
        )


@dataclass(frozen=True, slots=True)
class RunListing:
    runs: Sequence[RunInfo]
    performance: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def _select(name: str, label: str, values: Sequence[str], chosen: str) -> str:
    options = "".join(
        f'<option value="{esc(v)}"{" selected" if v == chosen else ""}>{esc(v)}</option>' for v in values
    )
    return f'<select name="{name}" aria-label="{label}"><option value="">any {label}</option>{options}</select>'


def _gate(run: RunInfo) -> str:
    passed = (run.totals or {}).get("gates_passed")
    if passed is None:
        return '<span class="muted">–</span>'
    # Runs stored before the gates themselves were stored have only the verdict.
    status = gates_from_totals(run.totals).status or ("passed" if passed else "failed")
    return gate_tag(VERDICT[status])


def _models_cell(run: RunInfo, perf: list[dict[str, Any]]) -> str:
    if not perf:
        return "<br>".join(esc(m) for m in run.models) or '<span class="muted">–</span>'
    return "<br>".join(
        f'{esc(p["model"])} <b>{fmt.pct(p["accuracy"])}</b> <small class="muted">{p["correct"]}/{p["answered"]}'
        "</small>" for p in perf
    )


def runs_page(listing: RunListing, chosen: RunFilter) -> str:
    every = listing.runs
    shown = [r for r in every if chosen.keeps(r)]
    models = sorted({m for r in every for m in r.models})
    datasets = sorted({r.dataset for r in every})
    statuses = sorted({r.status for r in every})
    filters = (
        '<form class="filters" method="get" action="/">'
        + _select("model", "model", models, chosen.model)
        + _select("dataset", "dataset", datasets, chosen.dataset)
        + _select("status", "status", statuses, chosen.status)
        + f'<label>from <input type="date" name="since" value="{chosen.since or ""}"></label>'
        f'<label>to <input type="date" name="until" value="{chosen.until or ""}"></label>'
        '<button class="btn" type="submit">Filter</button><a class="btn" href="/">Clear</a></form>'
    )
    compare = ""
    if len(every) > 1:
        # Defaults: the newest shown run (B) against the one before it (A).
        newest = shown[0].id if shown else every[0].id
        before = shown[1].id if len(shown) > 1 else every[1].id

        def options(selected: int) -> str:
            return "".join(
                f'<option value="{r.id}"{" selected" if r.id == selected else ""}>{r.id}</option>' for r in every
            )

        compare = (
            '<form class="filters" method="get" action="/compare">Compare run '
            f'<select name="a" aria-label="run A">{options(before)}</select> with '
            f'<select name="b" aria-label="run B">{options(newest)}</select>'
            '<button class="btn" type="submit">Compare</button></form>'
        )
    rows = []
    for r in shown:
        totals = r.totals or {}
        rows.append(
            f'<tr data-run="{r.id}"><td class=num><a href="/run/{r.id}">{r.id}</a></td>'
            f"<td>{r.started_at:%Y-%m-%d %H:%M}</td><td>{esc(r.status)}</td>"
            f'<td><a href="/run/{r.id}">{esc(r.name)}</a></td><td>{esc(r.dataset)}</td>'
            f"<td>{_models_cell(r, listing.performance.get(r.id, []))}</td>"
            f"<td class=num>{fmt.usd(totals.get('cost_usd'))}</td><td>{_gate(r)}</td></tr>"
        )
    table = (
        '<div class="scroll tall"><table id="runs"><thead><tr><th class=num>id</th><th>started (UTC)</th>'
        "<th>status</th><th>name</th><th>dataset</th><th>accuracy per model</th><th class=num>cost</th>"
        f"<th>gates</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        if rows
        else '<p class="muted">No run matches these filters.</p>'
    )
    body = (
        nav()
        + f'<header><h1>Runs</h1><div class="meta"><span id="run-count">{len(shown)} of {len(every)} runs'
        "</span></div></header>"
        + f'<section class="panel">{filters}{compare}{table}</section>'
    )
    return shell("Runs", body)


# --- a run and an item ---------------------------------------------------------------------------------


def run_page(data: ReportData, view: TableView | None = None) -> str:
    assert data.run is not None
    run_id = data.run.id
    links = []
    if data.run.parent_id is not None:
        links.append((f"/run/{data.run.parent_id}", f"parent run {data.run.parent_id}"))
    links.append((f"/compare?{urlencode({'a': run_id})}", "compare with…"))
    return render_html(data, item_href=lambda i: item_href(run_id, i), nav=nav(*links), view=view or TableView())


def _text_block(title: str, text: str, href_all: str | None) -> str:
    shown, left = cut(text, ITEM_CHARS)
    more = (
        f'<p class="muted">… {left:,} more characters. <a class="btn" href="{escape(href_all)}">Show all '
        f"{len(text):,} characters</a></p>"
        if left and href_all
        else ""
    )
    return f'<div class="msg"><b>{esc(title)}</b><pre class="text">{esc(shown)}</pre>{more}</div>'


def _kv(pairs: Sequence[tuple[str, str | None]]) -> str:
    return '<dl class="kv wide">' + "".join(
        f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pairs if v not in (None, "")
    ) + "</dl>"


def item_page(run: RunInfo, record: ResultRecord, index: int, total: int, *, full: bool = False) -> str:
    cls, label = verdict(record)
    base = item_href(run.id, index)
    all_href = None if full else base + "?full=1"
    limit = None if full else ITEM_CHARS
    messages = (
        "".join(
            _text_block(str(m.get("role", "?")), _content(m.get("content")), all_href)
            if limit
            else f'<div class="msg"><b>{esc(str(m.get("role", "?")))}</b><pre class="text">'
            f'{esc(_content(m.get("content")))}</pre></div>'
            for m in record.messages
        )
        if record.messages is not None
        else '<p class="muted">not recorded</p>'
    )
    reply = (
        _text_block("assistant", record.response_text, all_href)
        if limit
        else f'<div class="msg"><b>assistant</b><pre class="text">{esc(record.response_text)}</pre></div>'
    )
    judges = (
        "".join(_kv([(str(k), v if isinstance(v, str) else repr(v)) for k, v in j.items()]) for j in record.judges)
        if record.judges
        else '<p class="muted">no judge was asked</p>'
    )
    steps = []
    if index > 0:
        steps.append((item_href(run.id, index - 1), "‹ previous item"))
    if index + 1 < total:
        steps.append((item_href(run.id, index + 1), "next item ›"))
    grade = [
        ("verdict", label),
        ("grader", " / ".join(x for x in (record.grader, record.grade_method) if x) or None),
        ("reason", record.explanation or "none given"),
        ("matched", record.matched),
        ("score", None if record.score is None else f"{record.score:g}"),
        ("confidence", None if record.confidence is None else f"{record.confidence:g}"),
        ("error", None if record.error is None else f"{record.error} ({record.error_kind or 'unknown'})"),
    ]
    question = [
        ("benchmark", benchmark_of(record)), ("question", record.question_key + (
            f" #{record.repeat + 1}" if record.repeat else "")),
        ("category", record.category), ("round", record.round),
        ("value", None if record.value is None else f"${record.value}"), ("clue", record.clue),
        ("expected", record.answer), ("test", record.nodeid),
    ]
    body = (
        nav((f"/run/{run.id}", f"run {run.id}: {run.name}"), *steps)
        + f'<header><h1>{esc(record.model)} <span class="v {cls}">{label}</span></h1>'
        f'<div class="meta"><span>run <b>{run.id}</b></span><span>item <b>{index + 1} of {total}</b></span></div>'
        "</header>"
        + '<div class="grid2">'
        + f'<section class="panel"><h2>Question</h2>{_kv(question)}</section>'
        + f'<section class="panel"><h2>Grade</h2>{_kv(grade)}</section></div>'
        + f'<section class="panel"><h2>Measured</h2>{_kv(item_facts(record))}</section>'
        + f'<section class="panel"><h2>Messages sent</h2>{messages}</section>'
        + f'<section class="panel"><h2>Reply</h2>{reply}</section>'
        + f'<section class="panel"><h2>Judges</h2>{judges}</section>'
    )
    return shell(f"{record.model} - {record.question_key}", body)


def _content(content: object) -> str:
    return content if isinstance(content, str) else repr(content)


# --- run against run -----------------------------------------------------------------------------------


def _signed_usd(value: float | None) -> str:
    return "-" if value is None else ("+" if value >= 0 else "−") + fmt.usd(abs(value))


def _indexes(data: ReportData) -> dict[tuple[str, str, int], int]:
    """(model, question, repeat) -> index of the last such record (the one a comparison pairs)."""
    return {(r.model, r.question_key, r.repeat): i for i, r in enumerate(data.records)}


def compare_page(result: RunComparison) -> str:
    a, b = result.a, result.b
    assert a.run is not None and b.run is not None
    rows = []
    for d in result.deltas:
        c = d.paired
        sig = ' class="sig"' if c.significant else ""
        cost_delta = d.cost_delta
        gain = None if c.accuracy_a is None or c.accuracy_b is None else c.accuracy_b - c.accuracy_a
        rows.append(
            f"<tr><td>{esc(d.model_a)}</td><td>{esc(d.model_b)}</td><td class=num>{c.pairs}</td>"
            f"<td class=num>{fmt.pct(c.accuracy_a)}</td><td class=num>{fmt.pct(c.accuracy_b)}</td>"
            f"<td class=num>{fmt.signed_pct(gain)}</td>"
            f"<td class=num>{fmt.usd(d.cost_a)}</td><td class=num>{fmt.usd(d.cost_b)}</td>"
            f"<td class=num>{_signed_usd(cost_delta)}</td><td class=num>{c.a_only}</td><td class=num>{c.b_only}</td>"
            f"<td class=num>{fmt.p_value(c.p_value)}</td><td{sig}>{esc(c.verdict())}</td></tr>"
        )
    summary = (
        '<div class="scroll"><table id="deltas"><thead><tr><th>model in A</th><th>model in B</th>'
        "<th class=num>paired</th><th class=num>acc A</th><th class=num>acc B</th><th class=num>B − A</th>"
        "<th class=num>cost A</th><th class=num>cost B</th><th class=num>cost B − A</th><th class=num>only A right"
        "</th><th class=num>only B right</th><th class=num>p (exact McNemar)</th><th>verdict</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        '<p class="muted">Paired on the questions (and repeats) both runs answered; errors and skips drop out. '
        "Significant at p &lt; 0.05.</p>"
    )
    in_a, in_b = _indexes(a), _indexes(b)
    by_key_a = {(r.question_key, r.repeat): r for r in a.records}
    sections = []
    for d in result.deltas:
        title = d.model_a if d.model_a == d.model_b else f"{d.model_a} (A) vs {d.model_b} (B)"
        if not d.flips:
            sections.append(f'<section class="panel"><h2>{esc(title)}: no question flipped</h2></section>')
            continue
        items = []
        for f in d.flips[:FLIPS_SHOWN]:
            rec = by_key_a.get((f.question_key, f.repeat))
            ia, ib = in_a.get((d.model_a, f.question_key, f.repeat)), in_b.get((d.model_b, f.question_key, f.repeat))
            was, now = ("right", "wrong") if f.a_correct else ("wrong", "right")
            link_a = "" if ia is None else f'<a href="{item_href(a.run.id, ia)}">A: {was}</a>'
            link_b = "" if ib is None else f'<a href="{item_href(b.run.id, ib)}">B: {now}</a>'
            rep = f" #{f.repeat + 1}" if f.repeat else ""
            items.append(
                f'<tr class="flip" data-q="{esc(f.question_key)}"><td>{esc(f.question_key)}{rep}</td>'
                f'<td class="clue">{esc(cut(rec.clue, 200)[0]) if rec else ""}</td>'
                f'<td class="expected">{esc(rec.answer) if rec else ""}</td>'
                f'<td><span class="v {"v-wrong" if f.a_correct else "v-correct"}">'
                f"{was} → {now}</span></td><td>{link_a}</td><td>{link_b}</td></tr>"
            )
        more = (
            f'<p class="muted">The first {FLIPS_SHOWN} of {len(d.flips)}; '
            "<code>llmbench runs compare A B --format json</code> lists them all.</p>"
            if len(d.flips) > FLIPS_SHOWN
            else ""
        )
        sections.append(
            f'<section class="panel"><h2>{esc(title)}: {len(d.flips)} flipped</h2>{more}<div class="scroll tall">'
            '<table class="flips"><thead><tr><th>question</th><th>clue</th><th>expected</th><th>change</th>'
            f"<th>run A</th><th>run B</th></tr></thead><tbody>{''.join(items)}</tbody></table></div></section>"
        )
    body = (
        nav((f"/run/{a.run.id}", f"run {a.run.id}"), (f"/run/{b.run.id}", f"run {b.run.id}"),
            (f"/compare?{urlencode({'a': b.run.id, 'b': a.run.id})}", "swap A and B"))
        + f"<header><h1>Run {a.run.id} against run {b.run.id}</h1><div class=\"meta\">"
        f"<span>A <b>{esc(a.run.name)}</b> ({a.run.started_at:%Y-%m-%d %H:%M})</span>"
        f"<span>B <b>{esc(b.run.name)}</b> ({b.run.started_at:%Y-%m-%d %H:%M})</span></div></header>"
        + f'<section class="panel"><h2>Per model</h2>{summary}</section>'
        + "".join(sections)
    )
    return shell(f"Run {a.run.id} vs {b.run.id}", body)


def choose_page(runs: Sequence[RunInfo], a: str) -> str:
    """The comparison form, when B (or A) is missing."""
    options = "".join(f'<option value="{r.id}">{r.id}: {esc(r.name)}</option>' for r in runs)
    body = (
        nav()
        + "<header><h1>Compare two runs</h1></header>"
        + '<section class="panel"><form class="filters" method="get" action="/compare">'
        f'<label>A <input name="a" value="{esc(a)}" size="6"></label>'
        f'<label>B <select name="b" aria-label="run B">{options}</select></label>'
        '<button class="btn" type="submit">Compare</button></form></section>'
    )
    return shell("Compare", body)
