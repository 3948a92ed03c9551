"""One contender per process (so peak RSS is its own): raw CTranslate2, our Translator API, or
Hugging Face transformers. Prints one JSON line: sentences, tokens, load and translate seconds.

    python bench/workers.py {ct2,api,hf} --model DIR --input FILE [--article] [--beam N] ...

Inputs are read and split into sentences (translate.segmenter for articles) before any timer starts,
so ``translate_s`` is the engine alone; the caller times the whole process from outside.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from translate.normalize import prepare_source  # noqa: E402
from translate.segmenter import segment  # noqa: E402


def read_sentences(path: str, article: bool) -> list[str]:
    text = Path(path).read_text(encoding="utf-8")
    if article:
        return [s.text for s in segment(text)]
    return [line for line in text.splitlines() if line.strip()]


def run_ct2(args, sentences: list[str]) -> dict:
    import ctranslate2
    import sentencepiece

    start = time.perf_counter()
    model = ctranslate2.Translator(args.model, compute_type="int8", inter_threads=args.inter,
                                   intra_threads=args.intra)
    sp = sentencepiece.SentencePieceProcessor(model_file=str(Path(args.model) / "source.spm"))
    load = time.perf_counter() - start
    # Same source tokens as our engine: normalised, SentencePiece, </s> unless the model adds it.
    config = json.loads((Path(args.model) / "config.json").read_text(encoding="utf-8"))
    eos = [] if config.get("add_source_eos") else ["</s>"]
    batch = [sp.encode(prepare_source(s), out_type=str) + eos for s in sentences]
    start = time.perf_counter()
    batching = ({"max_batch_size": args.batch_examples, "batch_type": "examples"} if args.batch_examples
                else {"max_batch_size": args.batch_tokens, "batch_type": "tokens"})
    results = model.translate_batch(batch, **batching, beam_size=args.beam, max_decoding_length=args.max_length or 256,
                                    max_input_length=0, use_vmap=args.shortlist)
    elapsed = time.perf_counter() - start
    lengths = [len(r.hypotheses[0]) for r in results]
    return {"load_s": load, "translate_s": elapsed, "sentences": len(sentences),
            "source_tokens": sum(map(len, batch)), "target_tokens": sum(lengths),
            "min_target_length": min(lengths), "max_target_length": max(lengths)}


def run_api(args, sentences: list[str]) -> dict:
    from translate.engine import DecodeOptions, Translator

    start = time.perf_counter()
    translator = Translator(args.model, offline=True, shortlist=args.shortlist, device=args.device)
    load = time.perf_counter() - start
    options = DecodeOptions(beam_size=args.beam, max_length=args.max_length or None)
    start = time.perf_counter()
    # Generated tokens as the model gave them (random weights: garbage text, exact counts).
    tokens = sum(len(t.pieces) for t in translator.translate(
        sentences, options=options, batch_size=args.batch_tokens, max_rows=args.max_rows if args.max_rows >= 0 else None))
    elapsed = time.perf_counter() - start
    return {"load_s": load, "translate_s": elapsed, "sentences": len(sentences), "target_tokens": tokens,
            "inter_threads": translator.inter_threads, "intra_threads": translator.intra_threads}


def run_hf(args, sentences: list[str]) -> dict:
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    torch.set_num_threads(args.intra)
    start = time.perf_counter()
    tokenizer = MarianTokenizer.from_pretrained(args.model)
    model = MarianMTModel.from_pretrained(args.model, dtype=torch.float32).eval()
    load = time.perf_counter() - start
    specials = {model.config.pad_token_id, model.config.eos_token_id, model.config.decoder_start_token_id}
    fixed = {"min_new_tokens": args.max_length, "max_new_tokens": args.max_length,
             "forced_eos_token_id": None} if args.max_length else {"max_new_tokens": 256}
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    tokens, start = 0, time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(order), args.hf_batch):
            batch = [prepare_source(sentences[j]) for j in order[i:i + args.hf_batch]]
            encoded = tokenizer(batch, return_tensors="pt", padding=True)
            output = model.generate(**encoded, num_beams=args.beam, do_sample=False, **fixed)
            tokenizer.batch_decode(output, skip_special_tokens=True)
            tokens += sum(int(t) not in specials for t in output.flatten())
    elapsed = time.perf_counter() - start
    return {"load_s": load, "translate_s": elapsed, "sentences": len(sentences), "target_tokens": tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=("ct2", "api", "hf"))
    parser.add_argument("--model", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--article", action="store_true", help="input is running text: segment it")
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=0, help="fixed generated length (0: the model's own)")
    parser.add_argument("--inter", type=int, default=2)
    parser.add_argument("--intra", type=int, default=1)
    parser.add_argument("--batch-tokens", type=int, default=1024)
    parser.add_argument("--batch-examples", type=int, default=0, help="ct2: batches of N sentences instead of tokens")
    parser.add_argument("--max-rows", type=int, default=-1, help="api: sentences per batch (0: no limit; default: the engine's)")
    parser.add_argument("--hf-batch", type=int, default=16)
    parser.add_argument("--shortlist", action="store_true", help="restrict the output layer with the model's vmap.txt")
    parser.add_argument("--device", default="cpu", help="api: cpu, cuda or auto")
    args = parser.parse_args()
    sentences = read_sentences(args.input, args.article)
    result = {"ct2": run_ct2, "api": run_api, "hf": run_hf}[args.kind](args, sentences)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
