"""Benchmark in-browser fingerprinting against the native PDQ binding.

    .venv/bin/python bench/bench_pdq.py [--runs 7] [--mb 256]

1. Generates a deterministic 12-megapixel photo-like JPEG (4000x3000).
2. Times PDQ in headless Chromium (pdq.js): hash from RGBA only, and
   decode+hash; times the native `pdqhash` binding on the same image decoded
   by Pillow. Medians of --runs runs; prints browser/native (target <= 1.0).
3. Hashes a generated --mb MB file with MD5+SHA-256 in the worker and prints
   MB/s (target >= 200).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pdqhash
from live import CHROMIUM, CHROMIUM_ARGS, serve_harness
from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]


def photo_like(path: Path, width: int = 4000, height: int = 3000) -> None:
    """Smooth shapes at several scales plus sensor-like noise, seeded."""
    rng = np.random.default_rng(12)
    img = np.zeros((height, width, 3), np.float32)
    for cells, weight in ((4, 0.5), (16, 0.3), (64, 0.15)):
        small = rng.integers(0, 256, (cells * 3 // 4 + 1, cells + 1, 3), dtype=np.uint8)
        layer = Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC)
        img += weight * np.asarray(layer, np.float32)
    img += rng.normal(0, 6, (height, width, 1)).astype(np.float32)
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(path, quality=90)


def native_ms(photo: Path, runs: int) -> tuple[float, float, str]:
    """Median ms of pdqhash.compute on Pillow's pixels, and of decode+hash."""
    pixels = np.asarray(Image.open(photo).convert("RGB"))
    hash_only, decode_hash = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        bits, _quality = pdqhash.compute(pixels)
        hash_only.append((time.perf_counter() - t0) * 1000)
    for _ in range(runs):
        t0 = time.perf_counter()
        pdqhash.compute(np.asarray(Image.open(photo).convert("RGB")))
        decode_hash.append((time.perf_counter() - t0) * 1000)
    hex_hash = np.packbits(bits.astype(np.uint8)).tobytes().hex()
    return statistics.median(hash_only), statistics.median(decode_hash), hex_hash


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--mb", type=int, default=256)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        photo = tmp / "photo-12mp.jpg"
        photo_like(photo)
        big = tmp / "big.bin"
        with big.open("wb") as f:  # incompressible, deterministic
            block = np.random.default_rng(7).bytes(16 << 20)
            for _ in range(args.mb // 16):
                f.write(block)
        httpd = serve_harness()  # the bundle `make bench` built

        native, native_decode, native_hash = native_ms(photo, args.runs)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{httpd.server_port}/tests/pdq_harness/index.html")
            page.wait_for_function("window.harnessReady === true")

            page.set_input_files("#files", str(photo))
            pdq = page.evaluate("runs => benchPdq(runs)", args.runs)
            page.set_input_files("#files", str(big))
            worker_ms = [page.evaluate("timeWorker()")["ms"] for _ in range(3)]
            browser.close()
        httpd.shutdown()
        httpd.server_close()

    hash_only = statistics.median(pdq["hashOnly"])
    decode_hash = statistics.median(pdq["decodeAndHash"])
    distance = bin(int(pdq["hash"], 16) ^ int(native_hash, 16)).count("1")
    mb = args.mb // 16 * 16
    rate = mb / (statistics.median(worker_ms) / 1000)
    megapixels = pdq["width"] * pdq["height"] / 1e6
    print(f"image {pdq['width']}x{pdq['height']} ({megapixels:.1f} MP), median of {args.runs} runs")
    print(
        f"pdq 12MP: browser {hash_only:.1f} ms, native {native:.1f} ms, "
        f"ratio {hash_only / native:.2f} (target <= 1.0)"
    )
    print(
        f"pdq 12MP decode+hash: browser {decode_hash:.1f} ms, native (Pillow) {native_decode:.1f} ms, "
        f"ratio {decode_hash / native_decode:.2f}"
    )
    print(f"pdq browser vs native: {distance} bits apart, quality {pdq['quality']}")
    print(f"md5+sha256 {mb} MB in worker: {rate:.0f} MB/s (target >= 200)")


if __name__ == "__main__":
    main()
