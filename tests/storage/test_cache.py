from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from pytest_llmbench.storage.cache import DatabaseCache
from pytest_llmbench.storage.db import open_engine
from pytest_llmbench.types import ChatRequest, Completion

# One writer process: waits for a common start time, then interleaves puts, flushes and reads of keys that
# overlap with the other processes' keys, and reports what it read back.
WRITER = """
import json, sys, time
from pytest_llmbench.storage.cache import DatabaseCache
from pytest_llmbench.storage.db import open_engine
from pytest_llmbench.types import ChatRequest, Completion

url, me, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
cache = DatabaseCache(open_engine(url), interval=0.01)
request = ChatRequest("m/" + str(me % 2), ({"role": "user", "content": "q"},))
time.sleep(max(0.0, start - time.time()))
for i in range(300):
    key = "k%03d" % ((i + 75 * me) % 400)  # every key is written by three or four processes
    cache.put(key, request, Completion(model=request.model, text="p%d:%s" % (me, key)))
    if i % 50 == 49:
        cache.flush()
        cache.get_many(["k%03d" % j for j in range(400)])
cache.close()
seen = cache.get_many(["k%03d" % j for j in range(400)])
print(json.dumps({k: c.text for k, c in seen.items()}))
"""


def test_several_processes_write_and_read_one_sqlite_cache_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    open_engine(url).dispose()  # the schema exists before the writers race
    start = time.time() + 1.5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(n), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    views = [json.loads(out) for out, _ in outputs]
    final = DatabaseCache(open_engine(url)).get_many([f"k{j:03d}" for j in range(400)])
    assert len(final) == 400  # nothing lost
    for key, completion in final.items():
        assert completion.text.split(":")[1] == key  # never another key's answer
    for n, view in enumerate(views):
        own = {f"k{(i + 75 * n) % 400:03d}" for i in range(300)}
        assert own <= set(view)  # each process reads back everything it wrote...
        assert all(final[k].text == text for k, text in view.items())  # ...as the one answer kept (first wins)


def test_pending_answers_are_served_before_they_are_written(tmp_path: Path) -> None:
    cache = DatabaseCache(open_engine(f"sqlite:///{tmp_path / 'c.db'}"), interval=60)
    request = ChatRequest("m", ({"role": "user", "content": "q"},))
    cache.put("k", request, Completion(model="m", text="first"))
    cache.put("k", request, Completion(model="m", text="second"))
    assert cache.get_many(["k"])["k"].text == "first"
    assert cache.stats() == {}  # not written yet
    cache.close()
    assert cache.stats() == {"m": 1}
