"""Write Marian/OPUS-MT model directories and release zips.

Used to build models with known weights (tests, benchmarks, exporting the demo model) in exactly the
layout the OPUS-MT releases use, so they travel the same conversion route as the real downloads.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import yaml

SPECIAL_TOKENS = ("</s>", "<unk>")


def marian_config(*, d_model: int, enc_depth: int, dec_depth: int, heads: int, ffn: int,
                  activation: str = "swish") -> dict:
    """The subset of Marian's model.yml that describes a post-norm transformer like OPUS-MT's."""
    return {
        "type": "transformer",
        "dim-emb": d_model,
        "enc-depth": enc_depth,
        "dec-depth": dec_depth,
        "transformer-heads": heads,
        "transformer-dim-ffn": ffn,
        "transformer-ffn-activation": activation,
        "transformer-preprocess": "",
        "transformer-postprocess": "dan",
        "transformer-postprocess-emb": "d",
        "transformer-decoder-autoreg": "self-attention",
        "transformer-no-projection": False,
        "transformer-guided-alignment-layer": "last",
        "tied-embeddings-all": True,
    }


def random_params(config: dict, vocab_size: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights with the parameter names and shapes Marian writes (W matrices are [in, out])."""
    rng = np.random.default_rng(seed)
    d, f = config["dim-emb"], config["transformer-dim-ffn"]

    def mat(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) / np.sqrt(rows)).astype(np.float32)

    def vec(n: int, value: float | None = None) -> np.ndarray:
        if value is not None:
            return np.full((1, n), value, dtype=np.float32)
        return (rng.standard_normal((1, n)) * 0.02).astype(np.float32)

    def attention(scope: str) -> dict[str, np.ndarray]:
        out = {}
        for name in "qkvo":
            out[f"{scope}_W{name}"] = mat(d, d)
            out[f"{scope}_b{name}"] = vec(d)
        out[f"{scope}_Wo_ln_scale"] = vec(d, 1.0)
        out[f"{scope}_Wo_ln_bias"] = vec(d, 0.0)
        return out

    def ffn(scope: str) -> dict[str, np.ndarray]:
        return {
            f"{scope}_W1": mat(d, f), f"{scope}_b1": vec(f),
            f"{scope}_W2": mat(f, d), f"{scope}_b2": vec(d),
            f"{scope}_ffn_ln_scale": vec(d, 1.0), f"{scope}_ffn_ln_bias": vec(d, 0.0),
        }

    params = {"Wemb": (rng.standard_normal((vocab_size, d)) * d**-0.5).astype(np.float32)}
    for i in range(1, config["enc-depth"] + 1):
        params |= attention(f"encoder_l{i}_self") | ffn(f"encoder_l{i}_ffn")
    for i in range(1, config["dec-depth"] + 1):
        params |= attention(f"decoder_l{i}_self") | attention(f"decoder_l{i}_context")
        params |= ffn(f"decoder_l{i}_ffn")
    params["decoder_ff_logit_out_b"] = vec(vocab_size)
    return params


def write_vocab_yml(tokens: list[str], path: Path) -> None:
    """Marian's vocabulary file: one `token: id` mapping per line, ids in list order."""
    with open(path, "w", encoding="utf-8") as out:
        for index, token in enumerate(tokens):
            out.write(yaml.safe_dump({token: index}, allow_unicode=True, width=1 << 20))


def write_marian_dir(out_dir: str | Path, params: dict[str, np.ndarray], config: dict,
                     source_spm: str | Path, target_spm: str | Path, vocab: list[str],
                     name: str = "opus") -> Path:
    """Write model .npz (with its embedded model.yml), decoder.yml, vocab .yml and the .spm files."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model_yml = yaml.safe_dump(config).encode("utf-8") + b"\0"
    arrays = dict(params)
    arrays["special:model.yml"] = np.frombuffer(model_yml, dtype=np.int8)
    model_file, vocab_file = f"{name}.npz", f"{name}.vocab.yml"
    np.savez(out / model_file, **arrays)
    write_vocab_yml(vocab, out / vocab_file)
    shutil.copyfile(source_spm, out / "source.spm")
    shutil.copyfile(target_spm, out / "target.spm")
    decoder = {
        "models": [model_file],
        "vocabs": [vocab_file, vocab_file],
        "beam-size": 6,
        "normalize": 0.6,
        "word-penalty": 0,
        "mini-batch": 1,
        "maxi-batch": 1,
        "maxi-batch-sort": "src",
    }
    (out / "decoder.yml").write_text(yaml.safe_dump(decoder), encoding="utf-8")
    return out


def zip_dir(directory: str | Path, zip_path: str | Path) -> Path:
    """Zip a model directory flat, the way OPUS-MT releases are packed."""
    zip_path = Path(zip_path)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(Path(directory).iterdir()):
            archive.write(file, file.name)
    return zip_path


def hf_parameter_map(enc_depth: int, dec_depth: int) -> list[tuple[str, str]]:
    """(Marian name, Hugging Face MarianMTModel name) for every layer weight and bias.

    Marian stores W as [in, out] and biases as [1, n]; Hugging Face stores weights as [out, in] and
    flat biases, so W* entries are transposed and b* entries squeezed when moving between the two.
    """
    pairs = [("Wemb", "model.shared.weight"), ("decoder_ff_logit_out_b", "final_logits_bias")]

    def attention(marian: str, hf: str, norm: str) -> None:
        for m, h in zip("qkvo", ("q_proj", "k_proj", "v_proj", "out_proj")):
            pairs.append((f"{marian}_W{m}", f"{hf}.{h}.weight"))
            pairs.append((f"{marian}_b{m}", f"{hf}.{h}.bias"))
        pairs.append((f"{marian}_Wo_ln_scale", f"{norm}.weight"))
        pairs.append((f"{marian}_Wo_ln_bias", f"{norm}.bias"))

    def ffn(marian: str, hf: str) -> None:
        for n in "12":
            pairs.append((f"{marian}_W{n}", f"{hf}.fc{n}.weight"))
            pairs.append((f"{marian}_b{n}", f"{hf}.fc{n}.bias"))
        pairs.append((f"{marian}_ffn_ln_scale", f"{hf}.final_layer_norm.weight"))
        pairs.append((f"{marian}_ffn_ln_bias", f"{hf}.final_layer_norm.bias"))

    for i in range(enc_depth):
        hf = f"model.encoder.layers.{i}"
        attention(f"encoder_l{i + 1}_self", f"{hf}.self_attn", f"{hf}.self_attn_layer_norm")
        ffn(f"encoder_l{i + 1}_ffn", hf)
    for i in range(dec_depth):
        hf = f"model.decoder.layers.{i}"
        attention(f"decoder_l{i + 1}_self", f"{hf}.self_attn", f"{hf}.self_attn_layer_norm")
        attention(f"decoder_l{i + 1}_context", f"{hf}.encoder_attn", f"{hf}.encoder_attn_layer_norm")
        ffn(f"decoder_l{i + 1}_ffn", hf)
    return pairs


def _is_matrix(marian_name: str) -> bool:
    return marian_name.rsplit("_", 1)[-1].startswith("W") and marian_name != "Wemb"


def marian_to_hf(params: dict[str, np.ndarray], config: dict) -> dict[str, np.ndarray]:
    """Hugging Face state-dict arrays (without the appended <pad> row) from Marian parameters."""
    state = {}
    for marian_name, hf_name in hf_parameter_map(config["enc-depth"], config["dec-depth"]):
        value = params[marian_name]
        if _is_matrix(marian_name):
            value = value.T.copy()
        elif marian_name not in ("Wemb", "decoder_ff_logit_out_b"):
            value = value.reshape(-1)  # HF keeps final_logits_bias as [1, n], other biases flat
        state[hf_name] = value
    return state


def hf_to_marian(state: dict[str, np.ndarray], config: dict) -> dict[str, np.ndarray]:
    """Marian parameters from a Hugging Face MarianMTModel state dict (numpy arrays)."""
    params = {}
    for marian_name, hf_name in hf_parameter_map(config["enc-depth"], config["dec-depth"]):
        value = np.asarray(state[hf_name], dtype=np.float32)
        if _is_matrix(marian_name):
            value = value.T.copy()
        elif marian_name != "Wemb":
            value = value.reshape(1, -1)  # Marian biases and norms are [1, n]
        params[marian_name] = value
    return params
