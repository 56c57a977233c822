"""Run by bench/sidebyside.py with the Python of Annif's own virtual environment.

Usage: annif_suggest.py PROJECT_ID DOCS.jsonl OUT.json LIMIT

Loads the Annif project (start-up is not timed), suggests subjects for the texts of a JSON
lines file ({"text": ...} a line) in batches of 32 through Annif's Python API, and writes the ranked
suggestions (URI, score), the suggest seconds (wall and CPU) and the peak RSS of this process as JSON.
"""

import json
import resource
import sys
import time

BATCH = 32


def main() -> None:
    project_id, texts, out, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    import annif
    import annif.registry
    from annif.corpus import Document

    with open(texts, encoding="utf-8") as handle:
        docs = [Document(text=json.loads(line)["text"]) for line in handle]
    app = annif.create_flask_app()
    with app.app_context():
        project = annif.registry.get_project(project_id)
        project.initialize()
        project.suggest(docs[:1])  # warm-up: lazy model loading is start-up, not suggesting
        arrays = []
        start, cpu_start = time.perf_counter(), time.process_time()
        for i in range(0, len(docs), BATCH):
            arrays.append(project.suggest(docs[i : i + BATCH]).filter(limit=limit).array)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        subjects = project.subjects
        ranked = []
        for array in arrays:
            for row in range(array.shape[0]):
                start_, end = array.indptr[row], array.indptr[row + 1]
                pairs = sorted(
                    zip(array.indices[start_:end], array.data[start_:end], strict=True), key=lambda p: (-p[1], p[0])
                )
                ranked.append([[subjects[int(c)].uri, float(s)] for c, s in pairs])
    result = {
        "project": project_id,
        "documents": len(docs),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "suggestions": ranked,
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
