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
DOC="$SHARED/data/derived/corpora/example_format/A_31_L.19_draft.txt"
echo "== tfidf-en on $DOC (English labels, then Chinese labels)"
$UNDEX suggest tfidf-en "$DOC" --limit 10
$UNDEX suggest tfidf-en "$DOC" --limit 10 --label-language zh
