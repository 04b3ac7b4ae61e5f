"""Draw the MyCirrus integration's brand images: a level meter beside sound waves.

    .venv/bin/python scripts/make_brand.py

Writes icon.png (256x256), icon@2x.png (512x512) and logo.png (384x256) into
custom_components/mycirrus/brand/. The drawing is plain geometry, so the same
Pillow release draws the same files.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "custom_components/mycirrus/brand"
SCALE = 4  # draw large, then shrink: smooth edges without anti-aliasing support
TEAL = (17, 94, 103, 255)
LIGHT = (236, 248, 246, 255)
AMBER = (255, 183, 3, 255)
# Bar heights as fractions of the meter's height: a level meter mid-reading.
BARS = (0.35, 0.6, 0.9, 0.7, 0.45)


def draw_mark(draw: ImageDraw.ImageDraw, left: float, top: float, size: float) -> None:
    """Draw the mark: a rounded tile with five level bars, the loudest in amber."""
    draw.rounded_rectangle(
        (left, top, left + size, top + size), radius=size * 0.22, fill=TEAL
    )
    margin = size * 0.2
    width = (size - 2 * margin) / (len(BARS) * 1.6 - 0.6)
    floor = top + size - margin
    for index, height in enumerate(BARS):
        x = left + margin + index * width * 1.6
        colour = AMBER if height == max(BARS) else LIGHT
        draw.rounded_rectangle(
            (x, floor - height * (size - 2 * margin), x + width, floor),
            radius=width / 2,
            fill=colour,
        )


def draw_waves(
    draw: ImageDraw.ImageDraw, centre_x: float, centre_y: float, size: float
) -> None:
    """Draw three arcs spreading to the right, like sound leaving a source."""
    for ring in range(1, 4):
        radius = size * 0.16 * ring
        draw.arc(
            (
                centre_x - radius,
                centre_y - radius,
                centre_x + radius,
                centre_y + radius,
            ),
            start=-45,
            end=45,
            fill=TEAL,
            width=int(size * 0.05),
        )


def render(width: int, height: int, *, waves: bool) -> Image.Image:
    image = Image.new("RGBA", (width * SCALE, height * SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    size = height * SCALE * 0.94
    inset = height * SCALE * 0.03
    draw_mark(draw, inset, inset, size)
    if waves:
        draw_waves(draw, inset + size * 1.05, inset + size / 2, size)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    render(256, 256, waves=False).save(OUT / "icon.png", optimize=True)
    render(512, 512, waves=False).save(OUT / "icon@2x.png", optimize=True)
    render(384, 256, waves=True).save(OUT / "logo.png", optimize=True)


if __name__ == "__main__":
    main()
