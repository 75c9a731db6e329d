"""Load + clean + sample time and peak memory of the question pipeline on a Kaggle-sized dump.

Writes a realistic 200,000-clue file in the Kaggle JSON format (single-quoted clues, some HTML and media
links, Daily Double wagers, both value eras, Final Jeopardy! rows, repeats) to a temp dir, then measures in
a fresh subprocess: ``load_dataset`` (read, clean, key, de-duplicate) plus a stratified sample of 1,000,
cold (empty question cache) and warm (the parsed dump cached by an earlier session). Peak memory is the
child's ``VmHWM`` (whole process, interpreter included) plus that of its parse worker (the cold load
cleans part of the file in a second process when there is a second CPU; see ``data/_parallel.py``).

    python benchmarks/perf/perf_data_pipeline.py [--rows 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

TARGET_SECONDS = 3.0
TARGET_MB = 300.0
REPO = Path(__file__).resolve().parents[2]

_WORDS = (
    "this city river king queen novel author painter film state country war treaty element planet bird "
    "composer opera island mountain capital empire century language poem ship battle song invention "
    "president museum dynasty festival desert ocean saint monk temple bridge tower theory law disease"
).split()
_FIRST = "In 1887 | This | Known as | Founded in 1620, | Named for | His | Her | It's the | Seen at".split(
    " | "
)


def _clue(rng: random.Random, i: int) -> str:
    words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 22)))
    text = f"{rng.choice(_FIRST)} {words} & {rng.choice(_WORDS)}'s {rng.choice(_WORDS)} #{i}"
    roll = rng.random()
    if roll < 0.02:
        link = f'<a href="http://www.j-archive.com/media/x{i}.jpg" target="_blank">here</a>'
        text = f"The {rng.choice(_WORDS)} seen {link}"
    elif roll < 0.05:
        text = f'<a href="http://www.j-archive.com/media/x{i}.mp3">{text}</a>'
    elif roll < 0.08:
        text = f"{text} <i>{rng.choice(_WORDS)}</i>"
    return f"'{text}'"


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """A deterministic synthetic dump with the real file's shape (about 60 clues per show)."""
    rng = random.Random(seed)
    categories = [f"{rng.choice(_WORDS).upper()} {rng.choice(_WORDS).upper()} {n}" for n in range(27_000)]
    start = dt.date(1984, 9, 10)
    out = []
    for i in range(rows):
        show = 1 + i // 60
        day = start + dt.timedelta(days=show * 1.3)
        slot = i % 60
        modern = day >= dt.date(2001, 11, 26)
        if slot == 59:
            round_name, value = "Final Jeopardy!", None
        else:
            round_name = "Jeopardy!" if slot < 30 else "Double Jeopardy!"
            unit = (200 if modern else 100) * (2 if round_name == "Double Jeopardy!" else 1)
            value = f"${unit * (1 + slot % 5)}"
            if rng.random() < 0.05:
                value = f"${rng.choice([5, 12, 15, 20, 32]) * 100:,}"
        row = {
            "category": categories[(show * 12 + slot // 5) % len(categories)],
            "air_date": day.isoformat(),
            "question": _clue(rng, i),
            "value": value,
            "answer": f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}" if rng.random() < 0.9 else "(John) Smith",
            "round": round_name,
            "show_number": str(show),
        }
        out.append(row)
        if rng.random() < 0.003:
            out.append(dict(row))  # the real dump repeats some rows
    path.write_text(json.dumps(out), encoding="utf-8")


_CHILD = """
import json, resource, sys, time
from pathlib import Path
from pytest_llmbench.data import DataOptions, load_dataset, sample_questions
path = Path(sys.argv[1])
c0, t0 = time.process_time(), time.perf_counter()
loaded = load_dataset(str(path), options=DataOptions())
t1 = time.perf_counter()
picked = sample_questions(loaded.questions, 1000, seed=42)
c2, t2 = time.process_time(), time.perf_counter()
# VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec, so a child started by a big parent (this script
# holds the generated dump for a while) reports the parent's peak as its own.
peak_kb = next((int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")),
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the parse worker: started before this process grew
print(json.dumps({"load": t1 - t0, "sample": t2 - t1, "cpu": c2 - c0, "peak_mb": peak_kb / 1024,
                  "worker_mb": children.ru_maxrss / 1024, "worker_cpu": children.ru_utime + children.ru_stime,
                  "read": loaded.report.rows_read, "kept": len(loaded.questions), "picked": len(picked),
                  "dropped": dict(loaded.report.dropped)}))
"""


# Machine speed reference: the bare stdlib parse of the same file, in its own process (it needs several
# hundred MB, which is why the loader streams instead).
_REFERENCE = """
import json, sys, time
from pathlib import Path
text = Path(sys.argv[1]).read_text(encoding="utf-8")
t0 = time.perf_counter()
json.loads(text)
print(time.perf_counter() - t0)
"""


def reference(path: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _REFERENCE, str(path)], capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def measure(path: Path, cache_dir: Path) -> dict[str, Any]:
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "LLMBENCH_CACHE_DIR": str(cache_dir)}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _report(label: str, runs: list[dict[str, Any]]) -> None:
    best = min(runs, key=lambda r: r["load"] + r["sample"])
    seconds = best["load"] + best["sample"]
    # The parse worker (a child process, see data/_parallel.py) runs at the same time as the main process,
    # so their peaks are added: an upper bound of what the machine needs at once.
    peak = max(r["peak_mb"] + r["worker_mb"] for r in runs)
    main_mb, worker_mb = max(r["peak_mb"] for r in runs), max(r["worker_mb"] for r in runs)
    print(f"{label}:")
    load, pick, cpu, wcpu = best["load"], best["sample"], best["cpu"], best["worker_cpu"]
    print(
        f"  load+clean: {load:.2f} s, stratified sample of 1,000: {pick:.2f} s, "
        f"CPU {cpu:.2f} s here + {wcpu:.2f} s in the parse worker"
    )
    ratio = seconds / TARGET_SECONDS
    print(f"  load+clean+sample: {seconds:.2f} s (target {TARGET_SECONDS:.1f} s, ratio {ratio:.2f})")
    print(
        f"  peak memory (RSS): {main_mb:.0f} MB + {worker_mb:.0f} MB parse worker = {peak:.0f} MB "
        f"(target {TARGET_MB:.0f} MB, ratio {peak / TARGET_MB:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs; the best time and the worst memory count"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "200k_questions.json"
        generate(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        # Cold: a fresh question cache each time (first session after a download or an upgrade).
        cold = [measure(path, Path(tmp) / f"cold-cache-{n}") for n in range(args.repeat)]
        # Warm: later sessions and xdist workers find the parsed dump in the cache.
        warm = [measure(path, Path(tmp) / "warm-cache") for _ in range(args.repeat + 1)][1:]
        stdlib = min(reference(path) for _ in range(args.repeat))
    first = cold[0]
    kept, dropped = first["kept"], first["dropped"]
    print(f"input: {first['read']:,} rows, {size_mb:.1f} MB JSON; kept {kept:,}, dropped {dropped}")
    # The machine may be shared: CPU time and a stdlib reference put the wall times in context.
    print(f"reference: json.loads of the file alone takes {stdlib:.2f} s on this machine now")
    _report("cold (parse, clean, write the question cache)", cold)
    _report("warm (question cache hit)", warm)


if __name__ == "__main__":
    main()
