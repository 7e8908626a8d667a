"""Artwork checks (Apple: square JPEG or PNG, 1400 to 3000 px, RGB, extension matching type)."""

from __future__ import annotations

from pathlib import Path

MIN_PX = 1400
MAX_PX = 3000
_EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}


def check_artwork(path: Path) -> list[str]:
    """Every problem with the artwork file, as short messages (empty when it is fine)."""
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        return [f"file '{path.name}' not found"]
    try:
        with Image.open(path) as im:
            fmt, mode, (w, h) = im.format, im.mode, im.size
    except (UnidentifiedImageError, OSError) as e:
        return [f"'{path.name}' is not a readable image ({e.__class__.__name__})"]
    problems = []
    if fmt not in _EXTENSIONS:
        problems.append(f"'{path.name}' is {fmt}; use JPEG or PNG")
    elif path.suffix.lower() not in _EXTENSIONS[fmt]:
        problems.append(f"'{path.name}' is a {fmt} file but its extension says otherwise; rename it")
    if w != h:
        problems.append(f"'{path.name}' is {w}x{h} px; it must be square")
    if not (MIN_PX <= w <= MAX_PX and MIN_PX <= h <= MAX_PX):
        problems.append(f"'{path.name}' is {w}x{h} px; use {MIN_PX} to {MAX_PX} px square")
    if mode not in ("RGB", "RGBA", "P", "L") or mode == "CMYK":
        problems.append(f"'{path.name}' uses colour mode {mode}; save it as RGB")
    if mode in ("RGBA", "LA"):
        problems.append(f"'{path.name}' has transparency; Apple asks for RGB without alpha")
    return problems
