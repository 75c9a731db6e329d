"""Scripted judge verdicts for the fake server: a judge request answers from a file, not from the answer policy.

A verdict file is JSON Lines (or one JSON list) of rows ``{"clue": ..., "reply": ..., "verdict": "CORRECT"}``;
``question`` may stand for ``clue`` and ``response`` for ``reply``. A row with ``"model": ID`` applies to that
judge model only (a jury that disagrees), and wins over a row without one. A pair that no row names answers
``default``. The clue and the reply are read back from the judge prompt (``grading/judge.py``), so the file is
written with the same texts the benchmark's questions and the model's replies have.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_CLUE = re.compile(r"^Clue: (.*)$", re.M)
_RESPONSE = re.compile(r"^Response: <<<(.*?)>>>$", re.M | re.S)
VERDICT_WORDS = ("CORRECT", "INCORRECT", "NOT_ATTEMPTED")


def _key(clue: str, reply: str) -> tuple[str, str]:
    return " ".join(clue.split()), " ".join(reply.split())


@dataclass
class JudgeVerdicts:
    """Which models are judges, what each says about (clue, reply), and how long a judge takes.

    ``models`` empty: every request carrying the judge's system prompt is a judge request.
    ``latency`` None: the server's own latency.
    """

    verdicts: dict[tuple[str | None, str, str], str] = field(default_factory=dict)
    models: frozenset[str] = frozenset()
    latency: float | None = None
    default: str = "INCORRECT"

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], **options: Any) -> JudgeVerdicts:
        verdicts: dict[tuple[str | None, str, str], str] = {}
        for row in rows:
            clue = str(row.get("clue", row.get("question", "")))
            reply = str(row.get("reply", row.get("response", "")))
            verdict = str(row["verdict"]).strip().upper()
            if verdict not in VERDICT_WORDS:
                raise ValueError(f"verdict {row['verdict']!r} is not one of {', '.join(VERDICT_WORDS)}")
            model = row.get("model")
            verdicts[(str(model) if model else None, *_key(clue, reply))] = verdict
        return cls(verdicts=verdicts, **options)

    @classmethod
    def load(cls, path: str | Path, **options: Any) -> JudgeVerdicts:
        text = Path(path).read_text(encoding="utf-8")
        stripped = text.lstrip()
        rows = json.loads(text) if stripped.startswith("[") else [json.loads(x) for x in text.splitlines() if x.strip()]
        return cls.from_rows(rows, **options)

    def handles(self, body: Mapping[str, Any]) -> bool:
        if self.models:
            return str(body.get("model") or "") in self.models
        from pytest_llmbench.grading.judge import JUDGE_SYSTEM_PROMPT

        messages: list[Mapping[str, Any]] = list(body.get("messages") or ())
        return bool(messages) and messages[0].get("content") == JUDGE_SYSTEM_PROMPT

    def reply(self, body: Mapping[str, Any]) -> str:
        """The verdict word for this judge request (the model's own row first, then any judge's)."""
        messages = body.get("messages") or ()
        prompt = str(messages[-1].get("content") or "") if messages else ""
        clue, response = _CLUE.search(prompt), _RESPONSE.search(prompt)
        if clue is None or response is None:
            return self.default
        said, reply = _key(clue.group(1), response.group(1))
        model = str(body.get("model") or "")
        return self.verdicts.get((model, said, reply)) or self.verdicts.get((None, said, reply)) or self.default
