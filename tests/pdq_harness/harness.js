// Drives the bundled hash worker (served at ?worker=..., default
// /build/hash-worker.js) and pdq.js for tests/test_pdq_browser.py and
// bench/bench_pdq.py. Functions return promises so Playwright can await them.
import { pdqFromRGBA, rgbaFromBlob } from "/app/static/src/report/pdq.js";

const workerUrl = new URLSearchParams(location.search).get("worker") || "/build/hash-worker.js";
const worker = new Worker(workerUrl, { type: "module" });
const pending = new Map(); // id -> {resolve, progress: []}
let nextId = 1;

worker.onmessage = ({ data }) => {
  const job = pending.get(data.id);
  if (data.type === "progress") {
    job.progress.push([data.done, data.total]);
    return;
  }
  pending.delete(data.id);
  job.resolve({ ...data, progress: job.progress });
};

function fingerprint(file) {
  return new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, { resolve, progress: [] });
    worker.postMessage({ id, file });
  });
}

const files = () => Array.from(document.getElementById("files").files);

// Every file in the input through the worker; all posted at once, so the
// worker's queue and id matching are exercised too.
window.hashAll = () =>
  Promise.all(files().map(async (f) => ({ name: f.name, size: f.size, ...(await fingerprint(f)) })));

// Timing of one file through the worker (bytes hashed per second).
window.timeWorker = async () => {
  const t0 = performance.now();
  const result = await fingerprint(files()[0]);
  return { ms: performance.now() - t0, result };
};

// PDQ timings on the first file: decode+hash, and hash only from RGBA.
window.benchPdq = async (runs) => {
  const file = files()[0];
  const decodeAndHash = [];
  let img;
  let out;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    img = await rgbaFromBlob(file);
    out = pdqFromRGBA(img.data, img.width, img.height);
    decodeAndHash.push(performance.now() - t0);
  }
  const hashOnly = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = pdqFromRGBA(img.data, img.width, img.height);
    hashOnly.push(performance.now() - t0);
  }
  return { ...out, width: img.width, height: img.height, decodeAndHash, hashOnly };
};

window.harnessReady = true;
