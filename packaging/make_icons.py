"""Draw the application icon (blue tile, white 医, a small medical cross) with Pillow.

    .venv/bin/python packaging/make_icons.py

Writes packaging/icons/yibao-terminal-<size>.png (16 ... 256, the hicolor sizes), resources/icons/app.png
(256 px, for the window) and packaging/windows/yibao-terminal.ico. The outputs are committed, so builds do
not need the CJK font this script draws with (WenQuanYi Micro Hei or Noto Sans CJK).
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = (16, 24, 32, 48, 64, 128, 256)
BLUE = (21, 101, 192, 255)      # #1565C0
DARK = (13, 71, 161, 255)       # #0D47A1
WHITE = (255, 255, 255, 255)
FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
         "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "C:/Windows/Fonts/msyhbd.ttc")


def _font(px: int) -> ImageFont.FreeTypeFont:
    for f in FONTS:
        if Path(f).exists():
            return ImageFont.truetype(f, px)
    raise SystemExit("need a CJK font (apt-get install fonts-wqy-microhei) to draw 医")


def draw(size: int = 1024) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    r = size // 6
    d.rounded_rectangle((0, 0, size - 1, size - 1), radius=r, fill=BLUE)
    d.rounded_rectangle((size * 0.04, size * 0.04, size * 0.96, size * 0.96), radius=r * 0.8, outline=DARK,
                        width=max(1, size // 64))
    # 医, large and a little low-left, leaving the top-right corner to the cross
    font = _font(int(size * 0.58))
    box = d.textbbox((0, 0), "医", font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    d.text(((size - w) / 2 - box[0] - size * 0.05, (size - h) / 2 - box[1] + size * 0.08), "医", font=font, fill=WHITE)
    # the cross, on a white disc in the top-right corner
    cx, cy, cr = size * 0.80, size * 0.20, size * 0.145
    d.ellipse((cx - cr, cy - cr, cx + cr, cy + cr), fill=WHITE)
    arm, thick = cr * 0.68, cr * 0.36
    d.rectangle((cx - arm, cy - thick / 2, cx + arm, cy + thick / 2), fill=BLUE)
    d.rectangle((cx - thick / 2, cy - arm, cx + thick / 2, cy + arm), fill=BLUE)
    return img


def main() -> int:
    big = draw()
    out = HERE / "icons"
    out.mkdir(exist_ok=True)
    for s in SIZES:
        big.resize((s, s), Image.Resampling.LANCZOS).save(out / f"yibao-terminal-{s}.png", optimize=True)
    (ROOT / "resources" / "icons").mkdir(parents=True, exist_ok=True)
    big.resize((256, 256), Image.Resampling.LANCZOS).save(ROOT / "resources" / "icons" / "app.png", optimize=True)
    (HERE / "windows").mkdir(exist_ok=True)
    big.resize((256, 256), Image.Resampling.LANCZOS).save(HERE / "windows" / "yibao-terminal.ico",
                                                         sizes=[(s, s) for s in SIZES])
    print(f"icons written to {out}, resources/icons/app.png and packaging/windows/yibao-terminal.ico")
    return 0


if __name__ == "__main__":
    sys.exit(main())
