#!/usr/bin/env bash
# One command for the whole recipe: data, SentencePiece models, training (fixed seed and step count),
# conversion by both routes, evaluation and parity checks; with --commit it also copies the int8
# model and its card into models/tiny-ar-en. Needs the [hf] extra (torch, transformers).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${OUT:-build/tiny-ar-en}
PYTHONPATH=. python models/recipes/tiny-ar-en/train.py --out "$out" --steps "${STEPS:-2353}"
PYTHONPATH=. python models/recipes/tiny-ar-en/finish.py --out "$out" "$@"
