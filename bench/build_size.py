"""Build size and build time of the packaged terminal (figures printed, not a test).

    .venv/bin/python bench/build_size.py              # build the onedir and the .deb (into dist/), then report
    .venv/bin/python bench/build_size.py --no-build   # report on what dist/ holds
    .venv/bin/python bench/build_size.py --onedir DIR --deb FILE

Prints the build times (from dist/build-stats.json, written by packaging/build-onedir and build-deb), the
onedir size with its largest parts, the .deb size against the 90 MB target, and the installed size.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_DEB_MB = 90


def mb(n: float) -> str:
    return f"{n / 2**20:7.1f} MB"


def sizes(onedir: Path) -> tuple[int, Counter]:
    parts: Counter = Counter()
    total = 0
    internal = onedir / "_internal"
    for f in onedir.rglob("*"):
        if f.is_symlink() or not f.is_file():
            continue
        n = f.stat().st_size
        total += n
        rel = f.relative_to(internal) if internal in f.parents else f.relative_to(onedir)
        top = rel.parts[0]
        if top == "PySide6" and len(rel.parts) > 3 and rel.parts[1] == "Qt":
            top = "/".join(rel.parts[:3])  # PySide6/Qt/lib, PySide6/Qt/plugins, ...
        parts[top] += n
    return total, parts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-build", action="store_true", help="do not build; report on dist/")
    ap.add_argument("--onedir", type=Path, default=ROOT / "dist" / "yibao-terminal")
    ap.add_argument("--deb", type=Path, help="the .deb (default: the newest in the onedir's parent)")
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()

    stats_file = args.onedir.parent / "build-stats.json"
    if not args.no_build:
        t0 = time.monotonic()
        subprocess.run([str(ROOT / "packaging" / "build-onedir"), "--dist", str(args.onedir.parent)], check=True)
        subprocess.run([str(ROOT / "packaging" / "build-deb"), "--onedir", str(args.onedir),
                        "--out", str(args.onedir.parent)], check=True)
        print(f"\ntotal build time {time.monotonic() - t0:.1f} s")
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}

    if not (args.onedir / "yibao-terminal").exists():
        print(f"no onedir at {args.onedir} (run packaging/build-onedir)", file=sys.stderr)
        return 1
    total, parts = sizes(args.onedir)
    print(f"\nonedir {args.onedir}: {mb(total).strip()}"
          + (f", built in {stats['onedir_seconds']:.1f} s" if "onedir_seconds" in stats else ""))
    for name, n in parts.most_common(args.top):
        print(f"  {mb(n)}  {name}")
    rest = total - sum(n for _, n in parts.most_common(args.top))
    print(f"  {mb(rest)}  (everything else)")

    deb = args.deb
    if deb is None:
        debs = sorted(args.onedir.parent.glob("yibao-terminal_*.deb"), key=lambda p: p.stat().st_mtime)
        deb = debs[-1] if debs else None
    if deb is None or not deb.exists():
        print("\nno .deb (run packaging/build-deb)")
        return 0
    size = deb.stat().st_size
    verdict = "OK" if size < TARGET_DEB_MB * 2**20 else "OVER TARGET"
    print(f"\n.deb {deb.name}: {mb(size).strip()} (target < {TARGET_DEB_MB} MB: {verdict})"
          + (f", packaged in {stats['deb_seconds']:.1f} s" if "deb_seconds" in stats and
             Path(stats.get("deb", "")).name == deb.name else ""))
    if "installed_kib" in stats:
        print(f"installed size {stats['installed_kib'] / 1024:.1f} MB; Depends: {stats.get('depends', '')}")
    return 0 if size < TARGET_DEB_MB * 2**20 else 1


if __name__ == "__main__":
    sys.exit(main())
