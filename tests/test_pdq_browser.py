"""In-browser fingerprinting: hash-worker.js + pdq.js run in headless Chromium.

Checks MD5/SHA-256 exactly and PDQ against the C++ reference (expected.csv,
made with pdqhash 0.2.8, and the `pdqhash` binding for generated images), and
that hashing sends nothing over the network.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pdqhash
import pytest
from live import serve_harness
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = ROOT / "tests" / "data" / "pdq"  # ThreatExchange images, BSD licence beside them
HARNESS = "/tests/pdq_harness/index.html"


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def reference_pdq(path: Path) -> tuple[str, int]:
    """pdqhash on Pillow's RGB pixels; its bit vector is bit 255 first, so
    packing it big-endian gives the reference hex (words 15..0)."""
    pixels = np.asarray(Image.open(path).convert("RGB"))
    bits, quality = pdqhash.compute(pixels)
    return np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)


def expected_rows() -> list[dict[str, str]]:
    with (TESTDATA / "expected.csv").open(newline="") as f:
        return list(csv.DictReader(f))


# --- serving and browser ----------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = serve_harness()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser_page(server: str, browser: Any) -> Iterator[tuple[Any, list[Any]]]:
    """The harness page, plus every request the browser context makes."""
    context = browser.new_context()
    requests: list[Any] = []

    def record(request: Any) -> None:  # Playwright can't wrap list.append
        requests.append(request)

    context.on("request", record)
    page = context.new_page()
    page.goto(server + HARNESS)
    page.wait_for_function("window.harnessReady === true")
    yield page, requests
    context.close()


def hash_in_browser(page: Any, paths: list[Path]) -> dict[str, dict[str, Any]]:
    page.set_input_files("#files", [str(p) for p in paths])
    results = page.evaluate("hashAll()")  # awaits the worker's replies
    return {r["name"]: r for r in results}


def assert_bytes_hashes(result: dict[str, Any], path: Path) -> None:
    data = path.read_bytes()
    assert result["type"] == "result", result
    assert result["md5"] == hashlib.md5(data).hexdigest()
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    # progress ends at the full size (none is posted for an empty file)
    assert not data or result["progress"][-1] == [len(data), len(data)]


# --- reference images -------------------------------------------------------


@pytest.fixture(scope="module")
def reference_results(browser_page: tuple[Any, list[Any]]) -> dict[str, dict[str, Any]]:
    page, _ = browser_page
    return hash_in_browser(page, [TESTDATA / row["file"] for row in expected_rows()])


def test_reference_hex_conversion_matches_expected_csv() -> None:
    """Our pdqhash -> hex conversion reproduces expected.csv on a PNG."""
    row = next(r for r in expected_rows() if r["file"] == "misc-images__modes__1.png")
    assert reference_pdq(TESTDATA / row["file"]) == (row["pdq_hex"], int(row["quality"]))


@pytest.mark.parametrize("row", expected_rows(), ids=lambda r: r["file"])
def test_reference_image(row: dict[str, str], reference_results: dict[str, dict[str, Any]]) -> None:
    result = reference_results[row["file"]]
    assert_bytes_hashes(result, TESTDATA / row["file"])
    assert result["kind"] == "image"
    distance = hamming(result["pdq"], row["pdq_hex"])
    ref_quality = int(row["quality"])
    if row["file"].endswith(".png"):
        assert distance <= 2, (result["pdq"], row["pdq_hex"])
    elif ref_quality >= 80:  # JPEG: Chromium's decoder differs slightly from Pillow's
        assert distance <= 10, (result["pdq"], row["pdq_hex"])
    assert abs(result["pdqQuality"] - ref_quality) <= 5
    if row["file"] == "misc-images__small.jpg":
        assert result["pdqQuality"] < 50


# --- generated images -------------------------------------------------------


def _generated_images(folder: Path) -> dict[str, Path]:
    rng = np.random.default_rng(20240607)
    images: dict[str, Image.Image] = {}
    y, x = np.mgrid[0:300, 0:417]
    images["gradient.png"] = Image.fromarray(
        np.stack([x * 255 // 416, y * 255 // 299, (x + y) * 255 // 715], -1).astype(np.uint8)
    )
    images["noise.png"] = Image.fromarray(rng.integers(0, 256, (257, 383, 3), dtype=np.uint8))
    blobs = np.kron(rng.integers(0, 256, (12, 9, 3)), np.ones((40, 40, 1))).astype(np.uint8)
    images["blocks.png"] = Image.fromarray(blobs)
    images["palette.png"] = images["blocks.png"].quantize(colors=16)
    images["grey.png"] = images["gradient.png"].convert("L")
    images["bilevel.png"] = images["blocks.png"].convert("1")
    rgba = np.dstack([blobs, np.full(blobs.shape[:2], 255, np.uint8)])
    rgba[100:200, 50:300] = 0  # fully transparent, stored black like most encoders
    rgba[250:300, :, 3] = 128  # half transparent
    images["rgba.png"] = Image.fromarray(rgba, "RGBA")
    images["exact64.png"] = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    images["tall-thin.png"] = Image.fromarray(rng.integers(0, 256, (901, 7, 3), dtype=np.uint8))
    images["tiny.png"] = Image.fromarray(rng.integers(0, 256, (4, 9, 3), dtype=np.uint8))
    paths = {}
    for name, image in images.items():
        paths[name] = folder / name
        image.save(paths[name])
    # EXIF orientation 6 (rotate 90): the reference ignores it, so must we.
    exif = Image.Exif()
    exif[0x0112] = 6
    paths["exif-rotated.jpg"] = folder / "exif-rotated.jpg"
    images["blocks.png"].save(paths["exif-rotated.jpg"], quality=95, exif=exif.tobytes())
    paths["exif-rotated.png"] = folder / "exif-rotated.png"
    images["gradient.png"].save(paths["exif-rotated.png"], exif=exif.tobytes())
    paths["exif-rotated.webp"] = folder / "exif-rotated.webp"
    images["blocks.png"].save(paths["exif-rotated.webp"], lossless=True, exif=exif.tobytes())
    exif.endian = ">"  # big-endian ("MM") EXIF, as some cameras write
    paths["exif-rotated-mm.jpg"] = folder / "exif-rotated-mm.jpg"
    images["noise.png"].save(paths["exif-rotated-mm.jpg"], quality=95, exif=exif.tobytes())
    return paths


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _generated_images(tmp_path_factory.mktemp("images"))


@pytest.fixture(scope="module")
def generated_results(
    browser_page: tuple[Any, list[Any]], generated: dict[str, Path]
) -> dict[str, dict[str, Any]]:
    page, _ = browser_page
    return hash_in_browser(page, list(generated.values()))


@pytest.mark.parametrize(
    "name",
    [
        "gradient.png",
        "noise.png",
        "blocks.png",
        "palette.png",
        "grey.png",
        "bilevel.png",
        "rgba.png",
        "exact64.png",
        "tall-thin.png",
        "tiny.png",
        "exif-rotated.png",
        "exif-rotated.jpg",
        "exif-rotated-mm.jpg",
        "exif-rotated.webp",
    ],
)
def test_generated_image(
    name: str, generated: dict[str, Path], generated_results: dict[str, dict[str, Any]]
) -> None:
    path = generated[name]
    result = generated_results[name]
    assert_bytes_hashes(result, path)
    ref_hash, ref_quality = reference_pdq(path)
    assert result["kind"] == "image"
    limit = 10 if name.endswith(".jpg") else 2  # PNG and lossless WebP: same pixels
    assert hamming(result["pdq"], ref_hash) <= limit, (result["pdq"], ref_hash)
    assert abs(result["pdqQuality"] - ref_quality) <= 2


def test_non_images(browser_page: tuple[Any, list[Any]], tmp_path: Path) -> None:
    page, _ = browser_page
    files = {
        "empty.bin": b"",
        "random.bin": np.random.default_rng(1).bytes(20 * 1024 * 1024 + 5),  # 3 chunks
        "clip.mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(1000),
        "broken.jpg": b"\xff\xd8\xff\xe0 not really a jpeg",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    results = hash_in_browser(page, [tmp_path / n for n in files])
    for name in files:
        assert_bytes_hashes(results[name], tmp_path / name)
        assert results[name]["pdq"] is None and results[name]["pdqQuality"] is None
    assert [d for d, _ in results["random.bin"]["progress"]] == [
        8 << 20,
        16 << 20,
        len(files["random.bin"]),
    ]
    assert results["empty.bin"]["kind"] == "other"
    assert results["random.bin"]["kind"] == "other"
    assert results["clip.mp4"]["kind"] == "video"
    assert results["broken.jpg"]["kind"] == "image"  # typed as an image, undecodable


# --- privacy ----------------------------------------------------------------


def test_hashing_sends_nothing(
    browser_page: tuple[Any, list[Any]], generated: dict[str, Path], server: str
) -> None:
    """Whole session, then a fresh hashing run: only the harness's own GETs."""
    page, requests = browser_page
    before = len(requests)
    marker = b"FILE-BYTES-MARKER-" * 1000
    secret = generated["noise.png"].parent / "secret.bin"
    secret.write_bytes(marker)
    hash_in_browser(page, [secret, generated["noise.png"], TESTDATA / "misc-images__modes__1.png"])
    assert len(requests) == before, [r.url for r in requests[before:]]  # nothing new

    allowed = {
        HARNESS,
        "/tests/pdq_harness/harness.js",
        "/app/static/src/report/pdq.js",
        "/build/hash-worker.js",
    }
    assert requests, "the request log should at least hold the harness page"
    for request in requests:
        url = urlsplit(request.url)
        assert f"{url.scheme}://{url.netloc}" == server, request.url
        assert url.path in allowed, request.url
        assert request.method == "GET", request.url
        assert not request.post_data_buffer, request.url
        assert "MARKER" not in request.url
