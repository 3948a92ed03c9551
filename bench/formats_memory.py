"""Peak Python memory of writing and reading N sentence pairs in every format, for two N.

Streaming means the peak does not grow with N. Run from the repository root:
    PYTHONPATH=. python bench/formats_memory.py [--small 2000] [--large 20000]
Writes bench/results/formats_memory.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from pathlib import Path

from translate.formats import FORMATS, open_writer, read_pairs
from translate.records import Pair

RESULTS = Path(__file__).resolve().parent / "results"


def pairs(n: int):
    for i in range(n):
        yield Pair("هذه جملة عربية طويلة نسبيا للاختبار " * 3, "This is a fairly long English test sentence " * 3,
                   -0.5, "doc.txt", i // 10, i % 10, (i * 100, i * 100 + 99), "1-1", (i,), (i,), 0.9)


def measure(fmt: str, n: int, directory: Path) -> dict:
    path = directory / ("out" if fmt == "moses" else f"out.{fmt}")
    tracemalloc.start()
    start = time.perf_counter()
    with open_writer(path, fmt) as writer:
        for pair in pairs(n):
            writer.write(pair)
    write_s = time.perf_counter() - start
    _, write_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    count = sum(1 for _ in read_pairs(path, fmt))
    read_s = time.perf_counter() - start
    _, read_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = sum(p.stat().st_size for p in directory.iterdir())
    for p in directory.iterdir():
        p.unlink()
    return {"format": fmt, "pairs": n, "read_back": count, "file_bytes": size,
            "write_peak_kib": round(write_peak / 1024), "read_peak_kib": round(read_peak / 1024),
            "write_s": round(write_s, 3), "read_s": round(read_s, 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=20000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in FORMATS:
            for n in (args.small, args.large):
                rows.append(measure(fmt, n, Path(tmp)))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "formats_memory.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    lines = ["| format | pairs | file bytes | write peak KiB | read peak KiB | write s | read s |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['format']} | {r['pairs']} | {r['file_bytes']} | {r['write_peak_kib']} | {r['read_peak_kib']} "
              f"| {r['write_s']} | {r['read_s']} |" for r in rows]
    note = ("Peak Python heap (tracemalloc) while writing, then while reading back, the same pairs. "
            "Writers stream; the tmx reader streams; the line-format and json readers load the file's text.")
    (RESULTS / "formats_memory.md").write_text("# Format writers and readers: memory\n\n" + note + "\n\n"
                                               + "\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
