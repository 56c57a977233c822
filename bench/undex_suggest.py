"""Run by bench/sidebyside.py with undex's Python, the counterpart of annif_suggest.py.

Usage: undex_suggest.py PROJECTS.toml DATADIR PROJECT_ID DOCS.jsonl OUT.json LIMIT
"""

import json
import resource
import sys
import time
from pathlib import Path

BATCH = 32


def main() -> None:
    projects, datadir, project_id, docs, out, limit = sys.argv[1:7]
    from undex.project import ProjectRegistry

    with open(docs, encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle]
    project = ProjectRegistry(Path(projects), Path(datadir)).get(project_id)
    project.suggest_batch(texts[:1], int(limit), 0.0)  # warm-up: model loading is start-up
    batches = []
    start, cpu_start = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), BATCH):
        batches.append(project.suggest_batch(texts[i : i + BATCH], int(limit), 0.0))
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    concepts = project.vocab.concepts
    ranked = [[[concepts[c].uri, s] for c, s in batch.ranked(row)] for batch in batches for row in range(len(batch))]
    result = {
        "project": project_id,
        "documents": len(texts),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "suggestions": ranked,
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
