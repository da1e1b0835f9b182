// The page's side of the hash worker: one <li> per file with a labelled
// <progress>, filled in as the worker answers. File bytes go only to the
// worker (same page); names stay in the page. Each finished result carries
// data-file, data-md5, data-sha256 (and data-pdq, data-pdq-quality for
// images), which is all the "send" step reads.
import { fill } from "../lib/fill.js";
const LOW_QUALITY = 50; // PDQ below this may not match copies (ThreatExchange advice)

export function startFingerprinting({ section, input, list, summary, template, onResult }) {
  const words = section.dataset;
  let worker;
  try {
    worker = new Worker(words.worker, { type: "module" });
  } catch {
    summary.textContent = words.noWorker;
    input.disabled = true;
    return;
  }
  const jobs = new Map(); // id -> {item, progress, status}
  let nextId = 1;
  let finished = 0;

  const showSummary = () => {
    summary.textContent =
      finished === jobs.size ? words.allDone : fill(words.summary, { done: finished, total: jobs.size });
  };

  const finish = (job) => {
    finished += 1;
    job.item.setAttribute("aria-busy", "false");
    showSummary();
  };

  worker.onmessage = ({ data }) => {
    const job = jobs.get(data.id);
    if (!job) return;
    if (data.type === "progress") {
      job.progress.max = data.total;
      job.progress.value = data.done;
      return;
    }
    if (data.type === "error") {
      fail(job);
      return;
    }
    job.progress.max = 1;
    job.progress.value = 1;
    const { item } = job;
    item.dataset.kind = data.kind;
    item.dataset.md5 = data.md5;
    item.dataset.sha256 = data.sha256;
    item.querySelector(".code-md5").textContent = data.md5;
    item.querySelector(".code-sha256").textContent = data.sha256;
    if (data.pdq) {
      item.dataset.pdq = data.pdq;
      item.dataset.pdqQuality = String(data.pdqQuality);
      item.querySelector(".code-pdq").textContent = data.pdq;
      item.querySelector(".code-quality").textContent = String(data.pdqQuality);
    } else {
      for (const el of item.querySelectorAll(".pdq")) el.remove();
    }
    item.querySelector(".codes").hidden = false;
    if (data.kind === "other") {
      item.classList.add("warn");
      job.status.textContent = words.notMedia;
    } else if (data.pdq && data.pdqQuality < LOW_QUALITY) {
      item.classList.add("warn", "low-quality");
      job.status.textContent = words.lowQuality;
    } else {
      item.classList.add("done");
      job.status.textContent = words.done;
    }
    item.classList.add("finished");
    finish(job);
    onResult(item);
  };

  function fail(job) {
    job.progress.max = 1;
    job.progress.value = 1;
    job.item.classList.add("failed");
    job.status.textContent = words.failed;
    finish(job);
  }

  // The worker itself failed: nothing still in progress will ever finish, so
  // say so for each file rather than leave it "working" for ever.
  let broken = false;
  worker.onerror = (event) => {
    event.preventDefault();
    broken = true;
    for (const job of jobs.values()) {
      if (job.item.getAttribute("aria-busy") === "true") fail(job);
    }
    summary.textContent = words.noWorker;
  };

  input.addEventListener("change", () => {
    for (const file of Array.from(input.files || [])) {
      const id = nextId++;
      const item = template.content.firstElementChild.cloneNode(true);
      const progress = item.querySelector("progress");
      progress.id = `progress-${id}`;
      item.querySelector(".progress-label").htmlFor = progress.id;
      item.querySelector(".file-name").textContent = file.name;
      item.dataset.file = file.name;
      item.setAttribute("aria-busy", "true");
      const status = item.querySelector(".file-status");
      status.textContent = words.working;
      list.append(item);
      const job = { item, progress, status };
      jobs.set(id, job);
      if (broken) fail(job);
      else worker.postMessage({ id, file });
    }
    showSummary();
    if (broken) summary.textContent = words.noWorker;
    input.value = ""; // the same file can be chosen again; the File objects are not kept here
  });
}

// The hashes of finished, not yet sent results, as the API wants them.
export function hashesOf(items) {
  const hashes = [];
  for (const item of items) {
    const kind = item.dataset.kind;
    if (kind !== "image" && kind !== "video") continue;
    const prefix = kind === "image" ? "Image" : "Video";
    hashes.push({ signal_type: `${prefix}MD5`, value: item.dataset.md5 });
    hashes.push({ signal_type: `${prefix}SHA256`, value: item.dataset.sha256 });
    if (kind === "image" && item.dataset.pdq) {
      hashes.push({ signal_type: "ImagePDQ", value: item.dataset.pdq, quality: Number(item.dataset.pdqQuality) });
    }
  }
  return hashes;
}
