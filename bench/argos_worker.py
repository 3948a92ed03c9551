"""Argos Translate contender; runs in Argos' own virtual environment, never the project's.

    ARGOS_PACKAGES_DIR=... ARGOS_CHUNK_TYPE=SPACY ARGOS_BEAM_SIZE=4 \
        /path/to/argos-venv/bin/python bench/argos_worker.py ARTICLE OUTPUT [--max-length N]

Argos reads the article whole (its own paragraph and sentence splitting, tokenising, batching) and
the English is written to OUTPUT. ctranslate2.Translator is wrapped only to count the tokens Argos
generates and, for the random-weight model, to give it the same fixed decoding length as every
other contender (Argos itself passes none). Prints one JSON line like bench/workers.py.
"""

from __future__ import annotations

import argparse
import json
import time

import ctranslate2


def counting_translator(max_length: int) -> tuple[type, dict]:
    counts = {"target_tokens": 0, "sentences": 0, "calls": 0}

    class CountingTranslator(ctranslate2.Translator):
        def translate_batch(self, source, *args, **kwargs):
            if max_length:
                kwargs["max_decoding_length"] = max_length
            results = super().translate_batch(source, *args, **kwargs)
            counts["calls"] += 1
            counts["sentences"] += len(results)
            counts["target_tokens"] += sum(len(r.hypotheses[0]) for r in results)
            return results

    return CountingTranslator, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("article")
    parser.add_argument("output")
    parser.add_argument("--max-length", type=int, default=0)
    args = parser.parse_args()
    translator_class, counts = counting_translator(args.max_length)
    ctranslate2.Translator = translator_class  # argostranslate.translate looks it up on the module

    start = time.perf_counter()
    from argostranslate import translate

    translation = translate.get_translation_from_codes("ar", "en")
    load = time.perf_counter() - start  # imports and package discovery; the model loads lazily
    text = open(args.article, encoding="utf-8").read()
    start = time.perf_counter()
    english = translation.translate(text)
    elapsed = time.perf_counter() - start
    with open(args.output, "w", encoding="utf-8") as out:
        out.write(english)
    print(json.dumps({"load_s": load, "translate_s": elapsed, **counts}))


if __name__ == "__main__":
    main()
