"""Build the speed benchmark's inputs under build/bench: the models and the texts.

The random-weight model has the real opus-mt-ar-en dimensions and goes through the project's own
OPUS-MT zip route (release zip -> ``models.install``), so compute per token is the real one. Its
end-of-sentence logit is pinned to -1e9: with random weights EOS would otherwise fire at arbitrary
steps, so instead every contender generates exactly ``fixed_length`` tokens per sentence.
"""

from __future__ import annotations

import itertools
import json
import statistics
import subprocess
from dataclasses import asdict, dataclass, replace
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the toy-model writers are test helpers

import marian  # noqa: E402
import toymodels  # noqa: E402

from translate import models  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
BUILD = ROOT / "build" / "bench"
ARGOS_VERSION = "1.11"


@dataclass(frozen=True)
class Plan:
    """How big everything is; ``--smoke`` shrinks it to seconds."""

    name: str
    dims: toymodels.Dims
    spm_size: int
    engine_sentences: int  # TICO + UN sentences for the engine comparison
    hf_sentences: int  # Hugging Face is slow: it gets the first N of them
    article_lines: int  # TICO lines in the 1x article; 4x and 16x follow
    scales: tuple[int, ...]
    repetitions: int
    length_cap: int = 0  # cap on the fixed decoding length (0: none)


FULL = Plan("full", toymodels.OPUS_MT_AR_EN, 16_000, 192, 48, 128, (1, 4, 16), 3)
SMOKE = Plan("smoke", toymodels.Dims(vocab_size=2_000), 400, 6, 2, 6, (1, 2), 1, length_cap=8)


@dataclass(frozen=True)
class Workload:
    plan: str
    release_zip: str
    model: str  # CTranslate2 int8 directory, installed by models.install
    hf_model: str
    argos_package: str | None  # unpacked Argos packages directory (None: no Argos venv)
    fixed_length: int  # generated tokens per sentence for the random model
    sentences: str  # one sentence per line
    hf_sentences: str
    articles: dict[int, str]  # scale -> article file (one paragraph per line)


def tico_documents() -> list[list[str]]:
    """TICO-19 test lines grouped into their documents, in file order."""
    lines = (DATA / "tico19-test" / "src.ar").read_text(encoding="utf-8").splitlines()
    doc_ids = [row.split("\t")[1] for row in
               (DATA / "tico19-test" / "doc_ids.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    return [[line for line, _ in group] for _, group in itertools.groupby(zip(lines, doc_ids), key=lambda x: x[1])]


def article_text(lines_by_doc: list[list[str]], count: int, per_paragraph: int = 4) -> str:
    """The first ``count`` TICO lines as articles: paragraphs of a few sentences, one per line."""
    paragraphs, taken = [], 0
    for doc in lines_by_doc:
        doc = doc[:count - taken]
        taken += len(doc)
        paragraphs += [" ".join(doc[i:i + per_paragraph]) for i in range(0, len(doc), per_paragraph)]
        if taken >= count:
            break
    return "\n".join(paragraphs) + "\n"


def engine_sentences(n: int) -> list[str]:
    """Half TICO-19 (health articles), half UN documents, evenly spread through each file."""
    out = []
    for name, k in (("tico19-test", n // 2), ("un-v1.0-testset", n - n // 2)):
        lines = [line for line in (DATA / name / "src.ar").read_text(encoding="utf-8").splitlines() if line.strip()]
        out += lines[:: max(1, len(lines) // k)][:k]
    return out


def build_release(out: Path, plan: Plan, arabic: list[str] | None = None, english: list[str] | None = None) -> Path:
    """toymodels.build_release with EOS made unreachable (see the module docstring); SentencePiece
    models trained on ``arabic`` and ``english``, by default TICO-19 and the UN dev/test sets."""
    names = ("tico19-test", "un-v1.0-devset", "un-v1.0-testset")
    arabic = arabic or [line for name in names for line in (DATA / name / "src.ar").read_text(encoding="utf-8").splitlines()]
    english = english or [line for name in names for line in (DATA / name / "ref.en").read_text(encoding="utf-8").splitlines()]
    spm_dir = out.parent / "spm"
    spm_dir.mkdir(parents=True, exist_ok=True)
    source_spm = toymodels.train_spm(arabic, spm_dir / "source", plan.spm_size)
    target_spm = toymodels.train_spm(english, spm_dir / "target", plan.spm_size)
    vocab = toymodels.joint_vocab(source_spm, target_spm, plan.dims.vocab_size)
    d = plan.dims
    config = marian.marian_config(d_model=d.d_model, enc_depth=d.enc_depth, dec_depth=d.dec_depth,
                                  heads=d.heads, ffn=d.ffn)
    params = marian.random_params(config, len(vocab), seed=1)
    params["decoder_ff_logit_out_b"][0, vocab.index("</s>")] = -1e9
    return marian.write_marian_dir(out, params, config, source_spm, target_spm, vocab)


def median_target_length(target_spm: Path) -> int:
    """Median SentencePiece length of TICO-19's English references: the fixed decoding length."""
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(target_spm))
    refs = (DATA / "tico19-test" / "ref.en").read_text(encoding="utf-8").splitlines()
    return int(statistics.median(len(sp.encode(line)) for line in refs))


def build_argos_package(model_dir: Path, packages_dir: Path, argos_python: str, name: str) -> Path:
    """Unpacked .argosmodel (metadata.json, model/, sentencepiece.model, spacy/) and the zip beside it.

    Argos 1.11 splits sentences with MiniSBD or Stanza models it downloads from GitHub; this machine
    reaches PyPI only, so the package carries a spaCy pipeline (Argos' packaged-spaCy route) whose
    rule-based sentencizer Argos adds itself.
    """
    import shutil

    package = packages_dir / f"translate_ar_en_{name}"
    if package.exists():
        shutil.rmtree(package)
    shutil.copytree(model_dir, package / "model",
                    ignore=shutil.ignore_patterns("*.spm", models.METADATA_FILE))
    shutil.copyfile(model_dir / "source.spm", package / "sentencepiece.model")
    metadata = {"package_version": "1.0", "argos_version": ARGOS_VERSION, "from_code": "ar", "from_name": "Arabic",
                "to_code": "en", "to_name": "English", "type": "translate", "links": []}
    (package / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    subprocess.run([argos_python, "-c", "import spacy, sys; spacy.blank('xx').to_disk(sys.argv[1])",
                    str(package / "spacy")], check=True)
    shutil.make_archive(str(packages_dir / f"{package.name}"), "zip", packages_dir, package.name)
    (packages_dir / f"{package.name}.zip").replace(packages_dir / f"{package.name}.argosmodel")
    return package


def build(plan: Plan, argos_python: str | None, log=print) -> Workload:
    """Everything the plan needs, built once and reused (delete build/bench to rebuild)."""
    base = BUILD / plan.name
    stamp = base / "workload.json"
    if stamp.is_file():
        workload = Workload(**json.loads(stamp.read_text(encoding="utf-8")))
        workload = replace(workload, articles={int(k): v for k, v in workload.articles.items()})
    else:
        workload = build_workload(plan, base, log)
    if argos_python and not workload.argos_package:
        log("packaging the model for Argos Translate ...")
        package = build_argos_package(Path(workload.model), base / "argos-packages", argos_python, "random")
        workload = replace(workload, argos_package=str(package.parent))
    stamp.write_text(json.dumps(asdict(workload), indent=2), encoding="utf-8")
    return workload


def build_workload(plan: Plan, base: Path, log) -> Workload:
    base.mkdir(parents=True, exist_ok=True)
    log(f"building the {plan.name} model (dims {plan.dims}) ...")
    release = build_release(base / "release", plan)
    archive = marian.zip_dir(release, base / "opus-mt-ar-en-random.zip")
    model = models.install("opus-mt-ar-en-random", archive, directory=base / "models", force=True)
    log("writing the same weights as a Hugging Face checkpoint ...")
    hf = toymodels.write_hf_checkpoint(release, base / "hf")
    texts = base / "texts"
    texts.mkdir(exist_ok=True)
    sentences = engine_sentences(plan.engine_sentences)
    (texts / "sentences.ar").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    (texts / "hf-sentences.ar").write_text("\n".join(sentences[:plan.hf_sentences]) + "\n", encoding="utf-8")
    docs = tico_documents()
    articles = {}
    for scale in plan.scales:
        path = texts / f"articles-{scale}x.ar.txt"
        path.write_text(article_text(docs, plan.article_lines * scale), encoding="utf-8")
        articles[scale] = str(path)
    fixed = min(median_target_length(release / "target.spm"), plan.length_cap or 1 << 30)
    return Workload(plan.name, str(archive), str(model), str(hf), None, fixed, str(texts / "sentences.ar"),
                    str(texts / "hf-sentences.ar"), articles)
