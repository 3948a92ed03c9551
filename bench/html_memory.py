"""Peak memory of reading a web page up to the size limit (TRANSLATE_MAX_INPUT_MB, default 32 MB).

A page is generated (a news article of repeated paragraphs with links and bold, inside a menu, ads
and a footer) at fractions of the limit, the last just under it. Each size is read in a fresh
process, measured by its peak resident set (VmHWM): once for the sentence-pair outputs (the
article through trafilatura, then segmented) and once for in-place output (the whole page parsed
into runs, then segmented), which is everything `translate doc` holds before translating.

    python bench/html_memory.py            # writes bench/results/html_memory.{json,md}

trafilatura's extraction time grows faster than the page (18 s, 105 s, 584 s at 4, 8, 16 MB on
the shared 2-core machine), so the article is measured up to half the limit by default
(``--article-up-to-mb``); the whole page is measured up to the limit.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
# Numbered, so that no two paragraphs are the same (trafilatura drops repeated paragraphs).
PARAGRAPH = ('<p>افتتحت البلدية يوم الثلاثاء <b>مكتبة جديدة</b> رقم {n} في وسط المدينة. قال <a href="/mayor">رئيس '
             'البلدية</a> إن المكتبة {n} مفتوحة للجميع. يمكن للأطفال القراءة هناك كل يوم.</p>\n')
HEAD = ('<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>مكتبة جديدة</title>'
        '</head><body><nav><ul><li><a href="/">الرئيسية</a></li><li><a href="/sport">رياضة</a></li></ul></nav>'
        '<div class="ad"><a href="https://ads.example.com">إعلان</a></div><main><article><h1>مكتبة جديدة</h1>\n')
TAIL = '</article></main><footer><p>جميع الحقوق محفوظة</p></footer><script>track()</script></body></html>\n'

# Peak memory as VmHWM: ru_maxrss would carry the parent's peak across exec.
CHILD = r"""
import re, sys, time
from translate.readers import read_document
from translate.document import segments
start = time.perf_counter()
document = read_document(sys.argv[1])
if sys.argv[2] == "page":
    document = document.tree.whole(document)
count = sum(1 for _ in segments(document))
peak = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) * 1024
print(count, peak, time.perf_counter() - start)
"""
BASELINE = "import re; import translate.readers.html, translate.document, trafilatura; " \
           "print(int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) * 1024)"


def page(size: int) -> bytes:
    """A page of ``size`` bytes at most (and within a paragraph of it)."""
    parts, total, n = [HEAD.encode()], len(HEAD.encode()) + len(TAIL.encode()), 0
    while True:
        body = PARAGRAPH.format(n=n).encode()
        if total + len(body) > size:
            break
        parts.append(body)
        total += len(body)
        n += 1
    return b"".join(parts) + TAIL.encode()


def main() -> None:
    import argparse

    from translate.readers import DEFAULT_MAX_BYTES

    parser = argparse.ArgumentParser()
    parser.add_argument("--article-up-to-mb", type=float, default=16)
    article_limit = parser.parse_args().article_up_to_mb * 2**20
    limit = DEFAULT_MAX_BYTES
    baseline = int(subprocess.run([sys.executable, "-c", BASELINE], capture_output=True, text=True,
                                  check=True).stdout)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for fraction in (1 / 8, 1 / 4, 1 / 2, 0.99):
            path = Path(work) / "page.html"
            path.write_bytes(page(int(limit * fraction)))
            for mode in ("article", "page"):
                if mode == "article" and path.stat().st_size > article_limit:
                    continue
                started = time.perf_counter()
                out = subprocess.run([sys.executable, "-c", CHILD, str(path), mode], capture_output=True,
                                     text=True, check=True).stdout.split()
                rows.append({"bytes": path.stat().st_size, "mode": mode, "sentences": int(out[0]),
                             "peak_rss": int(out[1]), "read_s": round(float(out[2]), 2),
                             "process_s": round(time.perf_counter() - started, 2)})
                print(rows[-1], flush=True)
    result = {"command": "python bench/html_memory.py", "limit_bytes": limit, "article_up_to_bytes": article_limit, "baseline_rss": baseline,
              "rows": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "html_memory.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    lines = ["# Peak memory reading a web page up to the size limit", "",
             f"`{result['command']}`; limit {limit / 2**20:g} MB; a process that has imported the readers "
             f"and trafilatura holds {baseline / 2**20:.0f} MB.", "",
             "| page MB | output | sentences | peak RSS MB | per page MB | read s |", "|---:|---|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['bytes'] / 2**20:.1f} | {'sentence pairs (article)' if row['mode'] == 'article' else 'in place (whole page)'} "
                     f"| {row['sentences']} | {row['peak_rss'] / 2**20:.0f} | "
                     f"{(row['peak_rss'] - baseline) / row['bytes']:.1f} | {row['read_s']} |")
    article = [row for row in rows if row["mode"] == "article"]
    if article and article[-1]["bytes"] < 0.9 * limit:
        per_mb = (article[-1]["peak_rss"] - baseline) / article[-1]["bytes"]
        lines += ["", f"The article is measured up to {article_limit / 2**20:g} MB (`--article-up-to-mb`): "
                  "trafilatura's extraction time grows faster than the page (see the read column), while its "
                  f"memory grows linearly, {per_mb:.1f} MB per MB of page, which puts the article of a page at "
                  f"the limit near {(baseline + per_mb * limit) / 2**20:.0f} MB (extrapolated, not measured)."]
    (RESULTS / "html_memory.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
