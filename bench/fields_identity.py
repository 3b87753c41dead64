"""Same input, same fields: the check that a change made to go faster changed no reading.

    python bench/fields_identity.py --save bench/work/identity/before.json    # on the code before
    python bench/fields_identity.py --compare bench/work/identity/before.json # on the code after

Three checks, over a fixed seeded set:
- whole extraction (`ingest.pipeline.extract`) of generated text PDFs: page texts and every field;
- the text layers of the real-world PDFs in ../shared/corpus, as the PDF reader gives them;
- the field rules alone (`ingest.fields.extract_fields`) over page texts as OCR reads scans (generated hard scans,
  OCRed once and cached in bench/work/identity/ocr_texts.json, since the OCR is not what is checked), the Decree's
  real wording, the corpus' text layers, and noised copies of all of them (characters dropped, look-alikes swapped,
  accents stripped, lines joined and split), so the rules' fallbacks are walked too.
`--compare` prints each document whose output differs and exits 1. `--seconds` reports the time of each part, so
one run is also the before/after timing of the field rules. For an older commit, `--save` in a `git worktree` of it
(its own bench/work; copy the OCR cache there so that both sides read the same OCR texts).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, WORK  # noqa: E402

FOLDER = WORK / "identity"
TEXT_PDF_SEEDS = (3, 101, 102, 103, 90210, 90211)
SCAN_SEEDS = (104, 105, 90212)
NOISED_COPIES = 3
_LOOKALIKES = {"0": "O", "O": "0", "1": "l", "l": "1", "5": "S", "S": "5", "8": "B", "B": "8", "2": "Z", "6": "G",
               "ư": "u", "ơ": "o", "đ": "d", "Đ": "D", ":": ";", "-": "_", ".": ","}


def _text_pdfs() -> list[Path]:
    from archive.demo import generate_dossiers

    files: list[Path] = []
    for seed in TEXT_PDF_SEEDS:
        files += [f.path for f in generate_dossiers(FOLDER / f"text-{seed}", items=8, seed=seed, scans=False)]
    return files


def _ocr_texts() -> dict[str, list[str]]:
    """Page texts of generated hard scans as the archive's own OCR reads them; made once, then read from the cache."""
    cache = FOLDER / "ocr_texts.json"
    if cache.exists():
        return json.loads(cache.read_text("utf-8"))
    from concurrent.futures import ProcessPoolExecutor

    from archive.demo import generate_dossiers
    from archive.demo.writer import HARD_MIX

    files = []
    for seed in SCAN_SEEDS:
        files += [f.path for f in generate_dossiers(FOLDER / f"scan-{seed}", items=10, seed=seed, mix=HARD_MIX)
                  if f.kind != "text-pdf"]
    with ProcessPoolExecutor() as pool:
        texts = dict(zip((f"{p.parent.name}/{p.name}" for p in files), pool.map(_page_texts, files)))
    cache.write_text(json.dumps(texts, ensure_ascii=False, indent=0, sort_keys=True), "utf-8")
    return texts


def _page_texts(path: Path) -> list[str]:
    from ingest.pipeline import extract

    return [page.text for page in extract(path.read_bytes()).pages]


CORPUS = ROOT.parent / "shared" / "corpus"


def _corpus_layers() -> dict[str, list[str] | str]:
    """The text layers of the shared corpus' real-world PDFs, as the PDF reader gives them (never OCRed): the page
    texts of each, or the reason it was refused."""
    from ingest.errors import IngestError
    from ingest.limits import ExtractionLimits
    from ingest.pdf import iter_pdf_pages

    layers: dict[str, list[str] | str] = {}
    for path in sorted(CORPUS.rglob("*.pdf")):
        try:
            layers[f"corpus/{path.name}"] = [page.text_layer or "" for _, page in
                                             zip(range(30), iter_pdf_pages(path.read_bytes(), ExtractionLimits()))]
        except IngestError as exc:
            layers[f"corpus/{path.name}"] = f"{type(exc).__name__}: {exc}"
    return layers


def _decree_pages() -> dict[str, list[str]]:
    pages = {}
    for path in sorted((ROOT / "bench" / "real" / "texts").glob("*.txt")):
        lines = path.read_text("utf-8").splitlines()
        pages[f"decree/{path.stem}"] = ["\n".join(lines[at : at + 40]) for at in range(0, len(lines), 40)]
    return pages


def _noised(text: str, rng: random.Random) -> str:
    out = []
    for line in text.split("\n"):
        roll = rng.random()
        if roll < 0.05 and out:
            out[-1] += " " + line  # two lines read as one
            continue
        chars = []
        for ch in line:
            r = rng.random()
            if r < 0.015:
                continue
            if r < 0.04 and ch in _LOOKALIKES:
                ch = _LOOKALIKES[ch]
            elif r < 0.06 and not ch.isascii():
                ch = unicodedata.normalize("NFD", ch)[0]
            chars.append(ch)
        line = "".join(chars)
        if roll > 0.97 and len(line) > 10:  # a line broken in two
            cut = rng.randrange(3, len(line) - 3)
            out += [line[:cut], line[cut:]]
        else:
            out.append(line)
    return "\n".join(out)


def _fields_json(fields) -> dict:
    return {name: [value.value, value.confidence, value.page, value.source, value.region] for name, value in fields.items()}


def run(seconds: bool) -> dict:
    from ingest.fields import extract_fields
    from ingest.pipeline import extract

    results: dict[str, object] = {}
    timing = {}
    pdfs = _text_pdfs()
    datas = [(f"{p.parent.name}/{p.name}", p.read_bytes()) for p in pdfs]
    started = time.perf_counter()
    text_pages: dict[str, list[str]] = {}
    for name, data in datas:
        extraction = extract(data)
        text_pages[name] = [page.text for page in extraction.pages]
        results[f"extract/{name}"] = {"pages": [hashlib.sha256(t.encode()).hexdigest()[:16] for t in text_pages[name]],
                                      "fields": _fields_json(extraction.fields)}
    timing["extract_text_pdfs_s"] = time.perf_counter() - started
    corpus_layers = _corpus_layers()
    for name, layers in corpus_layers.items():
        results[f"layers/{name}"] = layers if isinstance(layers, str) else [
            hashlib.sha256(layer.encode()).hexdigest()[:16] for layer in layers]
    corpus = {**{f"text/{k}": v for k, v in text_pages.items()}, **{f"ocr/{k}": v for k, v in _ocr_texts().items()},
              **_decree_pages(), **{name: layers for name, layers in corpus_layers.items() if not isinstance(layers, str)}}
    rng = random.Random(20261204)
    for name, pages in list(corpus.items()):
        for copy in range(NOISED_COPIES):
            corpus[f"{name}#noise{copy}"] = [_noised(page, rng) for page in pages]
    started = time.perf_counter()
    for name, pages in corpus.items():
        results[f"fields/{name}"] = _fields_json(extract_fields(pages))
    timing["extract_fields_s"] = time.perf_counter() - started
    timing["documents"] = {"text_pdfs": len(datas), "field_inputs": len(corpus)}
    if seconds:
        print(json.dumps(timing, indent=1), file=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--save", type=Path)
    action.add_argument("--compare", type=Path)
    parser.add_argument("--seconds", action="store_true", help="print the time of each part")
    args = parser.parse_args()
    FOLDER.mkdir(parents=True, exist_ok=True)
    results = json.loads(json.dumps(run(args.seconds), ensure_ascii=False))  # tuples as lists, as saved
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(results, ensure_ascii=False, indent=0, sort_keys=True), "utf-8")
        print(f"{len(results)} outputs saved to {args.save}")
        return
    before = json.loads(args.compare.read_text("utf-8"))
    differing = sorted(name for name in before.keys() | results.keys() if before.get(name) != results.get(name))
    for name in differing[:40]:
        old, new = before.get(name) or {}, results.get(name) or {}
        if name.startswith("extract/"):
            old, new = old.get("fields", {}) | {"pages": old.get("pages")}, new.get("fields", {}) | {"pages": new.get("pages")}
        changed = {key: (old.get(key), new.get(key)) for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
        print(name, json.dumps(changed, ensure_ascii=False))
    print(f"{len(results)} outputs, {len(differing)} differ")
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
