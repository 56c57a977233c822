#!/usr/bin/env bash
# The main job on a fresh machine: install undex, load the UNBIS Thesaurus from
# ../shared/data, train on the shared corpora, and index the Chinese seed document.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${UNDEX_SHARED:-../shared}
if [ ! -d "$SHARED/data/derived" ]; then
  echo "error: $SHARED/data not found: clone undex beside the shared/ folder (or set UNDEX_SHARED)" >&2
  exit 1
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[serve,dask,test]' 2>&1 | { grep -v '^WARNING: Location' || true; }
UNDEX=.venv/bin/undex
CORPORA=("$SHARED"/data/derived/corpora/*.jsonl)
SEED="$SHARED/examples/seed.txt"

$UNDEX load-vocab unbis "$SHARED/data/derived/unbis_terms.tsv"
echo "== training the recommended project of each language on the shared corpora (train split, held-out dev)"
for project in unbis-en unbis-zh unbis-fr unbis-es unbis-ru unbis-ar; do
  $UNDEX train "$project" "${CORPORA[@]}" --split train --dev-split dev
done

echo "== unbis-en on an English UN draft resolution"
$UNDEX suggest unbis-en "$SHARED/data/derived/corpora/example_format/A_31_L.19_draft.txt" \
  --limit 8 --label-language en --label-language zh --mark-gold
echo "== unbis-zh (Chinese matching; ranker and concept association learned from the English corpora) on the seed"
$UNDEX suggest unbis-zh "$SEED" --limit 12 --label-language en --label-language zh --mark-gold
