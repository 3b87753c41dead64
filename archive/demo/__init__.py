"""Sample dossiers of military technical equipment, for demos, tests and benchmarks.

- `generate_dossiers(out_dir, ...)` writes text PDFs and damaged scans plus ground truth.
- `document_texts(count, seed)` yields (truth, text) pairs without rendering, for bulk
  index filling.
- `render_scanned_pdf(path, pages, seed)` streams one long image-only PDF to disk.
"""

from archive.demo.bulk import document_texts, render_scanned_pdf
from archive.demo.writer import GROUND_TRUTH, KINDS, SampleFile, generate_dossiers

__all__ = ["GROUND_TRUTH", "KINDS", "SampleFile", "document_texts", "generate_dossiers", "render_scanned_pdf"]
