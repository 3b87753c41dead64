"""Named sets of sample dossiers: one to look at while developing, one never to tune on.

- `TUNING`: developers may open these files, read the extractor's misses and change rules
  until they pass. Figures on it say little about unseen dossiers.
- `HELD_OUT`: nobody tunes against it. Do not open its misses to fix the extractor; run it to
  learn how the archive does on dossiers it has not seen, and report it beside TUNING. If a
  change was made while looking at HELD_OUT, retire its seeds and draw new ones.

Both use `HARD_MIX`, so besides the ordinary scan profiles they carry the failure classes seen
on real unseen dossiers: units with a branch of service, clerk-typed designations, 150-dpi faded
copies, phone photos without DPI, sideways pages, junk text layers, corner stamps, ruled
tables as JPEG. The demo (seed 7) and the older benchmarks (seeds 3, 11, 21) are neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archive.demo.writer import HARD_MIX, SampleFile, ScanMix, generate_dossiers


@dataclass(frozen=True)
class SampleSet:
    name: str
    seeds: tuple[int, ...]
    items: int  # dossiers drawn for each seed
    mix: ScanMix = HARD_MIX

    def generate(self, out_dir: Path, *, workers: int | None = None, seeds: tuple[int, ...] | None = None,
                 items: int | None = None) -> list[SampleFile]:
        """Write the set's files, one sub-folder per seed (`out_dir/seed-<n>`); `seeds`/`items` narrow it."""
        files: list[SampleFile] = []
        for seed in seeds or self.seeds:
            files += generate_dossiers(Path(out_dir) / f"seed-{seed}", items=items or self.items, seed=seed,
                                       scans=True, workers=workers, mix=self.mix)
        return files


# The e2e accuracy test runs HELD_OUT's last seed (6 dossiers); the benchmark runs all of both sets.
TUNING = SampleSet("tuning", seeds=(101, 102, 103, 104, 105, 106), items=6)
HELD_OUT = SampleSet("held_out", seeds=(90210, 90211, 90212), items=6)
SETS = {sample_set.name: sample_set for sample_set in (TUNING, HELD_OUT)}
