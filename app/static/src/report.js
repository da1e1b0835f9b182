// /fingerprints: fingerprint files in a Web Worker (nothing is uploaded),
// then, only if the young person chooses, send the codes.
import { installQuickExit } from "./lib/quick-exit.js";
import { setUpManaging, setUpSending } from "./report/cases.js";
import { hashesOf, startFingerprinting } from "./report/fingerprints.js";

installQuickExit();

const $ = (id) => document.getElementById(id);
const hasher = $("hasher");
const submit = $("submit");
const manage = $("manage");
const submitForm = $("submit-form");

hasher.hidden = false; // these parts need JavaScript; without it the page says so
manage.hidden = false;

const unsent = () => Array.from(document.querySelectorAll("#result-list .result.finished:not([data-sent])"));

startFingerprinting({
  section: hasher,
  input: $("files"),
  list: $("result-list"),
  summary: $("summary"),
  template: $("result-template"),
  onResult: () => {
    if (!hashesOf(unsent()).length) return;
    submit.hidden = false;
    submitForm.hidden = false; // new codes after a sent report: they can send those too
  },
});

setUpSending({
  section: submit,
  form: submitForm,
  caseBox: $("case"),
  caseRefs: $("case-refs"),
  problem: $("submit-problem"),
  pending: () => {
    const items = unsent();
    return { items, hashes: hashesOf(items) };
  },
  markSent: (items) => {
    for (const item of items) item.dataset.sent = "true";
  },
});

setUpManaging({
  section: manage,
  form: $("manage-form"),
  problem: $("manage-problem"),
  result: $("manage-result"),
  confirmBox: $("withdraw-confirm"),
  cancel: $("withdraw-cancel"),
});
