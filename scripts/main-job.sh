#!/usr/bin/env bash
# The main job on a fresh machine: install undex, load the UNBIS Thesaurus from
# ../shared/data, train the default project on the shared corpora, and index the seed.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${UNDEX_SHARED:-../shared}
if [ ! -d "$SHARED/data/derived" ]; then
  echo "error: $SHARED/data not found: clone undex beside the shared/ folder (or set UNDEX_SHARED)" >&2
  exit 1
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
UNDEX=.venv/bin/undex
$UNDEX load-vocab unbis "$SHARED/data/derived/unbis_terms.tsv"
$UNDEX train tfidf-en "$SHARED"/data/derived/corpora/*.jsonl --split train
echo "== tfidf-en on an English UN draft resolution"
$UNDEX suggest tfidf-en "$SHARED/data/derived/corpora/example_format/A_31_L.19_draft.txt" \
  --limit 8 --label-language en --label-language zh --mark-gold
echo "== lexical-zh (zero-shot, no Chinese training data) on the Chinese seed document"
$UNDEX suggest lexical-zh "$SHARED/examples/seed.txt" --limit 12 \
  --label-language en --label-language zh --mark-gold
