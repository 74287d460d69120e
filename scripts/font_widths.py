"""Regenerate fairgov/render/data/fontwidths.json (read by fairgov/render/fontwidths.py): the
advance widths of DejaVu Sans (the charts' first font) for the characters group labels use, so
chart layout measures text the same way on every machine, whether or not the font is installed
there.

    python scripts/font_widths.py [--fonts /usr/share/fonts/truetype/dejavu]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fontTools.ttLib import TTFont

RANGES = ((0x20, 0x250), (0x2010, 0x2028), (0x2030, 0x203B), (0x2190, 0x2194), (0x2212, 0x2213),
          (0x2248, 0x2249), (0x2260, 0x2261), (0x2264, 0x2266))
OUT = Path(__file__).resolve().parents[1] / "fairgov" / "render" / "data" / "fontwidths.json"


def widths(path: Path) -> tuple[int, dict[int, int]]:
    font = TTFont(path)
    cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
    table = {cp: metrics[cmap[cp]][0] for lo, hi in RANGES for cp in range(lo, hi) if cp in cmap}
    return font["head"].unitsPerEm, table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fonts", type=Path, default=Path("/usr/share/fonts/truetype/dejavu"))
    args = ap.parse_args()
    em, regular = widths(args.fonts / "DejaVuSans.ttf")
    _, bold = widths(args.fonts / "DejaVuSans-Bold.ttf")
    data = {
        "units_per_em": em,
        "regular": {str(cp): w for cp, w in sorted(regular.items())},
        "bold": {str(cp): w for cp, w in sorted(bold.items())},
    }
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
