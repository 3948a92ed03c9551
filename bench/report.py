"""Turn the benchmark's raw runs into a summary, the goal checks and the Markdown table."""

from __future__ import annotations

import statistics

OURS = {"engine": "translate API", "hf-subset": "translate API", "article": "translate doc"}
# Peak operations per cycle per core (two 512-bit FMA ports on a Xeon with AVX-512; AMX tiles).
OPS_PER_CYCLE = {"int8 AVX-512 VNNI": 2 * 64 * 2, "int8 AMX": 1024 * 2, "fp32 AVX-512 FMA": 2 * 16 * 2}


def summarise(results: dict) -> list[dict]:
    """One row per job: medians over repetitions; tokens/s is per process wall time for end-to-end
    rows and per translate call (model loaded) for engine rows."""
    rows = []
    for job in results["jobs"]:
        runs = job["runs"]
        if not runs:
            continue
        med = lambda key: statistics.median(r[key] for r in runs) if key in runs[0] else None  # noqa: E731
        seconds = med("translate_s") if job["workload"] in ("engine", "hf-subset") else med("wall_s")
        tokens, sentences = runs[0]["target_tokens"], runs[0]["sentences"]
        rows.append({"model": job["model"], "workload": job["workload"], "contender": job["contender"],
                     "beam": job["beam"], "scale": job["scale"], "repetitions": len(runs),
                     "sentences": sentences, "target_tokens": tokens, "wall_s": med("wall_s"),
                     "translate_s": med("translate_s"), "load_s": med("load_s"), "seconds": seconds,
                     "tokens_per_s": tokens / seconds, "sentences_per_s": sentences / seconds,
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                     "spread": (max(r["wall_s"] for r in runs) - min(r["wall_s"] for r in runs)) / med("wall_s")})
    for row in rows:
        ours = find(rows, row["model"], row["workload"], OURS.get(row["workload"], ""), row["beam"], row["scale"])
        row["ours_vs_this"] = ours["tokens_per_s"] / row["tokens_per_s"] if ours else None
    return rows


def find(rows: list[dict], model: str, workload: str, contender: str, beam: int, scale: int = 1) -> dict | None:
    return next((r for r in rows if (r["model"], r["workload"], r["contender"], r["beam"], r["scale"])
                 == (model, workload, contender, beam, scale)), None)


def net_doc_rate(rows: list[dict], model: str, beam: int, scale: int = 1) -> float | None:
    """`translate doc` tokens/s without its fixed start-up cost (wall of a one-sentence document)."""
    doc, startup = find(rows, model, "article", "translate doc", beam, scale), find(rows, model, "startup", "translate doc", 1)
    if not doc or not startup or doc["wall_s"] <= startup["wall_s"]:
        return None
    return doc["target_tokens"] / (doc["wall_s"] - startup["wall_s"])


def flops_per_token(dims: dict) -> dict:
    """Multiply-adds ×2 per source token (encoder + the decoder's cross-attention keys/values) and per
    generated token per hypothesis (decoder layers + the vocabulary projection). Attention scores
    (a few % at these lengths), embeddings, norms and softmax are left out."""
    d, f, v = dims["d_model"], dims["ffn"], dims["vocab_size"]
    encoder = 2 * (dims["enc_depth"] * (4 * d * d + 2 * d * f) + dims["dec_depth"] * 2 * d * d)
    decoder = 2 * (dims["dec_depth"] * (4 * d * d + 2 * d * d + 2 * d * f) + d * v)
    return {"per_source_token": encoder, "per_target_token_per_hypothesis": decoder,
            "output_projection_share": 2 * d * v / decoder}


def physical_bound(results: dict, rows: list[dict]) -> dict:
    dims = results["plan"]["dims"]
    flops = flops_per_token(dims)
    cpu = results["machine"]
    out = {"flops": flops, "ghz": cpu["mhz"] / 1000, "cores": cpu["cores"], "by_beam": {}}
    peaks = {name: cpu["cores"] * cpu["mhz"] / 1000 * ops * 1e9 for name, ops in OPS_PER_CYCLE.items()}
    out["peak_ops_per_s"] = peaks
    for beam in (1, 4):
        row = find(rows, "random", "engine", "ctranslate2 2x1", beam)
        job = next((j for j in results["jobs"] if j["model"] == "random" and j["workload"] == "engine"
                    and j["contender"] == "ctranslate2 2x1" and j["beam"] == beam), None)
        if not row or not job or "source_tokens" not in job["runs"][0]:
            continue
        source = job["runs"][0]["source_tokens"]
        work = source * flops["per_source_token"] + row["target_tokens"] * beam * flops["per_target_token_per_hypothesis"]
        achieved = work / row["translate_s"]
        per_token = work / row["target_tokens"]
        out["by_beam"][beam] = {
            "flops_per_generated_token": per_token, "achieved_ops_per_s": achieved,
            "measured_tokens_per_s": row["tokens_per_s"],
            "bound_tokens_per_s": {name: peak / per_token for name, peak in peaks.items()},
            "fraction_of_peak": {name: achieved / peak for name, peak in peaks.items()}}
    return out


def goals(results: dict) -> dict:
    rows = results["summary"]
    g: dict = {"vs_raw_ct2": {}, "vs_hf_beam4": {}, "vs_argos": {}, "linear": {}, "memory": {}}
    for beam in (1, 4):
        api, ct2 = find(rows, "random", "engine", "translate API", beam), find(rows, "random", "engine", "ctranslate2 2x1", beam)
        doc, ct2_article = (find(rows, "random", "article", c, beam) for c in ("translate doc", "ctranslate2 2x1"))
        net = net_doc_rate(rows, "random", beam)
        g["vs_raw_ct2"][beam] = {
            "api_engine": ratio(api, ct2),
            "doc_net_vs_ct2_translate": net / (ct2_article["target_tokens"] / ct2_article["translate_s"])
            if net and ct2_article else None,
            "doc_vs_ct2_whole_process": ratio(doc, ct2_article)}
        for model in ("random", "tiny-ar-en"):
            argos = find(rows, model, "article", "argos translate", beam)
            mine = find(rows, model, "article", "translate doc", beam)
            if argos and mine:
                g["vs_argos"][f"{model} beam {beam}"] = ratio(mine, argos)
    hf = find(rows, "random", "hf-subset", "transformers fp32", 4)
    if hf:
        doc = find(rows, "random", "article", "translate doc", 4)
        g["vs_hf_beam4"] = {"doc_end_to_end_vs_hf_generate": ratio(doc, hf),
                            "api_engine_vs_hf": ratio(find(rows, "random", "hf-subset", "translate API", 4), hf),
                            "ct2_engine_vs_hf": ratio(find(rows, "random", "hf-subset", "ctranslate2 2x1", 4), hf)}
        hf1 = find(rows, "random", "hf-subset", "transformers fp32", 1)
        g["vs_hf_greedy"] = {"api_engine_vs_hf": ratio(find(rows, "random", "hf-subset", "translate API", 1), hf1),
                             "ct2_engine_vs_hf": ratio(find(rows, "random", "hf-subset", "ctranslate2 2x1", 1), hf1)}
    scales = sorted(r["scale"] for r in rows if r["model"] == "random" and r["workload"] == "article"
                    and r["contender"] == "translate doc" and r["beam"] == 1)
    base = find(rows, "random", "article", "translate doc", 1, 1)
    startup = find(rows, "random", "startup", "translate doc", 1)
    for scale in scales:
        row = find(rows, "random", "article", "translate doc", 1, scale)
        per_token = lambda r, cut=0.0: (r["wall_s"] - cut) / r["target_tokens"]  # noqa: E731
        g["linear"][scale] = {
            "sentences": row["sentences"], "wall_s": row["wall_s"],
            "seconds_per_token_vs_1x": per_token(row) / per_token(base),
            "net_seconds_per_token_vs_1x": per_token(row, startup["wall_s"]) / per_token(base, startup["wall_s"])
            if startup else None,
            "peak_rss_mb": row["peak_rss_mb"]}
    rss = [v["peak_rss_mb"] for v in g["linear"].values()]
    g["memory"] = {"doc_peak_rss_mb_by_scale": {s: v["peak_rss_mb"] for s, v in g["linear"].items()},
                   "growth_16x_vs_1x": max(rss) / min(rss) if rss else None}
    g["physical_bound"] = physical_bound(results, rows)
    return g


def ratio(ours: dict | None, other: dict | None) -> float | None:
    return ours["tokens_per_s"] / other["tokens_per_s"] if ours and other else None


def fmt(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}" if isinstance(value, float) else str(value)


def markdown(results: dict) -> str:
    rows, g, m, w = results["summary"], results["goals"], results["machine"], results["workload"]
    flags = ", ".join(f for f, on in m["isa_flags"].items() if on)
    lines = [
        "# Speed: `translate doc` vs raw CTranslate2, Hugging Face transformers and Argos Translate", "",
        f"Plan `{results['plan']['name']}`, {results['plan']['repetitions']} interleaved repetitions, medians "
        f"({results['seconds']} s of runs; 1/5/15-min load average at start "
        f"{', '.join(f'{x:.1f}' for x in results['load_average']['start'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in results['load_average']['end'])}). Machine: {m['cpu']}, {m['cores']} cores at {m['mhz']:.0f} MHz "
        f"({flags}); CTranslate2 {m['ctranslate2']} (CPU compute types: {', '.join(m['ct2_compute_types'])}). "
        "Regenerate with `python bench/run.py` (see bench/README.md).", "",
        f"Model `random`: opus-mt-ar-en dimensions ({fmt_dims(results['plan']['dims'])}), random weights, "
        "int8, installed through the OPUS-MT zip route. Its EOS logit is pinned to −1e9, so every contender "
        f"generates exactly **{w['fixed_length']} tokens per sentence** (the median SentencePiece length of "
        "TICO-19's English references); `tiny-ar-en` rows: lengths come from the model itself and each "
        "contender's tokens are counted (exact for CTranslate2, Argos and HF; our English re-tokenised "
        "with target.spm).", "",
        "tokens/s = generated target tokens per second. **engine** rows: the translate call only, model "
        "loaded, input already split (sentences from TICO-19 + UN); **hf-subset** rows: the same on the "
        f"first {results['plan']['hf_sentences']} of them, for transformers and the two engines it is compared with. **article** rows: the whole process (start-up, model load, "
        "reading, segmenting, translating, writing), TICO-19 documents as articles. "
        "ours ÷ this: our tokens/s (engine: translate API, article: translate doc) over the row's.", "",
        "| model | workload | contender | beam | scale | sentences | tokens | seconds | tokens/s | sentences/s | peak RSS MB | ours ÷ this | spread |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['workload']} | {r['contender']} | {r['beam']} | {r['scale']}x | "
                     f"{r['sentences']} | {r['target_tokens']} | {fmt(r['seconds'])} | {fmt(r['tokens_per_s'], 1)} | "
                     f"{fmt(r['sentences_per_s'])} | {fmt(r['peak_rss_mb'], 0)} | {fmt(r['ours_vs_this'])} | "
                     f"{r['spread']:.0%} |")
    lines += ["", "## Goals", "", "| goal | measured | met |", "|---|---|---|"]
    lines += goal_lines(g)
    pb = g["physical_bound"]
    lines += ["", "## Physical bound", "",
              f"FLOPs (2 × multiply-adds): {pb['flops']['per_source_token'] / 1e6:.1f} M per source token, "
              f"{pb['flops']['per_target_token_per_hypothesis'] / 1e6:.1f} M per generated token per beam "
              f"hypothesis ({pb['flops']['output_projection_share']:.0%} of it the {results['plan']['dims']['vocab_size']:,}"
              f"-entry output projection). Peak of {pb['cores']} cores at {pb['ghz']:.2f} GHz: "
              + ", ".join(f"{k} {v / 1e9:,.0f} G/s" for k, v in pb["peak_ops_per_s"].items()) + ".", "",
              "| beam | FLOPs per generated token (incl. source side) | achieved G ops/s | measured tokens/s | "
              "bound tokens/s (VNNI) | of VNNI peak | of AMX peak |", "|---|---|---|---|---|---|---|"]
    for beam, b in pb["by_beam"].items():
        lines.append(f"| {beam} | {b['flops_per_generated_token'] / 1e6:.0f} M | {b['achieved_ops_per_s'] / 1e9:.1f} | "
                     f"{b['measured_tokens_per_s']:.0f} | {b['bound_tokens_per_s']['int8 AVX-512 VNNI']:,.0f} | "
                     f"{b['fraction_of_peak']['int8 AVX-512 VNNI']:.1%} | {b['fraction_of_peak']['int8 AMX']:.1%} |")
    log = results["machine"].get("ct2_log", "")
    if log:
        lines += ["", "CTranslate2's log (CT2_VERBOSE=1):", "", "```", log, "```"]
    skipped = [f"{c}: {status}" for c, status in results["contenders"].items() if status != "ran"]
    lines += ["", "## Notes", ""] + [f"- {n}" for n in skipped + results["notes"] + [f"GPU table: {results['gpu']}."]]
    return "\n".join(lines) + "\n"


def fmt_dims(d: dict) -> str:
    return (f"d_model {d['d_model']}, {d['enc_depth']}+{d['dec_depth']} layers, {d['heads']} heads, "
            f"FFN {d['ffn']}, vocabulary {d['vocab_size']:,}")


def goal_lines(g: dict) -> list[str]:
    def met(value, threshold, above=True):
        if value is None:
            return "–"
        return "yes" if (value >= threshold if above else value <= threshold) else "no"

    out = []
    for beam, v in g["vs_raw_ct2"].items():
        out.append(f"| ≥ 0.95 of raw CTranslate2, beam {beam}: API vs translate_batch (engine) | "
                   f"{fmt(v['api_engine'])} | {met(v['api_engine'], 0.95)} |")
        out.append(f"| … `translate doc` minus start-up vs translate_batch on the same segments | "
                   f"{fmt(v['doc_net_vs_ct2_translate'])} | {met(v['doc_net_vs_ct2_translate'], 0.95)} |")
        out.append(f"| … `translate doc` vs raw CTranslate2, both whole processes | "
                   f"{fmt(v['doc_vs_ct2_whole_process'])} | {met(v['doc_vs_ct2_whole_process'], 0.95)} |")
    hf = g.get("vs_hf_beam4") or {}
    if hf:
        out.append(f"| ≥ 5× transformers at beam 4: `translate doc` end to end vs HF generate() alone | "
                   f"{fmt(hf['doc_end_to_end_vs_hf_generate'])} | {met(hf['doc_end_to_end_vs_hf_generate'], 5)} |")
        out.append(f"| … engine, same sentences: translate API vs HF / raw CTranslate2 vs HF | "
                   f"{fmt(hf['api_engine_vs_hf'])} / {fmt(hf['ct2_engine_vs_hf'])} | {met(hf['api_engine_vs_hf'], 5)} |")
        greedy = g["vs_hf_greedy"]
        out.append(f"| (greedy, engine, same sentences: translate API vs HF / raw CTranslate2 vs HF) | "
                   f"{fmt(greedy['api_engine_vs_hf'])} / {fmt(greedy['ct2_engine_vs_hf'])} | |")
    for key, value in g["vs_argos"].items():
        out.append(f"| faster than Argos end to end ({key}) | {fmt(value)} | {met(value, 1.0)} |")
    for scale, v in g["linear"].items():
        worst = v["net_seconds_per_token_vs_1x"]
        out.append(f"| linear cost: {scale}x input, seconds per token vs 1x (whole process / minus start-up) | "
                   f"{fmt(v['seconds_per_token_vs_1x'])} / {fmt(worst)} | "
                   f"{met(abs(worst - 1) if worst else None, 0.10, above=False)} |")
    mem = g["memory"]
    out.append(f"| peak RSS of `translate doc` by input scale (MB); growth largest/smallest | "
               f"{', '.join(f'{s}x {v:.0f}' for s, v in mem['doc_peak_rss_mb_by_scale'].items())}; "
               f"{fmt(mem['growth_16x_vs_1x'])} | {met(mem['growth_16x_vs_1x'], 1.10, above=False)} |")
    return out


def table(header: list[str], rows: list[list]) -> list[str]:
    """Markdown table lines: the header, its rule, one line per row (cells as given)."""
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)]


def spread_ratio(values: list[float], bases: list[float]) -> dict:
    """Ratios of runs made in the same repetition (values[i] / bases[i]): median, min, max."""
    ratios = [v / b for v, b in zip(values, bases)]
    return {"ratio": statistics.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios)}


def fmt_ratio(row: dict) -> str:
    return f"{row['ratio']:.2f} ({row['ratio_min']:.2f}–{row['ratio_max']:.2f})"
