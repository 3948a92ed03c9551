"""`translate serve` under load: requests/s and p50/p95 latency at 1, 8 and 64 concurrent clients,
against LibreTranslate's own server running the same model as an Argos package (when a venv with
LibreTranslate is given), else against the command line on the same sentences; how often batched
answers differ from `translate text`; and the server's memory over 10,000 requests.

    PYTHONPATH=. .venv/bin/python bench/server_bench.py [--lt-python /tmp/lt-venv/bin/python]
        [--requests 192] [--memory-requests 10000] [--out bench/results]

Every request carries one Tatoeba test sentence (short everyday Arabic, what tiny-ar-en knows), in
a JSON body, as Mastodon-like clients send; each client sends its next request when the last one
is answered. The servers run one model, without a translation memory for the throughput rows
(every sentence reaches the model), bound to 127.0.0.1; clients are asyncio + httpx in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the server-process helper is a test helper

from serving import free_port, serve  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
LEVELS = (1, 8, 64)


def sentences() -> list[str]:
    return (DATA / "tatoeba-test-v2021-08-07" / "src.ar").read_text(encoding="utf-8").splitlines()


async def load(url: str, texts: list[str], clients: int, timeout: float = 300.0) -> dict:
    """Send every text once with ``clients`` concurrent clients; latencies and wall time."""
    queue = list(reversed(texts))
    latencies: list[float] = []
    failures: dict[int, int] = {}

    async def client(http: httpx.AsyncClient) -> None:
        while queue:
            text = queue.pop()
            start = time.perf_counter()
            response = await http.post(url + "/translate", json={"q": text, "source": "ar", "target": "en"})
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                failures[response.status_code] = failures.get(response.status_code, 0) + 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        await http.post(url + "/translate", json={"q": texts[0], "source": "ar", "target": "en"})  # warm up
        start = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        wall = time.perf_counter() - start
    ordered = sorted(latencies)
    return {"clients": clients, "requests": len(texts), "wall_s": round(wall, 3),
            "requests_per_s": round(len(texts) / wall, 2),
            "p50_ms": round(1000 * statistics.median(ordered), 1),
            "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
            "failures": failures}


def run_levels(url: str, texts: list[str]) -> list[dict]:
    return [asyncio.run(load(url, texts, clients)) for clients in LEVELS]


def ours(texts: list[str], threads: int, log_dir: Path) -> list[dict]:
    served = serve("--model", "tiny-ar-en", "--offline", "--no-cache", "--req-limit", "0", "--threads", str(threads),
                   "-q", log_dir=log_dir)
    try:
        rows = run_levels(served.url, texts)
        rows.append({"health": httpx.get(served.url + "/health").json()})
        return rows
    finally:
        served.stop()


def libretranslate(lt_python: str, texts: list[str], threads: int, base: Path) -> list[dict] | None:
    """LibreTranslate with tiny-ar-en as an Argos package (bench/build.py makes it)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import build
    from translate import models

    packages = base / "argos-packages"
    if not packages.exists():
        build.build_argos_package(models.resolve("tiny-ar-en", offline=True), packages, lt_python, "tiny")
    home = base / "lt-home"
    env = dict(os.environ, HOME=str(home), ARGOS_PACKAGES_DIR=str(packages), ARGOS_CHUNK_TYPE="SPACY",
               ARGOS_DEVICE_TYPE="cpu", XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_CONFIG_HOME=str(home / "config"))
    (home / "cache" / "argos-translate" / "spacy" / "senter" / "model").mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = open(base / "libretranslate.log", "w")
    command = [str(Path(lt_python).parent / "libretranslate"), "--host", "127.0.0.1", "--port", str(port),
               "--load-only", "ar,en", "--threads", str(max(4, threads)), "--disable-web-ui", "--char-limit", "-1"]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=base)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(url + "/languages", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            print((base / "libretranslate.log").read_text()[-3000:], file=sys.stderr)
            return None
        return run_levels(url, texts) + [{"command": " ".join(command)}]
    finally:
        process.terminate()
        process.wait(30)


def cli(texts: list[str], threads: int, base: Path) -> dict:
    """`translate doc --presegmented` on the same sentences: one process, no server."""
    source = base / "sentences.txt"
    source.write_text("\n".join(texts) + "\n", encoding="utf-8")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "translate", "doc", str(source), "--presegmented", "--no-cache", "-q",
                    "--model", "tiny-ar-en", "--offline", "--threads", str(threads), "-o", str(base / "out.txt")],
                   check=True)
    wall = time.perf_counter() - start
    return {"sentences": len(texts), "wall_s": round(wall, 3), "sentences_per_s": round(len(texts) / wall, 2)}


def agreement(texts_per_round: int, rounds: int, threads: int, base: Path) -> dict:
    """64 concurrent 3-sentence texts per round: how many answers differ from `translate text`."""
    from translate import Translator
    from translate.document import translate_document

    lines = sentences()
    translator = Translator("tiny-ar-en", offline=True, threads=threads)
    served = serve("--model", "tiny-ar-en", "--offline", "--no-cache", "--req-limit", "0", "--threads", str(threads),
                   "-q", log_dir=base)
    differ = sentences_differ = total = total_sentences = 0
    examples = []
    try:
        for r in range(rounds):
            texts = [" ".join(lines[5000 + (r * texts_per_round + i) * 3:5000 + (r * texts_per_round + i + 1) * 3])
                     for i in range(texts_per_round)]
            got: list = [None] * len(texts)

            def ask(i: int) -> None:
                got[i] = httpx.post(served.url + "/translate", json={"q": texts[i], "source": "ar", "target": "en"},
                                    timeout=300).json()["translatedText"]

            threads_ = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
            for thread in threads_:
                thread.start()
            for thread in threads_:
                thread.join()
            for text, answer in zip(texts, got):
                expected = translator.translate_text(text)
                total += 1
                total_sentences += 3
                if answer != expected:
                    differ += 1
                    # which sentences moved: those of `translate text` not found in the answer
                    expected_sentences = [p.target for p in translate_document(text, translator)]
                    sentences_differ += sum(1 for s in expected_sentences if s not in answer)
                    if len(examples) < 5:
                        examples.append({"translate text": expected, "server": answer})
    finally:
        served.stop()
    return {"texts": total, "texts_differing": differ, "sentences": total_sentences,
            "sentences_differing": sentences_differ, "examples": examples}


def memory_over_requests(count: int, threads: int, base: Path) -> dict:
    """The server's resident memory (VmRSS) every 1,000 requests of 8 concurrent clients; one
    sentence each from a pool of 2,000 Tatoeba sentences (with the default translation memory, so
    repeats are memory hits as in real use)."""
    pool = sentences()[:2000]
    served = serve("--model", "tiny-ar-en", "--offline", "--req-limit", "0", "--threads", str(threads), "-q",
                   "--cache", str(base / "memory.sqlite"), log_dir=base)
    samples = []
    try:
        rss = lambda: int(next(line.split()[1] for line in open(f"/proc/{served.process.pid}/status")  # noqa: E731
                               if line.startswith("VmRSS")))
        samples.append({"requests": 0, "rss_mb": round(rss() / 1024, 1)})
        done = 0
        while done < count:
            batch = [pool[(done + i) * 7 % len(pool)] for i in range(1000)]
            result = asyncio.run(load(served.url, batch, 8))
            done += len(batch)
            samples.append({"requests": done, "rss_mb": round(rss() / 1024, 1), "failures": result["failures"]})
        health = httpx.get(served.url + "/health").json()
    finally:
        served.stop()
    return {"samples": samples, "health": health}


def report(results: dict) -> str:
    lines = ["# `translate serve` under load", "",
             f"Produced by `{results['command']}` on {results['machine']} (one run; the machine is shared, "
             "so compare rows of one run). Model tiny-ar-en int8, beam 4, "
             f"{results['threads']} threads; each request one Tatoeba test sentence; "
             f"{results['requests']} requests per row, clients asyncio + httpx on the same machine.", "",
             "| server | clients | requests/s | p50 ms | p95 ms | failures |", "|---|---:|---:|---:|---:|---|"]
    for name, rows in (("translate serve", results["ours"]), ("LibreTranslate", results.get("libretranslate"))):
        for row in rows or []:
            if "clients" in row:
                lines.append(f"| {name} | {row['clients']} | {row['requests_per_s']} | {row['p50_ms']} | "
                             f"{row['p95_ms']} | {row['failures'] or 'none'} |")
    if results.get("libretranslate"):
        ratios = [f"{o['clients']} clients: {o['requests_per_s'] / l['requests_per_s']:.2f}×"
                  for o, l in zip(results["ours"], results["libretranslate"]) if "clients" in o and "clients" in l]
        lines += ["", "Requests/s, ours ÷ LibreTranslate's: " + ", ".join(ratios) + ".",
                  f"LibreTranslate ran as `{results['libretranslate'][-1]['command']}` (its defaults otherwise)."]
    else:
        lines += ["", f"LibreTranslate: {results.get('libretranslate_note', 'not run')}."]
    c = results["cli"]
    lines += ["", f"The command line on the same {c['sentences']} sentences, one process, no server "
              f"(`translate doc --presegmented`, start-up and model load included): {c['wall_s']} s, "
              f"{c['sentences_per_s']} sentences/s.", ""]
    health = next(r["health"] for r in results["ours"] if "health" in r)
    lines += [f"Batches the model ran for all three rows of `translate serve`: {health['queue']['batches']} for "
              f"{health['queue']['sentences']} sentences.", ""]
    a = results["agreement"]
    lines += ["## Batched answers vs `translate text`", "",
              f"{a['texts']} texts of 3 sentences, sent 64 at a time: {a['texts_differing']} answers differ from "
              f"`translate text` on the same text ({100 * a['texts_differing'] / a['texts']:.1f}%), "
              f"{a['sentences_differing']} of {a['sentences']} sentences "
              f"({100 * a['sentences_differing'] / a['sentences']:.2f}%). int8 results move with the batch a "
              "sentence meets (here the batch holds other requests' sentences); the test allows 4 of 64.", ""]
    for example in a["examples"][:3]:
        lines += [f"- `translate text`: {example['translate text']}", f"  server: {example['server']}"]
    m = results["memory"]
    lines += ["", "## Memory over 10,000 requests", "",
              "Server VmRSS after each 1,000 requests (8 clients, one sentence each from a pool of 2,000, "
              "translation memory on):", "", "| requests | RSS MB |", "|---:|---:|"]
    lines += [f"| {s['requests']} | {s['rss_mb']} |" for s in m["samples"]]
    first, last = m["samples"][1]["rss_mb"], m["samples"][-1]["rss_mb"]
    lines += ["", f"From 1,000 to {m['samples'][-1]['requests']:,} requests: {last - first:+.1f} MB.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lt-python", help="python of a venv with libretranslate (and argostranslate)")
    parser.add_argument("--requests", type=int, default=192)
    parser.add_argument("--memory-requests", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of 64 texts for the agreement check")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    texts = sentences()[:args.requests]
    base = Path(tempfile.mkdtemp(prefix="server-bench-"))
    results: dict = {"command": "PYTHONPATH=. .venv/bin/python bench/server_bench.py " + " ".join(sys.argv[1:]),
                     "machine": f"{os.cpu_count()} cores", "threads": args.threads, "requests": args.requests}
    results["ours"] = ours(texts, args.threads, base)
    print(json.dumps(results["ours"]), flush=True)
    if args.lt_python:
        results["libretranslate"] = libretranslate(args.lt_python, texts, args.threads, base)
        print(json.dumps(results["libretranslate"]), flush=True)
        if results["libretranslate"] is None:
            results["libretranslate_note"] = "did not start (see its log)"
    else:
        results["libretranslate_note"] = "not installed here (no --lt-python)"
    results["cli"] = cli(texts, args.threads, base)
    results["agreement"] = agreement(64, args.rounds, args.threads, base)
    print(json.dumps(results["agreement"]), flush=True)
    results["memory"] = memory_over_requests(args.memory_requests, args.threads, base)
    out = Path(args.out)
    (out / "server.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "server.md").write_text(report(results), encoding="utf-8")
    print(report(results))


if __name__ == "__main__":
    main()
