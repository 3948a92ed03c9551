"""Review page size and render time in headless Chromium at 5,000 and 50,000 pairs.

Pairs: human Arabic–English sentence pairs (UN v1.0 dev and test sets, Tatoeba test), cycled to
the size, unscored (a score adds a few bytes per row and changes nothing else). For each size:
the writer's time and peak Python memory, the file size, then in a fresh Chromium each run:
navigation to the load event, the script ready (filters and marks usable), a filter to flagged
rows, a sort by score, and a jump to the last row. Medians of three runs.

Run: PYTHONPATH=. python bench/review_render.py   (writes bench/results/review.md; ~1 minute)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import browser  # noqa: E402

from translate.formats import open_writer  # noqa: E402
from translate.records import Pair  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SIZES = (5_000, 50_000)
RUNS = 3


def human_pairs() -> list[tuple[str, str]]:
    pairs = []
    for name in ("un-v1.0-devset", "un-v1.0-testset", "tatoeba-test-v2021-08-07"):
        ar = (DATA / name / "src.ar").read_text(encoding="utf-8").split("\n")[:-1]
        en = (DATA / name / "ref.en").read_text(encoding="utf-8").split("\n")[:-1]
        pairs += list(zip(ar, en))
    return pairs


def write_page(path: Path, count: int, pairs: list[tuple[str, str]]) -> tuple[float, float]:
    """Seconds to write the page, then (a second write, traced) the writer's peak Python memory."""
    def write() -> None:
        with open_writer(path, "review", meta={"source": "UN v1.0 dev+test, Tatoeba test"}) as writer:
            for i in range(count):
                ar, en = pairs[i % len(pairs)]
                writer.write(Pair(ar, en, doc=f"doc-{i // 500}", paragraph=i % 500 // 5, sentence=i % 5))

    started = time.perf_counter()
    write()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    write()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 2**20


def measure(path: Path) -> dict[str, float]:
    with browser.Browser() as chromium:
        page = chromium.open(path.as_uri(), timeout=300)
        load = page.load_seconds
        assert page.evaluate("document.body.dataset.ready") == "1"

        def timed(expression: str) -> float:
            return page.evaluate(f"""new Promise((ok) => {{ const t0 = performance.now(); {expression};
                requestAnimationFrame(() => setTimeout(() => ok((performance.now() - t0) / 1000), 0)); }})""",
                                 timeout=300)

        paint = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime / 1000")
        return {
            "load": load,
            "first paint": paint or float("nan"),
            "filter: flagged": timed("document.getElementById('show').value = 'flagged'; review.layout()"),
            "sort by score": timed("document.getElementById('show').value = 'all'; "
                                   "document.getElementById('sort').value = 'asc'; review.layout()"),
            "jump to last row": timed("document.getElementById('sort').value = 'doc'; review.layout(); "
                                      "document.querySelector('#pairs .pair:last-of-type').scrollIntoView()"),
        }


def main() -> None:
    pairs = human_pairs()
    lines = ["# Review page: size and render time", "",
             "Command: `PYTHONPATH=. python bench/review_render.py` (headless Debian Chromium "
             f"{browser_version()}, 2-core machine shared with other jobs; medians of {RUNS} runs, seconds)", "",
             "| pairs | file | write | writer peak memory | load event | first paint | filter: flagged | "
             "sort by score | jump to last row |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        for count in SIZES:
            path = Path(tmp) / f"{count}.review.html"
            write_s, peak = write_page(path, count, pairs)
            runs = [measure(path) for _ in range(RUNS)]
            median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            lines.append(f"| {count:,} | {path.stat().st_size / 2**20:.1f} MiB | {write_s:.1f} | {peak:.1f} MiB | "
                         + " | ".join(f"{median[key]:.2f}" for key in median) + " |")
            print(lines[-1], file=sys.stderr)
    lines += ["", "Load event: from navigation until the whole file is parsed and the script has run "
              "(rows are laid out lazily, `content-visibility: auto`, in blocks of 100). The issue's bound: "
              "5,000 pairs well under 30 s (tests/test_review.py checks < 30 s)."]
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results" / "review.md").write_text(text, encoding="utf-8")
    print(text)


def browser_version() -> str:
    import subprocess

    out = subprocess.run([browser.CHROMIUM, "--version"], capture_output=True, text=True).stdout.split()
    return next((word for word in out if word[:1].isdigit()), "?")


if __name__ == "__main__":
    main()
