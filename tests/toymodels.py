"""Build OPUS-MT-style releases with random weights, for tests and benchmarks.

The weights are random but everything else is real: SentencePiece models trained on real text, the
Marian parameter layout, the release zip, and (with torch installed) the same weights as a Hugging
Face MarianMT checkpoint, so both conversion routes can be exercised without any download.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import marian


@dataclass(frozen=True)
class Dims:
    d_model: int = 64
    enc_depth: int = 2
    dec_depth: int = 2
    heads: int = 4
    ffn: int = 128
    vocab_size: int = 0  # pad the joint vocabulary to this size (0: as SentencePiece gives it)


# The real opus-mt-ar-en: transformer-base, swish, joint vocabulary of about 62k entries.
OPUS_MT_AR_EN = Dims(d_model=512, enc_depth=6, dec_depth=6, heads=8, ffn=2048, vocab_size=62_000)


def train_spm(lines: list[str], prefix: Path, vocab_size: int) -> Path:
    """A unigram SentencePiece model with OPUS-MT's special ids (</s>=0, <unk>=1, no <s>)."""
    import sentencepiece as spm

    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as corpus:
        corpus.write("\n".join(lines))
    spm.SentencePieceTrainer.train(
        input=corpus.name, model_prefix=str(prefix), vocab_size=vocab_size, model_type="unigram",
        character_coverage=1.0, bos_id=-1, eos_id=0, unk_id=1, pad_id=-1, hard_vocab_limit=False,
        minloglevel=2)
    Path(corpus.name).unlink()
    model = prefix.with_suffix(".spm")
    Path(f"{prefix}.model").rename(model)
    Path(f"{prefix}.vocab").unlink()
    return model


def joint_vocab(source_spm: Path, target_spm: Path, size: int = 0) -> list[str]:
    """Source pieces then target pieces, without repeats, padded with filler entries to ``size``."""
    import sentencepiece as spm

    vocab: list[str] = list(marian.SPECIAL_TOKENS)
    seen = set(vocab)
    for path in (source_spm, target_spm):
        processor = spm.SentencePieceProcessor(model_file=str(path))
        for i in range(processor.get_piece_size()):
            piece = processor.id_to_piece(i)
            if piece not in seen:
                seen.add(piece)
                vocab.append(piece)
    vocab.extend(f"<filler{i}>" for i in range(size - len(vocab)))
    return vocab


def build_release(out_dir: str | Path, source_lines: list[str], target_lines: list[str],
                  dims: Dims = Dims(), seed: int = 0, spm_size: int = 400) -> Path:
    """A Marian/OPUS-MT model directory with random weights; returns the directory."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source_spm = train_spm(source_lines, Path(tmp) / "source", spm_size)
        target_spm = train_spm(target_lines, Path(tmp) / "target", spm_size)
        vocab = joint_vocab(source_spm, target_spm, dims.vocab_size)
        config = marian.marian_config(d_model=dims.d_model, enc_depth=dims.enc_depth,
                                      dec_depth=dims.dec_depth, heads=dims.heads, ffn=dims.ffn)
        params = marian.random_params(config, len(vocab), seed=seed)
        return marian.write_marian_dir(out, params, config, source_spm, target_spm, vocab)


def write_hf_checkpoint(release_dir: str | Path, out_dir: str | Path) -> Path:
    """The same weights as a Hugging Face MarianMT checkpoint (needs torch and transformers)."""
    import numpy as np
    import torch
    import yaml
    from ctranslate2.converters.marian import load_vocab
    from transformers import MarianConfig, MarianMTModel

    release, out = Path(release_dir), Path(out_dir)
    decoder = yaml.safe_load((release / "decoder.yml").read_text(encoding="utf-8"))
    arrays = np.load(release / decoder["models"][0])
    config = yaml.safe_load(arrays["special:model.yml"].tobytes()[:-1])
    params = {k: arrays[k] for k in arrays.files if not k.startswith("special:")}
    vocab = load_vocab(release / decoder["vocabs"][0]) + ["<pad>"]
    pad = len(vocab) - 1
    # Hugging Face appends <pad> with a zero embedding; it doubles as the decoder start, which
    # matches Marian's start from a zero vector. Its bias keeps it from ever being generated.
    params["Wemb"] = np.vstack([params["Wemb"], np.zeros((1, config["dim-emb"]), np.float32)])
    params["decoder_ff_logit_out_b"] = np.hstack([params["decoder_ff_logit_out_b"], [[-1e9]]]).astype(np.float32)
    hf_config = MarianConfig(
        vocab_size=len(vocab), d_model=config["dim-emb"], encoder_layers=config["enc-depth"],
        decoder_layers=config["dec-depth"], encoder_attention_heads=config["transformer-heads"],
        decoder_attention_heads=config["transformer-heads"], encoder_ffn_dim=config["transformer-dim-ffn"],
        decoder_ffn_dim=config["transformer-dim-ffn"], activation_function="swish", scale_embedding=True,
        pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad, forced_eos_token_id=0,
        max_position_embeddings=512, share_encoder_decoder_embeddings=True, dropout=0.0)
    model = MarianMTModel(hf_config)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in marian.marian_to_hf(params, config).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected:
        raise ValueError(f"unexpected parameters: {unexpected}")
    model.save_pretrained(out)
    (out / "vocab.json").write_text(json.dumps({tok: i for i, tok in enumerate(vocab)}, ensure_ascii=False),
                                    encoding="utf-8")
    for name in ("source.spm", "target.spm"):
        (out / name).write_bytes((release / name).read_bytes())
    return out
