// Web Worker: fingerprints files on the device. Nothing here touches the
// network; the page gets hashes back and the file bytes stay in the browser.
//
// In:  {id, file}                      file: a File or Blob
// Out: {id, type: "progress", done, total}             bytes hashed so far
//      {id, type: "result", md5, sha256, pdq, pdqQuality, kind}
//          kind "image" | "video" | "other"; pdq (64 hex) and pdqQuality
//          (0..100) are null unless the browser could decode the image
//      {id, type: "error", message}
// Files are handled one at a time, in the order they arrive.
//
// Speed: hash-wasm's SHA-256 (~270 MB/s) is about half MD5's speed, and one
// after the other they stay under 200 MB/s. So this same script also runs as
// a helper worker (self.name === HELPER) that does SHA-256 while this one
// reads and does MD5: chunks are transferred, not copied, one at a time.
import { createMD5, createSHA256 } from "hash-wasm";
import { pdqFromRGBA, rgbaFromBlob } from "./report/pdq.js";

const HELPER = "sha256-helper";
// Big enough to keep the wasm hashers busy, small enough that a 2 GB video
// is hashed in bounded memory (at most three chunks alive).
const CHUNK = 8 * 1024 * 1024;

// --- helper role: SHA-256 of the chunks it is sent ---------------------------
function runHelper() {
  const ready = createSHA256();
  self.onmessage = async ({ data }) => {
    const sha256 = await ready;
    if (data.bytes) {
      sha256.update(new Uint8Array(data.bytes));
      self.postMessage({});
    } else {
      self.postMessage({ hex: sha256.digest("hex") });
      sha256.init();
    }
  };
}

// Main role's handle on the helper: update(buffer) and digest() return
// promises answered in order. Null where workers cannot start workers.
function startHelper() {
  let worker;
  try {
    worker = new Worker(self.location.href, { type: "module", name: HELPER });
  } catch {
    return null;
  }
  const waiting = [];
  let failed = null;
  worker.onmessage = ({ data }) => waiting.shift().resolve(data);
  worker.onerror = (event) => {
    event.preventDefault();
    failed = new Error("SHA-256 helper worker failed");
    for (const w of waiting.splice(0)) w.reject(failed);
  };
  const call = (message, transfer) =>
    new Promise((resolve, reject) => {
      if (failed) return reject(failed);
      waiting.push({ resolve, reject });
      worker.postMessage(message, transfer);
    });
  return {
    update: (buffer) => call({ bytes: buffer }, [buffer]),
    digest: async () => (await call({ digest: true }, [])).hex,
  };
}

// --- main role ---------------------------------------------------------------
async function localSha256() {
  const sha256 = await createSHA256();
  return {
    update: async (buffer) => sha256.update(new Uint8Array(buffer)),
    digest: async () => sha256.digest("hex"),
  };
}

async function hashBytes(id, file, helper) {
  const md5 = await createMD5();
  const sha256 = helper || (await localSha256());
  const total = file.size;
  const read = (at) => file.slice(at, Math.min(at + CHUNK, total)).arrayBuffer();
  let next = total > 0 ? read(0) : null; // read ahead while hashing
  let shaDone = Promise.resolve(); // the helper's previous chunk
  for (let at = 0; at < total; at += CHUNK) {
    const buffer = await next;
    next = at + CHUNK < total ? read(at + CHUNK) : null;
    md5.update(new Uint8Array(buffer));
    await shaDone; // one chunk in the helper at a time: bounded memory
    shaDone = sha256.update(buffer); // transfers buffer: no use after this
    self.postMessage({ id, type: "progress", done: Math.min(at + CHUNK, total), total });
  }
  await shaDone;
  return { md5: md5.digest("hex"), sha256: await sha256.digest() };
}

async function pdqOf(file) {
  try {
    const { data, width, height } = await rgbaFromBlob(file);
    const { hash, quality } = pdqFromRGBA(data, width, height);
    return { pdq: hash, pdqQuality: quality };
  } catch {
    return null; // not an image this browser can decode
  }
}

async function fingerprint({ id, file }, helper) {
  try {
    const { md5, sha256 } = await hashBytes(id, file, helper);
    const type = file.type || "";
    // Untyped files may still be images; videos and other types are not tried.
    const image = type.startsWith("image/") || type === "" ? await pdqOf(file) : null;
    const kind = image || type.startsWith("image/") ? "image" : type.startsWith("video/") ? "video" : "other";
    self.postMessage({
      id,
      type: "result",
      md5,
      sha256,
      pdq: image ? image.pdq : null,
      pdqQuality: image ? image.pdqQuality : null,
      kind,
    });
  } catch (err) {
    self.postMessage({ id, type: "error", message: String((err && err.message) || err) });
  }
}

function runMain() {
  const helper = startHelper(); // at start-up, so no request happens mid-hash
  let queue = Promise.resolve();
  self.onmessage = (event) => {
    queue = queue.then(() => fingerprint(event.data, helper));
  };
}

if (self.name === HELPER) runHelper();
else runMain();
