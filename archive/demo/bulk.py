"""Large synthetic loads for benchmarks: a million document texts, a 300-page scan.

`document_texts` composes real documents for a pool of dossiers, then keeps producing
new items by re-issuing pooled dossiers under fresh serial and document numbers; that
costs a few string replacements per document instead of a full composition.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Iterator

from archive.demo.catalog import between
from archive.demo.content import blocks_to_text, compose
from archive.demo.dossier import dossiers, new_serial
from archive.demo.layout import lay_out_fitting
from archive.demo.pdf_images import ImagePdfWriter
from archive.demo.render_scan import ScanPlan, jpeg_bytes, render_pages

POOL_DOSSIERS = 2000


def document_texts(count: int, seed: int = 7) -> Iterator[tuple[dict[str, Any], str]]:
    """Yield `count` (ground truth, full text) pairs; deterministic for a seed, no rendering.

    Serial numbers stay unique across the whole stream; the first ~11,000 documents are
    composed one by one, the rest re-issue those dossiers under new serials and numbers.
    """
    if count <= 0:
        return
    taken: set[str] = set()
    pool = []
    produced = 0
    for dossier in dossiers(seed, taken=taken):
        if len(pool) >= POOL_DOSSIERS:
            break
        docs = []
        for position in range(len(dossier.events)):
            composed = compose(dossier, position)
            text = blocks_to_text(composed.blocks)
            docs.append((composed.truth, text, composed.serial_printed))
            yield dict(composed.truth), text
            produced += 1
            if produced == count:
                return
        pool.append((dossier.item, docs))
    rng = random.Random(f"reissue:{seed}")
    cycle = 0
    while True:
        item, docs = pool[cycle % len(pool)]
        cycle += 1
        serial = new_serial(rng, item.etype, item.serial_format, taken)
        spaced = serial.replace("-", " ", 1)
        for truth, text, printed in docs:
            new_truth = dict(truth)
            new_truth["serial_number"] = serial
            text = text.replace(printed, serial if printed == item.serial else spaced)
            number = truth.get("document_number")
            if number:
                fresh = f"{between(rng, 1, 4999)}{number[number.index('/'):]}"
                new_truth["document_number"] = fresh
                text = text.replace(number, fresh, 1)
            yield new_truth, text
            produced += 1
            if produced == count:
                return


def render_scanned_pdf(path: Path, pages: int, seed: int = 7, dpi: int = 200) -> list[dict[str, Any]]:
    """Write one long image-only PDF of `pages` scanned pages, streamed page by page.

    Documents follow each other as in a bulk-scanned batch; only one page image is alive
    at a time. Returns the ground truth of each document in the file, with its first page
    (1-based) under "first_page".
    """
    rng = random.Random(f"bulk:{seed}")
    written = 0
    truths: list[dict[str, Any]] = []
    with ImagePdfWriter(Path(path)) as pdf:
        for dossier in dossiers(seed):
            for position in range(len(dossier.events)):
                composed = compose(dossier, position)
                layout = lay_out_fitting(composed.blocks, composed.family, serial=composed.serial_printed)
                plan = ScanPlan("scan-pdf", dpi, False, rng.choice(("clean", "clean", "photocopy", "noisy")),
                                rng.uniform(-1.0, 1.0), "sign" if rng.random() < 0.5 else "none",
                                rng.getrandbits(32), 75)
                truths.append({**composed.truth, "first_page": written + 1})
                for image in render_pages(layout, plan, composed.seal_text):
                    pdf.add_jpeg_page(jpeg_bytes(image, plan.quality, dpi), image.width, image.height, gray=True)
                    written += 1
                    if written >= pages:
                        return truths
    return truths
