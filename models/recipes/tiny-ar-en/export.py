"""Export the trained Hugging Face checkpoint to the Marian/OPUS-MT release layout (.npz, decoder.yml,
vocab .yml, source/target .spm), zipped like an OPUS-MT release."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from transformers import MarianConfig
from safetensors.numpy import load_file

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))  # the Marian writer is a test helper
from marian import hf_to_marian, marian_config, write_marian_dir, zip_dir  # noqa: E402


def export_opus_mt(hf_dir: Path, out_dir: Path, zip_path: Path) -> Path:
    config = MarianConfig.from_pretrained(hf_dir)
    vocab = json.loads((hf_dir / "vocab.json").read_text(encoding="utf-8"))
    tokens = sorted(vocab, key=vocab.get)
    if tokens[-1] != "<pad>":
        raise SystemExit(f"{hf_dir}/vocab.json: expected <pad> as the last token")
    state = load_file(str(hf_dir / "model.safetensors"))
    # Marian has no <pad> row: its decoder starts from a zero vector, which the HF copy keeps at id pad.
    state["model.shared.weight"] = state["model.shared.weight"][:-1]
    state["final_logits_bias"] = state["final_logits_bias"][:, :-1]
    mcfg = marian_config(d_model=config.d_model, enc_depth=config.encoder_layers,
                         dec_depth=config.decoder_layers, heads=config.encoder_attention_heads,
                         ffn=config.encoder_ffn_dim, activation=config.activation_function)
    params = hf_to_marian(state, mcfg)
    write_marian_dir(out_dir, params, mcfg, hf_dir / "source.spm", hf_dir / "target.spm", tokens[:-1],
                     name="opus.tiny-ar-en")
    return zip_dir(out_dir, zip_path)
