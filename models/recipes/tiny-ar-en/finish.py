"""Convert, export, evaluate and (with --commit) publish tiny-ar-en after train.py.

    PYTHONPATH=. python models/recipes/tiny-ar-en/finish.py --out build/tiny-ar-en [--commit]

1. Hugging Face route: the project's own installer (`translate models install NAME --from DIR`)
   converts OUT/hf to CTranslate2, int8 and float32.
2. OPUS-MT route: the same weights exported to a Marian release zip, installed the same way.
3. Held-out scores (sacrebleu BLEU/chrF) through the project's Translator; identical lines
   between the two routes; parity of CTranslate2 float32 with Hugging Face generate(); speed.
Results go to OUT/results.json; --commit copies the int8 model into models/tiny-ar-en/ with its card.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import ctranslate2
import sacrebleu
import sentencepiece as spm
import torch
from transformers import MarianMTModel

from translate.engine import DecodeOptions, Translator
from translate.models import install

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export import export_opus_mt  # noqa: E402
from model_card import write_model_card  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
SHIPPED = ("model.bin", "config.json", "shared_vocabulary.json", "source.spm", "target.spm")
PARITY_MAX_TOKENS = 128  # HF max_new_tokens and CTranslate2 max_decoding_length alike


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def translate_all(model_dir: Path, compute_type: str, sources: list[str]) -> tuple[list[str], float]:
    translator = Translator(model_dir, compute_type=compute_type)
    start = time.perf_counter()
    hyps = [t.target for t in translator.translate(sources, options=DecodeOptions(beam_size=4))]
    return hyps, time.perf_counter() - start


def scores(hyps: list[str], refs: list[str]) -> dict:
    bleu, chrf = sacrebleu.BLEU(), sacrebleu.CHRF()
    return {"bleu": round(bleu.corpus_score(hyps, [refs]).score, 2),
            "chrf": round(chrf.corpus_score(hyps, [refs]).score, 2),
            "signatures": [str(bleu.get_signature()), str(chrf.get_signature())]}


def hf_vs_ct2(hf_dir: Path, ct2_dir: Path, sources: list[str], beam: int) -> dict:
    """Token-level comparison of HF generate() and CTranslate2 float32 on the same input ids."""
    vocab = json.loads((hf_dir / "vocab.json").read_text(encoding="utf-8"))
    ids_to_tok = {i: t for t, i in vocab.items()}
    sp = spm.SentencePieceProcessor(model_file=str(hf_dir / "source.spm"))
    pieces = [p + ["</s>"] for p in sp.encode(sources, out_type=str)]
    model = MarianMTModel.from_pretrained(hf_dir).eval()
    pad = model.config.pad_token_id
    hf_out: list[list[str]] = []
    for i in range(0, len(pieces), 16):
        batch = [[vocab.get(p, vocab["<unk>"]) for p in row] for row in pieces[i:i + 16]]
        width = max(map(len, batch))
        ids = torch.tensor([row + [pad] * (width - len(row)) for row in batch])
        with torch.no_grad():
            gen = model.generate(input_ids=ids, attention_mask=ids.ne(pad).long(), num_beams=beam,
                                 do_sample=False, max_new_tokens=PARITY_MAX_TOKENS, length_penalty=1.0,
                                 early_stopping=True, forced_eos_token_id=None, bad_words_ids=[[pad]])
        for row in gen.tolist():
            toks = [ids_to_tok[t] for t in row[1:] if t != pad]
            hf_out.append(toks[:-1] if toks and toks[-1] == "</s>" else toks)
    ct2 = ctranslate2.Translator(str(ct2_dir), compute_type="float32", inter_threads=1, intra_threads=2)
    ct2_out = [r.hypotheses[0] for r in ct2.translate_batch(
        pieces, beam_size=beam, length_penalty=1.0, max_decoding_length=PARITY_MAX_TOKENS, max_batch_size=16)]
    same = sum(a == b for a, b in zip(hf_out, ct2_out))
    return {"sentences": len(sources), "beam_size": beam, "identical": same, "max_tokens": PARITY_MAX_TOKENS}


def finish(out: Path, parity_n: int, commit: bool) -> dict:
    hf_dir, installed = out / "hf", out / "installed"
    sources, refs = read_lines(out / "data" / "heldout.ar"), read_lines(out / "data" / "heldout.en")
    dirs = {}
    for q in ("int8", "float32"):  # the HF route, through the project's installer
        dirs[f"hf-{q}"] = install(f"tiny-ar-en-{q}", hf_dir, directory=installed, quantization=q, force=True)
    zip_path = export_opus_mt(hf_dir, out / "opus-mt", out / "opus-2026-tiny-ar-en.zip")
    for q in ("int8", "float32"):  # the OPUS-MT release route
        dirs[f"opus-{q}"] = install(f"tiny-ar-en-opus-{q}", zip_path, directory=installed, quantization=q, force=True)

    results: dict = {"heldout_sentences": len(sources), "scores": {}, "routes_identical": {}}
    hyps = {}
    for name, path in dirs.items():
        hyps[name], seconds = translate_all(path, name.split("-")[1], sources)
        results["scores"][name] = scores(hyps[name], refs)
        if name == "hf-int8":
            tgt = spm.SentencePieceProcessor(model_file=str(path / "target.spm"))
            tokens = sum(len(tgt.encode(h)) for h in hyps[name])
            results["speed"] = {"sentences": len(sources), "seconds": round(seconds, 2),
                                "target_tokens": tokens, "target_tokens_per_s": round(tokens / seconds, 1),
                                "beam_size": 4, "compute_type": "int8"}
    for q in ("int8", "float32"):
        same = sum(a == b for a, b in zip(hyps[f"hf-{q}"], hyps[f"opus-{q}"]))
        results["routes_identical"][q] = {"identical": same, "sentences": len(sources)}
    results["parity_hf_vs_ct2_float32"] = [
        hf_vs_ct2(hf_dir, dirs["hf-float32"], sources[:parity_n], beam) for beam in (1, 4)]
    results["int8_bleu_loss"] = round(results["scores"]["hf-float32"]["bleu"] - results["scores"]["hf-int8"]["bleu"], 2)
    results["size_bytes"] = {f: (dirs["hf-int8"] / f).stat().st_size for f in SHIPPED}
    results["split"] = json.loads((out / "data" / "split.json").read_text())
    results["training"] = json.loads((out / "train_stats.json").read_text())
    (out / "results.json").write_text(json.dumps(results, indent=1))
    (out / "heldout.hyp.en").write_text("".join(h + "\n" for h in hyps["hf-int8"]), encoding="utf-8")
    if commit:
        target = REPO / "models" / "tiny-ar-en"
        target.mkdir(parents=True, exist_ok=True)
        for f in SHIPPED:
            shutil.copyfile(dirs["hf-int8"] / f, target / f)
        write_model_card(target / "README.md", results)
    return results


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="build/tiny-ar-en")
    p.add_argument("--parity-n", type=int, default=250)
    p.add_argument("--commit", action="store_true", help="copy the int8 model and its card into models/tiny-ar-en")
    args = p.parse_args()
    print(json.dumps(finish(Path(args.out), args.parity_n, args.commit), indent=1))
