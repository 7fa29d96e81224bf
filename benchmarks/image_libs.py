"""Pillow or pyvips for image renditions? Measured, not guessed.

The job the image pipeline does most: take a large camera JPEG, shrink it to a page-sized width
and encode it as WebP or AVIF. This script generates a 4000×3000 JPEG with camera-like content
(gradients plus sensor noise, so the encoders cannot cheat on flat colour), then for each library
and output format runs the resize+encode RUNS times in a fresh child process and prints the median
and best wall time, the output size, and the child's peak resident memory above its idle baseline.

Each library is used the way it is meant to be used: Pillow with `draft()` (libjpeg's DCT scaling,
the same shrink-on-load trick libvips uses) followed by a Lanczos resize; pyvips with
`thumbnail_buffer`. Encoder effort is matched (WebP method 4 / effort 4, AVIF speed 6 / effort 3),
quality is the same number (WebP 80, AVIF 50) though the scales differ a little, so compare
sizes as well as times.

    .venv/bin/python benchmarks/image_libs.py [RUNS]
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

WIDTH, HEIGHT, TARGET = 4000, 3000, 800
CASES = [("pillow", "webp"), ("pillow", "avif"), ("pyvips", "webp"), ("pyvips", "avif")]


def source_jpeg() -> bytes:
    """Gradients, blotchy mid-frequency texture (noise upscaled) and fine sensor noise per channel:
    detail at every scale, so a downscaled rendition still has something to encode."""
    from PIL import Image

    gradient = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    channels = []
    for sigma, angle in ((40, 0), (50, 90), (45, 45)):
        coarse = Image.effect_noise((WIDTH // 40, HEIGHT // 40), sigma).resize(
            (WIDTH, HEIGHT), Image.Resampling.BICUBIC
        )
        medium = Image.effect_noise((WIDTH // 6, HEIGHT // 6), sigma).resize(
            (WIDTH, HEIGHT), Image.Resampling.BICUBIC
        )
        fine = Image.effect_noise((WIDTH, HEIGHT), sigma / 2)
        texture = Image.blend(Image.blend(coarse, medium, 0.5), fine, 0.25)
        channels.append(Image.blend(gradient.rotate(angle), texture, 0.6))
    out = io.BytesIO()
    Image.merge("RGB", channels).save(out, "JPEG", quality=90)
    return out.getvalue()


def pillow_render(data: bytes, fmt: str) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        height = round(im.height * TARGET / im.width)
        im.draft("RGB", (TARGET, height))
        small = im.convert("RGB").resize((TARGET, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "webp":
        small.save(out, "WEBP", quality=80, method=4)
    else:
        small.save(out, "AVIF", quality=50, speed=6)
    return out.getvalue()


def pyvips_render(data: bytes, fmt: str) -> bytes:
    import pyvips

    small = pyvips.Image.thumbnail_buffer(data, TARGET)
    if fmt == "webp":
        return bytes(small.webpsave_buffer(Q=80, effort=4))
    return bytes(small.heifsave_buffer(Q=50, effort=3, compression="av1"))


def proc_status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak_rss() -> int:
    """Reset the kernel's high-water mark (Linux) and return the current RSS in KB. ru_maxrss
    would not do: it keeps the parent's peak across fork+exec."""
    Path("/proc/self/clear_refs").write_text("5")
    return proc_status_kb("VmRSS")


def run_case(lib: str, fmt: str, runs: int, source: str) -> dict[str, object]:
    """In a child process: time `runs` renders and report peak RSS above the idle baseline."""
    render: Callable[[bytes, str], bytes] = pillow_render if lib == "pillow" else pyvips_render
    data = Path(source).read_bytes()
    if lib == "pyvips":
        import pyvips  # noqa: F401  (load the library before the baseline is taken)
    else:
        from PIL import Image  # noqa: F401
    baseline = reset_peak_rss()
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(render(data, fmt))
        times.append((time.perf_counter() - start) * 1000)
    peak = proc_status_kb("VmHWM")
    return {
        "median_ms": statistics.median(times),
        "best_ms": min(times),
        "bytes": size,
        "peak_mb": peak / 1024,
        "extra_mb": max(0, peak - baseline) / 1024,
    }


def versions() -> str:
    from PIL import Image, features

    line = f"Pillow {Image.__version__} (AVIF: {features.check('avif')})"
    try:
        import pyvips

        line += f", pyvips {pyvips.__version__} / libvips " + ".".join(
            str(pyvips.version(i)) for i in range(3)
        )
    except Exception as exc:  # noqa: BLE001  (any import failure means: not installable here)
        line += f", pyvips NOT AVAILABLE on this machine ({exc.__class__.__name__}: {exc})"
    return line


def main(runs: int) -> None:
    print(versions())
    print(
        f"{WIDTH}×{HEIGHT} JPEG → {TARGET} px wide, {runs} runs per case, each case in a fresh process"
    )
    with tempfile.NamedTemporaryFile(suffix=".jpg") as source:
        source.write(source_jpeg())
        source.flush()
        table(runs, source.name)


def table(runs: int, source: str) -> None:
    print(f"source: {Path(source).stat().st_size / 1024:.0f} KB JPEG")
    print(
        f"{'library':8} {'format':6} {'median ms':>10} {'best ms':>8} {'out KB':>7} {'peak RSS MB':>12} {'+ over idle':>12}"
    )
    for lib, fmt in CASES:
        child = subprocess.run(
            [sys.executable, __file__, "--case", lib, fmt, str(runs), source],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            reason = (child.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"{lib:8} {fmt:6} unavailable: {reason}")
            continue
        r = json.loads(child.stdout)
        print(
            f"{lib:8} {fmt:6} {r['median_ms']:10.1f} {r['best_ms']:8.1f} "
            f"{r['bytes'] / 1024:7.1f} {r['peak_mb']:12.1f} {r['extra_mb']:12.1f}"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
