"""The model card (models/tiny-ar-en/README.md), written from finish.py's measured results."""
from __future__ import annotations

from pathlib import Path

TEMPLATE = """\
# tiny-ar-en — the project's demo Arabic→English model

A small Marian-architecture transformer trained by this repository's own recipe, so that the
project can be run and tested offline with a model that really translates. It handles short,
simple everyday Arabic (Tatoeba style) and is **not** a substitute for `opus-mt-ar-en`: it is a
demo model and never the default.

## Model
- Architecture: Marian transformer (Hugging Face `MarianMTModel`), post-norm, swish, tied
  embeddings, sinusoidal positions; d_model {d_model}, {layers}+{layers} layers, {heads} heads, FFN {ffn};
  {parameters:,} parameters.
- SentencePiece unigram models like OPUS-MT: `source.spm` (Arabic, {src_vocab} pieces) and `target.spm`
  (English, {tgt_vocab} pieces), digits split one by one; one joint vocabulary of {vocab} tokens.
- Files here: CTranslate2 int8 model (`model.bin`, `config.json`, `shared_vocabulary.json`),
  `source.spm`, `target.spm`: {size_mb:.1f} MB in all.
- Converted by the project's own installer, Hugging Face route, int8: `finish.py` calls
  `translate.models.install`, the function behind
  `translate models install tiny-ar-en-int8 --from build/tiny-ar-en/hf --models-dir build/tiny-ar-en/installed`.

## Data and licences
Training pairs ({train:,} after de-duplication), from `../shared/data`:
| set | pairs kept | licence / credit |
|---|---|---|
| manythings-tatoeba-ara-eng | {n_many:,} | Tatoeba.org, CC BY 2.0 FR (per-pair authors in the set's attribution.txt) |
| tatoeba-test-v2021-08-07 (minus held-out) | {n_tato:,} | Tatoeba.org, CC BY 2.0 FR |
| un-v1.0-devset | {n_undev:,} | United Nations Parallel Corpus v1.0 — © United Nations, used under the corpus terms; Ziemski, Junczys-Dowmunt, Pouliquen: *The United Nations Parallel Corpus v1.0*, LREC 2016 |
| un-v1.0-testset | {n_untest:,} | as above |

Not used: IWSLT (licence forbids derivatives) and TICO-19 (kept out: it evaluates translation and
alignment elsewhere in the project). The Arabic side is normalised by the engine's own
`translate.normalize.prepare_source`, as at inference time.

Held-out test: {heldout:,} pairs of `tatoeba-test-v2021-08-07/subset_ara_label_only` chosen by a
SHA-256 hash of the pair (about 13%). Every training pair whose Arabic or English side equals a
held-out side was removed from training: {removed:,} pairs (this count includes the held-out pairs'
own occurrences in the full Tatoeba test file).

## Training
One command reproduces it all: `models/recipes/tiny-ar-en/build.sh --commit` (the two steps below,
with the step count fixed at 2353).
`PYTHONPATH=. python models/recipes/tiny-ar-en/train.py --out build/tiny-ar-en{train_flags}` then
`PYTHONPATH=. python models/recipes/tiny-ar-en/finish.py --out build/tiny-ar-en --commit`.{stop_note}
Seed {seed}; {steps} steps ({epochs} epochs) of about {batch_tokens} padded tokens, Adam, inverse-square-root
schedule (peak {lr}, warmup {warmup}), label smoothing 0.1, dropout 0.1; {threads} CPU threads.
Training took {train_minutes:.1f} minutes on the project's 2-core machine, shared with other work (the
training loop; data preparation and SentencePiece training add under a minute).

## Scores (held-out Tatoeba, beam 4, the project's Translator)
sacrebleu signatures: {signatures}.

| model | BLEU | chrF |
|---|---|---|
{score_rows}

int8 loses {int8_loss:.2f} BLEU against float32. For scale: opus-mt-ar-en scores 47.0 BLEU on the
whole Tatoeba v2021-08-07 set.

## Parity
- Hugging Face `generate()` and CTranslate2 float32 from the same weights, same input ids,
  length penalty 1.0, {parity_len} tokens max, `<pad>` banned in HF (CTranslate2 drops it):
  {parity_rows}.
- The OPUS-MT release route (`opus-2026-tiny-ar-en.zip`: .npz + decoder.yml + vocab .yml + .spm,
  exported by `models/recipes/tiny-ar-en/export.py`, converted by `OpusMTConverter`) against the
  Hugging Face route: {routes}.

## Limitations
Trained on {train:,} pairs for {train_minutes:.0f} CPU minutes: it renders short everyday sentences recognisably but
often loses details, and it handles numbers poorly (digits are split into single pieces and are
sometimes repeated, e.g. 8 -> 888). Use it for offline tests and demonstrations, not for real work.

## Speed
{speed_tps:,.0f} target tokens/s with the project's `Translator` (int8, beam 4, default threads),
{speed_n} held-out sentences in {speed_s:.1f} s on the 2-core machine.
"""


def write_model_card(path: Path, r: dict) -> None:
    t = r["training"]
    a = t["args"]
    per = r["split"]["per_set"]
    rows = "\n".join(f"| CTranslate2 {k.replace('hf-', 'HF route ').replace('opus-', 'OPUS-MT route ')} "
                     f"| {v['bleu']:.1f} | {v['chrf']:.1f} |" for k, v in r["scores"].items())
    parity = "; ".join(f"beam {p['beam_size']}: {p['identical']} of {p['sentences']} outputs identical"
                       for p in r["parity_hf_vs_ct2_float32"])
    routes = "; ".join(f"{q}: {v['identical']} of {v['sentences']} held-out translations identical"
                       for q, v in r["routes_identical"].items())
    stopped = t["steps"] < a["steps"]
    train_flags = f" --max-minutes {a['max_minutes']:g}" if stopped else ""
    stop_note = (f"\nThe time limit stopped training at step {t['steps']}; the schedule does not depend on the "
                 f"total, so `--steps {t['steps']}` runs the same data order and learning rates.") if stopped else ""
    path.write_text(TEMPLATE.format(train_flags=train_flags, stop_note=stop_note,
        d_model=a["d_model"], layers=a["layers"], heads=a["heads"], ffn=a["ffn"], parameters=t["parameters"],
        src_vocab=a["src_vocab"], tgt_vocab=a["tgt_vocab"], vocab=t["vocab"],
        size_mb=sum(r["size_bytes"].values()) / 1e6, train=r["split"]["train"],
        n_many=per["manythings-tatoeba-ara-eng"], n_tato=per["tatoeba-test-v2021-08-07"],
        n_undev=per["un-v1.0-devset"], n_untest=per["un-v1.0-testset"], heldout=r["split"]["heldout"],
        removed=r["split"]["removed_overlap"], seed=t["seed"], steps=t["steps"], epochs=t["epochs"],
        batch_tokens=a["batch_tokens"], lr=a["lr"], warmup=a["warmup"], threads=t["threads"],
        train_minutes=t["train_seconds"] / 60, score_rows=rows, int8_loss=r["int8_bleu_loss"],
        parity_len=r["parity_hf_vs_ct2_float32"][0]["max_tokens"], parity_rows=parity, routes=routes,
        speed_tps=r["speed"]["target_tokens_per_s"], speed_n=r["speed"]["sentences"],
        speed_s=r["speed"]["seconds"], signatures="BLEU `{}`, chrF `{}`".format(*r["scores"]["hf-int8"]["signatures"])), encoding="utf-8")
