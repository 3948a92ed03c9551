"""Train tiny-ar-en: a small Marian-architecture Arabic→English model, end to end.

One command (from the repository root):
    PYTHONPATH=. python models/recipes/tiny-ar-en/train.py --out build/tiny-ar-en
Stages: data split -> SentencePiece (source.spm, target.spm, joint vocab) -> training of a
Hugging Face MarianMTModel -> save a normal Marian HF checkpoint in OUT/hf. Conversion, the
OPUS-MT export and the evaluation are `finish.py` (run afterwards, or by --finish).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

import sentencepiece as spm

# Spinning OpenMP workers collapse throughput when the 2 cores are shared with other jobs.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
from transformers import GenerationConfig, MarianConfig, MarianMTModel  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import build_split, write_split  # noqa: E402

SEED = 1234
SPECIALS = ("</s>", "<unk>")  # ids 0 and 1 as in OPUS-MT vocabularies; <pad> goes last


def train_spm(text: Path, prefix: Path, vocab_size: int, coverage: float) -> None:
    spm.SentencePieceTrainer.train(
        input=str(text), model_prefix=str(prefix), vocab_size=vocab_size, model_type="unigram",
        character_coverage=coverage, split_digits=True,  # digit by digit: numbers survive
        bos_id=-1, eos_id=-1, unk_id=0, unk_piece="<unk>", pad_id=-1,
        input_sentence_size=1_000_000, shuffle_input_sentence=True, seed_sentencepiece_size=200_000,
        num_threads=2, minloglevel=2,
    )


def joint_vocab(*models: spm.SentencePieceProcessor) -> dict[str, int]:
    vocab = {tok: i for i, tok in enumerate(SPECIALS)}
    for sp in models:
        for i in range(sp.get_piece_size()):
            piece = sp.id_to_piece(i)
            if not sp.is_unknown(i) and piece not in vocab:
                vocab[piece] = len(vocab)
    vocab["<pad>"] = len(vocab)
    return vocab


def encode(sp: spm.SentencePieceProcessor, vocab: dict[str, int], lines: list[str]) -> list[list[int]]:
    unk = vocab["<unk>"]
    return [[vocab.get(p, unk) for p in pieces] + [0] for pieces in sp.encode(lines, out_type=str)]


def make_batches(pairs: list[tuple[list[int], list[int]]], max_tokens: int, rng: random.Random):
    """Length-bucketed batches of at most max_tokens (padded), in random order."""
    order = sorted(range(len(pairs)), key=lambda i: (len(pairs[i][1]) + rng.random(), len(pairs[i][0])))
    batches, cur, longest = [], [], 0
    for i in order:
        n = max(len(pairs[i][0]), len(pairs[i][1]))
        if cur and max(longest, n) * (len(cur) + 1) > max_tokens:
            batches.append(cur)
            cur, longest = [], 0
        cur.append(i)
        longest = max(longest, n)
    if cur:
        batches.append(cur)
    rng.shuffle(batches)
    return batches


def collate(pairs, idx: list[int], pad: int):
    src = [pairs[i][0] for i in idx]
    tgt = [pairs[i][1] for i in idx]
    s_len, t_len = max(map(len, src)), max(map(len, tgt))
    input_ids = torch.full((len(idx), s_len), pad)
    labels = torch.full((len(idx), t_len), -100)
    dec_in = torch.full((len(idx), t_len), pad)  # decoder starts from <pad> (a zero embedding)
    for r, (s, t) in enumerate(zip(src, tgt)):
        input_ids[r, : len(s)] = torch.tensor(s)
        labels[r, : len(t)] = torch.tensor(t)
        dec_in[r, 1 : len(t)] = torch.tensor(t[:-1])
    return input_ids, input_ids.ne(pad).long(), dec_in, labels


def build_model(vocab_size: int, pad: int, args) -> MarianMTModel:
    config = MarianConfig(
        vocab_size=vocab_size, decoder_vocab_size=vocab_size, d_model=args.d_model,
        encoder_layers=args.layers, decoder_layers=args.layers,
        encoder_attention_heads=args.heads, decoder_attention_heads=args.heads,
        encoder_ffn_dim=args.ffn, decoder_ffn_dim=args.ffn, activation_function="swish",
        dropout=0.1, attention_dropout=0.0, activation_dropout=0.0, max_position_embeddings=512,
        scale_embedding=True, share_encoder_decoder_embeddings=True, tie_word_embeddings=True,
        pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad, forced_eos_token_id=0,
    )
    return MarianMTModel(config)


def zero_pad_row(model: MarianMTModel, pad: int) -> None:
    # CTranslate2 starts the decoder from a zero vector and drops <pad>; keep the tied row at 0
    # (the output projection's gradient would otherwise move it) so both runtimes agree.
    with torch.no_grad():
        model.get_input_embeddings().weight[pad].zero_()


def train(args) -> None:
    random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    data_dir, hf_dir = out / "data", out / "hf"
    split = build_split()
    write_split(split, data_dir)
    print(f"data: train {len(split.train)} pairs {split.per_set}, held-out {len(split.heldout)}, "
          f"removed from training for overlap with held-out {split.removed}", flush=True)
    (out / "data" / "split.json").write_text(json.dumps(
        {"train": len(split.train), "per_set": split.per_set, "heldout": len(split.heldout),
         "removed_overlap": split.removed}, indent=1))

    train_spm(data_dir / "train.ar", data_dir / "source", args.src_vocab, 0.9995)
    train_spm(data_dir / "train.en", data_dir / "target", args.tgt_vocab, 1.0)
    sp_src = spm.SentencePieceProcessor(model_file=str(data_dir / "source.model"))
    sp_tgt = spm.SentencePieceProcessor(model_file=str(data_dir / "target.model"))
    vocab = joint_vocab(sp_src, sp_tgt)
    pad = vocab["<pad>"]
    src_ids = encode(sp_src, vocab, [a for a, _ in split.train])
    tgt_ids = encode(sp_tgt, vocab, [e for _, e in split.train])
    pairs = [(s, t) for s, t in zip(src_ids, tgt_ids) if len(s) <= args.max_len and len(t) <= args.max_len]
    print(f"vocab {len(vocab)}; {len(pairs)} pairs within {args.max_len} tokens; "
          f"{sum(len(t) for _, t in pairs)} target tokens", flush=True)

    model = build_model(len(vocab), pad, args)
    zero_pad_row(model, pad)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters {n_params}", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98), eps=1e-9)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / args.warmup, math.sqrt(args.warmup / (s + 1))))
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1)
    rng = random.Random(SEED)
    model.train()
    start, step, epoch, batches = time.time(), 0, 0, []
    # --max-minutes bounds wall time on a shared machine; the schedule does not depend on the total
    # step count, so a run stopped early equals a run with --steps set to the steps it reached.
    while step < args.steps and time.time() - start < args.max_minutes * 60:
        if not batches:
            batches = make_batches(pairs, args.batch_tokens, rng)
            epoch += 1
        input_ids, mask, dec_in, labels = collate(pairs, batches.pop(), pad)
        logits = model(input_ids=input_ids, attention_mask=mask, decoder_input_ids=dec_in).logits
        loss = loss_fn(logits.view(-1, logits.size(-1)), labels.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        zero_pad_row(model, pad)
        step += 1
        if step % args.log_every == 0:
            el = time.time() - start
            print(f"step {step} epoch {epoch} loss {loss.item():.3f} lr {sched.get_last_lr()[0]:.2e} "
                  f"{el:.0f}s ({el / step:.2f} s/step)", flush=True)
    train_seconds = time.time() - start
    print(f"step {step} epoch {epoch} loss {loss.item():.3f} {train_seconds:.0f}s", flush=True)
    model.eval()
    save_checkpoint(model, vocab, data_dir, hf_dir)
    (out / "train_stats.json").write_text(json.dumps(
        {"steps": step, "epochs": epoch, "train_seconds": round(train_seconds), "parameters": n_params,
         "vocab": len(vocab), "args": vars(args), "seed": SEED, "threads": args.threads}, indent=1))
    print(f"trained {step} steps ({epoch} epochs) in {train_seconds:.0f}s -> {hf_dir}", flush=True)


def save_checkpoint(model: MarianMTModel, vocab: dict[str, int], data_dir: Path, hf_dir: Path) -> None:
    """A normal Marian HF checkpoint: weights, config, vocab.json, source.spm, target.spm."""
    pad = vocab["<pad>"]
    model.generation_config = GenerationConfig(
        decoder_start_token_id=pad, pad_token_id=pad, eos_token_id=0, forced_eos_token_id=0,
        bad_words_ids=[[pad]], num_beams=4, max_length=512)
    model.save_pretrained(hf_dir)
    shutil.copy(data_dir / "source.model", hf_dir / "source.spm")
    shutil.copy(data_dir / "target.model", hf_dir / "target.spm")
    (hf_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=0), encoding="utf-8")
    (hf_dir / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "MarianTokenizer", "source_lang": "ar", "target_lang": "en",
         "model_max_length": 512, "separate_vocabs": False, "eos_token": "</s>", "unk_token": "<unk>",
         "pad_token": "<pad>"}, indent=1))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="build/tiny-ar-en")
    p.add_argument("--steps", type=int, default=2400)
    p.add_argument("--max-minutes", type=float, default=float("inf"),
                   help="stop training after this much wall time (the steps reached are recorded)")
    p.add_argument("--batch-tokens", type=int, default=3000)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=400)
    p.add_argument("--d-model", type=int, default=256)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=1024)
    p.add_argument("--src-vocab", type=int, default=4000)
    p.add_argument("--tgt-vocab", type=int, default=4000)
    p.add_argument("--max-len", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--log-every", type=int, default=50)
    return p.parse_args(argv)


if __name__ == "__main__":
    train(parse_args())
