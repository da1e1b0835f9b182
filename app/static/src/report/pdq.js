// PDQ perceptual hash (Meta ThreatExchange, pdq/README + hashing.md), written
// from the published algorithm so an image can be fingerprinted in the
// browser and never leave the device. Output matches the C++ reference as
// wrapped by the `pdqhash` Python package (same hex, same 0..100 quality),
// up to float rounding: the reference's float32 running sums and our float64
// weighted sums may disagree on a coefficient that sits on the median.
//
// Steps, as in the reference:
//   luma = 0.299 R + 0.587 G + 0.114 B (float32) at full resolution;
//   Jarosz tent filter = box filter along rows, then columns, done twice,
//     window = ceil(size / 128) per direction;
//   decimate to 64x64 at pixel centres floor((i + 0.5) * size / 64);
//   quality = sum of |64x64 gradients| (quantised), / 90, capped at 100;
//   DCT: T = D A, B = T D' with D the 16x64 DCT-II rows 1..16 (no DC);
//   bit i*16+j = B[i][j] > median (the 128th smallest of the 256);
//   hex = 16-bit words 15..0, four hex digits each.
//
// Speed: the box passes are linear and act on different axes, so
// rows-cols-rows-cols equals (rows twice) then (cols twice), and only 64x64
// outputs are kept. We therefore precompute, per kept output, the composite
// weights of the two 1-D box passes (edges included) and evaluate just those
// sums: one pass over the pixels instead of four full-size filter passes.

const MIN_HASHABLE_DIM = 5; // reference: smaller images hash to all zeros
const N = 64;

// 16x64 DCT-II matrix, rows 1..16, scale sqrt(2/64); float32 like the reference.
const DCT = (() => {
  const m = new Float32Array(16 * N);
  const scale = Math.fround(Math.sqrt(2 / N));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < N; j++) {
      m[i * N + j] = scale * Math.cos((Math.PI / 2 / N) * (i + 1) * (2 * j + 1));
    }
  }
  return m;
})();

// For a vector of length n: which input indices (start, weights) make up each
// of the 64 decimated outputs after two passes of the reference's 1-D box
// filter. The reference's box output o averages in[o-lo .. o+hi] clipped to
// the vector (the divisor shrinks at the edges), lo = w - half, hi = half - 1.
function tentTaps(n) {
  const w = Math.floor((n + 2 * N - 1) / (2 * N)); // ceil(n / 128)
  const half = Math.floor((w + 2) / 2);
  const lo = w - half;
  const hi = half - 1;
  const first = (o) => Math.max(0, o - lo);
  const last = (o) => Math.min(n - 1, o + hi);
  const taps = [];
  for (let s = 0; s < N; s++) {
    const o = Math.floor(((s + 0.5) * n) / N);
    const start = first(first(o));
    const weights = new Float64Array(last(last(o)) - start + 1);
    const a = first(o);
    const b = last(o);
    for (let m = a; m <= b; m++) {
      const mw = 1 / (b - a + 1) / (last(m) - first(m) + 1);
      for (let k = first(m); k <= last(m); k++) weights[k - start] += mw;
    }
    taps.push({ start, weights });
  }
  return taps;
}

// Reused between calls: one row of luma and the 64-column partial sums.
let lumaRow = new Float32Array(0);
let colSums = new Float64Array(0);
const grid = new Float32Array(N * N);
const t16x64 = new Float32Array(16 * N);
const b16x16 = new Float32Array(256);

function filterAndDecimate(rgba, width, height) {
  const cols = tentTaps(width);
  const rows = tentTaps(height);
  if (lumaRow.length < width) lumaRow = new Float32Array(width);
  if (colSums.length < height * N) colSums = new Float64Array(height * N);
  const needed = new Uint8Array(height); // rows that any kept output reads
  for (const { start, weights } of rows) needed.fill(1, start, start + weights.length);

  for (let y = 0; y < height; y++) {
    if (!needed[y]) continue;
    // Float32Array store rounds luma to float32, as the reference's buffer.
    for (let x = 0, p = y * width * 4; x < width; x++, p += 4) {
      lumaRow[x] = 0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2];
    }
    const out = y * N;
    for (let c = 0; c < N; c++) {
      const { start, weights } = cols[c];
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k] * lumaRow[start + k];
      colSums[out + c] = acc;
    }
  }
  for (let r = 0; r < N; r++) {
    const { start, weights } = rows[r];
    for (let c = 0; c < N; c++) {
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k] * colSums[(start + k) * N + c];
      grid[r * N + c] = acc;
    }
  }
}

// Reference quality: quantised vertical + horizontal gradients, float32 maths.
function quality64() {
  const f = Math.fround;
  let sum = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const u = grid[i * N + j];
      if (i < N - 1) sum += Math.abs(Math.trunc(f(f(f(u - grid[(i + 1) * N + j]) * 100) / 255)));
      if (j < N - 1) sum += Math.abs(Math.trunc(f(f(f(u - grid[i * N + j + 1]) * 100) / 255)));
    }
  }
  return Math.min(100, Math.floor(sum / 90));
}

function dct16() {
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let k = 0; k < N; k++) acc += DCT[i * N + k] * grid[k * N + j];
      t16x64[i * N + j] = acc;
    }
  }
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let acc = 0;
      for (let k = 0; k < N; k++) acc += t16x64[i * N + k] * DCT[j * N + k];
      b16x16[i * 16 + j] = acc;
    }
  }
}

function bitsToHex() {
  const median = Float32Array.from(b16x16).sort()[127]; // Torben's lower median
  let hex = "";
  for (let i = 15; i >= 0; i--) {
    let word = 0;
    for (let j = 0; j < 16; j++) if (b16x16[i * 16 + j] > median) word |= 1 << j;
    hex += word.toString(16).padStart(4, "0");
  }
  return hex;
}

/**
 * PDQ hash of an RGBA pixel buffer (alpha ignored, as Pillow's convert('RGB')).
 * @param {Uint8ClampedArray|Uint8Array} rgba width*height*4 bytes, row-major
 * @returns {{hash: string, quality: number}} 64 hex chars, quality 0..100
 */
export function pdqFromRGBA(rgba, width, height) {
  if (width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM) {
    return { hash: "0".repeat(64), quality: 0 };
  }
  filterAndDecimate(rgba, width, height);
  const quality = quality64();
  dct16();
  return { hash: bitsToHex(), quality };
}

// ---------------------------------------------------------------------------
// Decoding. The reference hashes the stored pixels: Pillow ignores EXIF
// orientation and ICC profiles. Chromium's createImageBitmap applies EXIF
// orientation whatever `imageOrientation` says ('none' and 'from-image' both
// rotate, checked in Chromium 156), so we set the orientation tag to 1 in a
// copy of the file's first bytes before decoding.

const HEAD_BYTES = 256 * 1024;

// Offset of the TIFF header holding the EXIF data, or -1. JPEG: APP1
// "Exif\0\0"; PNG: eXIf chunk; WebP: EXIF chunk.
function findTiff(b) {
  const u16 = (i) => (b[i] << 8) | b[i + 1];
  const u32 = (i) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
  const isExif = (i) => u32(i) === 0x45786966 && u16(i + 4) === 0; // "Exif\0\0"
  if (u16(0) === 0xffd8) {
    for (let i = 2; i + 4 < b.length && b[i] === 0xff; ) {
      const marker = b[i + 1];
      if (marker === 0xda || marker === 0xd9) break; // image data starts
      if (marker === 0xe1 && isExif(i + 4)) return i + 10;
      i += 2 + u16(i + 2);
    }
  } else if (u32(0) === 0x89504e47) {
    for (let i = 8; i + 8 < b.length; ) {
      const len = u32(i);
      if (u32(i + 4) === 0x65584966) return i + 8; // "eXIf"
      if (u32(i + 4) === 0x49444154) break; // "IDAT": eXIf must come before
      i += 12 + len;
    }
  } else if (u32(0) === 0x52494646 && u32(8) === 0x57454250) {
    for (let i = 12; i + 8 < b.length; ) {
      const len = b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24);
      if (u32(i) === 0x45584946) return isExif(i + 8) ? i + 14 : i + 8; // "EXIF"
      i += 8 + len + (len & 1);
    }
  }
  return -1;
}

// Sets EXIF orientation (tag 0x0112 in IFD0) to 1 in place; true if changed.
function clearOrientation(b) {
  const t = findTiff(b);
  if (t < 0 || t + 8 > b.length) return false;
  const le = b[t] === 0x49; // "II" little-endian, "MM" big-endian
  const u16 = (i) => (le ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1]);
  const u32 = (i) => (le ? u16(i) | (u16(i + 2) << 16) : (u16(i) << 16) | u16(i + 2)) >>> 0;
  const ifd = t + u32(t + 4);
  if (ifd + 2 > b.length) return false;
  for (let n = u16(ifd), e = ifd + 2; n > 0 && e + 12 <= b.length; n--, e += 12) {
    if (u16(e) === 0x0112 && u16(e + 8) !== 1) {
      b[e + 8] = le ? 1 : 0;
      b[e + 9] = le ? 0 : 1;
      return true;
    }
  }
  return false;
}

/**
 * Decodes an image file to RGBA at full resolution, pixels as stored (EXIF
 * orientation and colour profile ignored, like the reference with Pillow).
 * Transparent pixels come back black: browsers keep premultiplied pixels.
 * @param {Blob} blob
 * @returns {Promise<{data: Uint8ClampedArray, width: number, height: number}>}
 */
export async function rgbaFromBlob(blob) {
  const head = new Uint8Array(await blob.slice(0, HEAD_BYTES).arrayBuffer());
  const source = clearOrientation(head) ? new Blob([head, blob.slice(HEAD_BYTES)]) : blob;
  const bitmap = await createImageBitmap(source, {
    imageOrientation: "from-image",
    premultiplyAlpha: "none",
    colorSpaceConversion: "none",
  });
  try {
    const { width, height } = bitmap;
    const ctx = new OffscreenCanvas(width, height).getContext("2d", { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    return { data: ctx.getImageData(0, 0, width, height).data, width, height };
  } finally {
    bitmap.close();
  }
}
