// Sending fingerprints (only when the young person chooses), and checking or
// taking back a report with its case reference and PIN. Only JSON is sent:
// the codes, an optional age range and the PIN, never a file or a file name.
import { britishDay } from "../lib/dates.js";
import { fill } from "../lib/fill.js";

async function postJSON(url, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  let data = null;
  try {
    data = await res.json();
  } catch {
    // not JSON: treated as a failure below
  }
  return { ok: res.ok, data };
}

function showProblem(el, message) {
  el.textContent = message;
  el.hidden = !message;
}

// Copies a case reference: the clipboard where the browser allows it, else
// the reference is selected so the person can copy it themselves.
async function copy(ref, status, words) {
  try {
    await navigator.clipboard.writeText(ref.textContent);
    status.textContent = words.copied;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(ref);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
  }
}

function caseReference(value, words) {
  const row = document.createElement("div");
  row.className = "case-row";
  const ref = document.createElement("p");
  ref.className = "case-ref";
  ref.textContent = value;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "copy";
  button.textContent = words.copy;
  button.setAttribute("aria-label", `${words.copyLabel} ${value}`);
  const status = document.createElement("span");
  status.className = "copy-status";
  status.setAttribute("role", "status");
  button.addEventListener("click", () => copy(ref, status, words));
  row.append(ref, button, status);
  return row;
}

export function setUpSending({ section, form, caseBox, caseRefs, problem, pending, markSent }) {
  const words = section.dataset;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { items, hashes } = pending();
    if (!hashes.length) return showProblem(problem, words.nothing);
    if (hashes.length > Number(form.dataset.max || 100)) return showProblem(problem, words.tooMany);
    const body = { hashes, pin: form.elements.pin.value.trim() };
    const age = form.querySelector('input[name="age_range"]:checked');
    if (age && age.value) body.age_range = age.value;
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const { ok, data } = await postJSON("/api/v1/hash-reports", body);
      if (!ok) {
        showProblem(problem, (data && data.error && data.error.message) || words.offline);
        return;
      }
      showProblem(problem, "");
      markSent(items);
      form.elements.pin.value = "";
      caseRefs.append(caseReference(data.case_reference, caseBox.dataset)); // one per report sent
      caseBox.hidden = false;
      form.hidden = true;
      caseBox.tabIndex = -1;
      caseBox.focus();
    } catch {
      showProblem(problem, words.offline);
    } finally {
      button.disabled = false;
    }
  });
}

export function setUpManaging({ section, form, problem, result, confirmBox, cancel }) {
  const words = section.dataset;
  const offline = document.getElementById("submit").dataset.offline;
  const describe = (c) =>
    c.status === "Withdrawn"
      ? fill(words.withdrawn, { date: britishDay(c.last_modified) })
      : fill(c.status === "Pending" ? words.pending : words.active, { count: c.hash_count, date: britishDay(c.last_modified) });

  cancel.addEventListener("click", () => {
    confirmBox.hidden = true;
    form.querySelector("#withdraw-ask").focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = event.submitter ? event.submitter.value : "status";
    if (action === "withdraw-ask") {
      confirmBox.hidden = false;
      confirmBox.querySelector("button").focus();
      return;
    }
    const body = {
      case_reference: form.elements.case_reference.value.trim(),
      pin: form.elements.pin.value.trim(),
    };
    const url = action === "withdraw" ? "/api/v1/hash-reports/withdraw" : "/api/v1/hash-reports/status";
    result.textContent = "";
    try {
      const { ok, data } = await postJSON(url, body);
      if (!ok) {
        showProblem(problem, (data && data.error && data.error.message) || offline);
        return;
      }
      showProblem(problem, "");
      confirmBox.hidden = true;
      result.textContent = describe(data);
    } catch {
      showProblem(problem, offline);
    }
  });
}
