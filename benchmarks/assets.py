"""Assets benchmark (issue 13): uploads, image renditions, and cached renditions against nginx.

    PYTHONPATH=src .venv/bin/python benchmarks/assets.py [--images 20] [--repeat 200]
        [--duration 10] [--connections 64] [--threads 2] [--database sqlite|postgresql]

In one run, in a fresh temporary directory (and, with --database postgresql, a fresh database on
127.0.0.1:5432): starts `veneer serve` with its production settings (workers = cores), logs in,
makes a stack, then
1. uploads N generated 4000x3000 JPEGs through `POST /v3/assets` (multipart) and prints MB/s;
2. asks each for its 800-px-wide WebP rendition (`?width=800&format=webp`) once: the first,
   computed, latency p50/p99 over the N images;
3. asks for those renditions again --repeat times in all: the cached latency p50/p99;
4. measures one cached rendition URL with `wrk` against nginx serving the same bytes as a static
   file, and prints both rates and their ratio.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
from delivery import free_port, start_nginx, start_veneer, stop, wrk  # benchmarks/delivery.py
from PIL import Image, ImageDraw

PASSWORD = "bench-password"


def photo(seed: int, width: int = 4000, height: int = 3000) -> bytes:
    """A JPEG with a photo's entropy: a gradient under noise and shapes (~2-3 MB)."""
    noise = Image.effect_noise((width, height), 40 + seed % 20).convert("RGB")
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(noise, gradient, 0.5)
    draw = ImageDraw.Draw(image)
    for n in range(12):
        x, y = (seed * 997 + n * 331) % width, (seed * 577 + n * 211) % height
        draw.ellipse((x, y, x + 600, y + 400), fill=((seed * 40 + n * 20) % 256, 90, 160))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def login(base: str) -> str:
    body = {"user": {"email": "admin@veneer.local", "password": PASSWORD}}
    answer = httpx.post(f"{base}/v3/user-session", json=body, timeout=30)
    answer.raise_for_status()
    return str(answer.json()["user"]["authtoken"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="veneer-assets-bench-") as name:
        tmp = Path(name)
        pg_name = f"veneer_assets_bench_{os.getpid()}"
        if args.database == "postgresql":
            with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{pg_name}"')
            url = f"{args.pg.replace('postgresql://', 'postgresql+psycopg://')}/{pg_name}"
        else:
            url = f"sqlite:///{tmp / 'veneer.db'}"
        running: list[subprocess.Popen[bytes]] = []
        try:
            return run(args, tmp, url, running)
        finally:
            for process in running:
                stop(process)
            if args.database == "postgresql":
                with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def run(
    args: argparse.Namespace, tmp: Path, url: str, running: list[subprocess.Popen[bytes]]
) -> int:
    port = free_port()
    running.append(
        start_veneer(tmp, url, port, args.workers, "veneer", VENEER_FILES_DIR=str(tmp / "files"))
    )
    base = f"http://127.0.0.1:{port}"
    token = login(base)
    headers = {"authtoken": token}
    stack = httpx.post(
        f"{base}/v3/stacks",
        json={"stack": {"name": "Bench", "master_locale": "en-us"}},
        headers=headers,
        timeout=30,
    ).json()["stack"]
    headers["api_key"] = stack["api_key"]

    print(f"generating {args.images} 4000x3000 JPEGs ...", file=sys.stderr)
    photos = [photo(n) for n in range(args.images)]
    total = sum(len(p) for p in photos)
    client = httpx.Client(timeout=120)
    urls: list[str] = []
    started = time.perf_counter()
    for n, data in enumerate(photos):
        answer = client.post(
            f"{base}/v3/assets",
            headers=headers,
            files={"asset[upload]": (f"photo-{n}.jpg", data, "image/jpeg")},
        )
        answer.raise_for_status()
        urls.append(answer.json()["asset"]["url"])
    upload_s = time.perf_counter() - started
    upload_rate = total / upload_s / 1e6

    params = {"width": "800", "format": "webp"}
    first: list[float] = []
    for asset_url in urls:
        t0 = time.perf_counter()
        answer = client.get(asset_url, params=params)
        first.append((time.perf_counter() - t0) * 1000)
        answer.raise_for_status()
        if answer.headers["content-type"] != "image/webp":
            sys.exit(f"{asset_url}: not a webp rendition")
    rendition = client.get(urls[0], params=params).content
    if Image.open(io.BytesIO(rendition)).size[0] != 800:
        sys.exit("the rendition is not 800 px wide")
    cached: list[float] = []
    for n in range(args.repeat):
        t0 = time.perf_counter()
        client.get(urls[n % len(urls)], params=params).raise_for_status()
        cached.append((time.perf_counter() - t0) * 1000)

    static = tmp / "static"
    static.mkdir()
    (static / "entry.json").write_text("{}")
    (static / "rendition.webp").write_bytes(rendition)
    rendition_url = urls[0] + "?width=800&format=webp"
    wrk("warm-up", rendition_url, {}, args, duration=2)
    veneer = wrk("veneer cached rendition", rendition_url, {}, args)
    stop(running.pop())
    nginx_port = free_port()
    running.append(start_nginx(tmp, nginx_port, args.workers))
    static_url = f"http://127.0.0.1:{nginx_port}/rendition.webp"
    wrk("warm-up", static_url, {}, args, duration=2)
    nginx = wrk("nginx static", static_url, {}, args)

    print(
        f"\n{args.database}, {args.workers} workers, {len(photos)} images "
        f"({total / len(photos) / 1e6:.2f} MB each), rendition {len(rendition) / 1024:.1f} KB\n"
    )
    print("| measure | value |")
    print("|---|---|")
    print(f"| upload throughput | {upload_rate:.1f} MB/s ({len(photos) / upload_s:.1f} files/s) |")
    print(
        f"| first 800-px webp rendition p50 / p99 | {statistics.median(first):.1f} / "
        f"{percentile(first, 0.99):.1f} ms |"
    )
    print(
        f"| cached rendition p50 / p99 (one client) | {statistics.median(cached):.2f} / "
        f"{percentile(cached, 0.99):.2f} ms |"
    )
    print(
        f"| cached rendition, wrk -c{args.connections} | {veneer.requests_per_s:,.0f} req/s "
        f"(p99 {veneer.p99_ms:.1f} ms, errors {veneer.errors}) |"
    )
    print(f"| nginx, same bytes | {nginx.requests_per_s:,.0f} req/s (p99 {nginx.p99_ms:.1f} ms) |")
    print(f"| Veneer / nginx | {veneer.requests_per_s / nginx.requests_per_s:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
