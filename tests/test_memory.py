"""The translation memory: keys, reuse across calls and jobs, concurrent writers and readers."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from translate.engine import DecodeOptions, Translator
from translate.errors import TranslateError
from translate.memory import CachedTranslator, MemoryKey, TranslationMemory, default_path, open_memory

from conftest import SAMPLE, assert_close_translations

SENTENCES = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
FAST = DecodeOptions(beam_size=1, max_length=8)


class CountingEngine:
    """A real Translator that records what reaches the model."""

    def __init__(self, translator: Translator):
        self.translator = translator
        self.model_id = translator.model_id
        self.compute_type = translator.compute_type
        self.seen: list[str] = []

    def translate(self, sentences, *, options=None, batch_size=1024):
        sentences = list(sentences)
        self.seen.extend(sentences)
        return self.translator.translate(sentences, options=options, batch_size=batch_size)


@pytest.fixture(scope="module")
def translator(toy_model):
    return Translator(toy_model.ct2)


def test_store_and_lookup_keep_models_options_and_precision_apart(tmp_path):
    memory = TranslationMemory(tmp_path / "m.sqlite")
    a = MemoryKey("m@1", '{"beam_size": 4}')
    memory.store(a, [("س", "s", -0.5), ("ص", "t", -1.25)])
    memory.store(a, [("س", "other", -9.0)])  # first translation wins, no duplicate row
    assert memory.lookup(a, ["س", "ص", "ع"]) == {"س": ("s", -0.5), "ص": ("t", -1.25)}
    assert memory.lookup(MemoryKey("m@2", a.options), ["س"]) == {}
    assert memory.lookup(MemoryKey("m@1", '{"beam_size": 1}'), ["س"]) == {}
    assert len(memory) == 2

    class Engine:
        model_id, compute_type = "m@1", "int8"

    int8 = MemoryKey.of(Engine, FAST)
    Engine.compute_type = "float32"
    assert MemoryKey.of(Engine, FAST) != int8


def test_cached_translation_equals_the_model_and_translates_each_sentence_once(tmp_path, translator):
    expected = list(translator.translate(SENTENCES, options=FAST))
    # Repeats, and variants that differ only in what the model never sees (tatweel, bidi marks, spaces).
    variant = SENTENCES[0].replace(" ", "  ", 1) + "\u200f"
    stream = SENTENCES + SENTENCES[:5] + [variant, "", "  "]
    engine = CountingEngine(translator)
    with open_memory(tmp_path / "m.sqlite") as memory:
        cached = CachedTranslator(engine, memory, window=7)  # repeats fall in other windows too
        got = list(cached.translate(stream, options=FAST))
    assert [t.source for t in got] == stream
    # The misses went to the model in windows of 7: other batches, equal within tolerance.
    assert_close_translations(got[:len(SENTENCES)], expected)
    # Repeats are served as first translated: exactly.
    first = [(t.target, t.score) for t in got[:len(SENTENCES)]]
    assert [(t.target, t.score) for t in got[len(SENTENCES):-2]] == first[:5] + first[:1]
    assert [(t.target, t.score) for t in got[-2:]] == [("", None), ("  ", None)]  # passed through
    assert len(engine.seen) == len(set(engine.seen)) == len(set(SENTENCES))
    assert cached.stats.translated == len(set(SENTENCES))
    # Found again, in this window or a stored one of the same job: repeats, not memory hits.
    assert cached.stats.repeats == 6 + len(SENTENCES) - len(set(SENTENCES)) and cached.stats.memory_hits == 0

    # A later job with the same model and options asks the model nothing.
    engine.seen.clear()
    with open_memory(tmp_path / "m.sqlite") as memory:
        later = CachedTranslator(engine, memory)
        again = list(later.translate(stream, options=FAST))
        # Tokens count the model's work: none for an answer from the memory.
        assert [(t.source, t.target, t.score) for t in again] == [(t.source, t.target, t.score) for t in got]
        assert engine.seen == [] and not any(t.tokens for t in again)
        assert later.stats.memory_hits == len(stream) - 2 and later.stats.translated == later.stats.repeats == 0
        # Other decoding options are another key: translated again.
        list(CachedTranslator(engine, memory).translate(SENTENCES[:3], options=DecodeOptions(1, 4)))
        assert engine.seen == SENTENCES[:3]


def test_no_cache_keeps_nothing_but_still_dedupes(tmp_path, translator):
    engine = CountingEngine(translator)
    with open_memory(tmp_path / "unused.sqlite", enabled=False) as memory:
        list(CachedTranslator(engine, memory).translate(SENTENCES[:3] * 3, options=FAST))
    assert len(engine.seen) == 3
    assert not (tmp_path / "unused.sqlite").exists()


def test_default_location_and_unusable_files(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSLATE_CACHE_DIR", str(tmp_path / "cache"))
    assert default_path() == tmp_path / "cache" / "memory.sqlite"
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"this is not a database, just text " * 100)
    with pytest.raises(TranslateError, match=r"bogus.sqlite: .*not a database"):
        TranslationMemory(bogus)


def _writer(path: str, model: str, count: int, barrier) -> None:
    memory = TranslationMemory(path)
    key = MemoryKey(model, "{}")
    barrier.wait()
    # Small transactions, interleaved with the other writer; half the sources are shared.
    for start in range(0, count, 10):
        memory.store(key, [(f"جملة {i}", f"{model} sentence {i}", -i / 1000) for i in range(start, start + 10)])
        memory.store(MemoryKey("shared", "{}"), [(f"مشترك {i}", f"shared {i}", 0.0) for i in range(start, start + 10)])
    memory.close()


def _reader(path: str, barrier, result) -> None:
    memory = TranslationMemory(path)
    barrier.wait()
    seen = 0
    for _ in range(200):  # reads while both writers write: never blocked, never a torn row
        rows = memory.lookup(MemoryKey("shared", "{}"), [f"مشترك {i}" for i in range(400)])
        assert all(target == f"shared {source.split()[1]}" for source, (target, _) in rows.items())
        seen = max(seen, len(rows))
    result.value = seen
    memory.close()


def test_two_processes_write_while_a_third_reads(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    TranslationMemory(path).close()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    result = context.Value("i", -1)
    processes = [context.Process(target=_writer, args=(path, name, 400, barrier)) for name in ("a", "b")]
    processes.append(context.Process(target=_reader, args=(path, barrier, result)))
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    assert result.value >= 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    counts = dict(db.execute("SELECT model, COUNT(*) FROM translations GROUP BY model"))
    assert counts == {"a": 400, "b": 400, "shared": 400}
    assert db.execute("SELECT COUNT(*) FROM translations WHERE target = 'a sentence 399' AND score = -0.399"
                      ).fetchone() == (1,)


def test_doc_command_uses_the_memory(tmp_path, toy_model, cli):
    source = tmp_path / "in.txt"
    source.write_text("\n\n".join(SENTENCES[:6] + SENTENCES[:2]), encoding="utf-8")
    args = ["doc", source, "--presegmented", "-m", toy_model.ct2, "--beam-size", "1", "--max-length", "8",
            "-f", "jsonl"]
    first = cli(*args, "--cache", tmp_path / "m.sqlite")
    assert first.exit_code == 0, first.stderr
    with TranslationMemory(tmp_path / "m.sqlite") as memory:
        assert len(memory) == len(set(SENTENCES[:6]))
    again = cli(*args, "--cache", tmp_path / "m.sqlite")
    uncached = cli(*args, "--no-cache")
    assert again.stdout == first.stdout == uncached.stdout
    assert not default_path().exists()  # --no-cache did not create the default memory
