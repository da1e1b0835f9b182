// The family agreement page (/parents/agreement). Without JavaScript the form
// is sent with GET to the same page. With JavaScript nothing is sent at all:
// the parent ticks and edits rules, and the agreement is built here, live.
// Every word shown comes from the page (translated by the server), never from
// this file.
import { installQuickExit } from "./lib/quick-exit.js";

installQuickExit();

const $ = (id) => document.getElementById(id);

function ruleText(row) {
  const label = row.querySelector("label");
  const edit = row.querySelector(".rule-edit");
  return (edit && edit.value.trim()) || label.textContent.trim();
}

function chosenGroups(form) {
  const groups = [];
  for (const set of form.querySelectorAll("fieldset.rule-group")) {
    const title = set.querySelector("legend").textContent.trim();
    let texts;
    if (set.dataset.group === "own") {
      texts = [...set.querySelectorAll(".own-rule")].map((i) => i.value.trim());
    } else {
      texts = [...set.querySelectorAll(".rule")]
        .filter((row) => row.querySelector("input[type=checkbox]").checked)
        .map(ruleText);
    }
    texts = texts.filter(Boolean);
    if (texts.length) groups.push({ title, texts });
  }
  return groups;
}

function render(form) {
  const groups = chosenGroups(form);
  const parts = [];
  for (const g of groups) {
    const h = document.createElement("h3");
    h.textContent = g.title;
    const ul = document.createElement("ul");
    for (const text of g.texts) {
      const li = document.createElement("li");
      li.textContent = text; // typed words are text, never markup
      ul.append(li);
    }
    parts.push(h, ul);
  }
  $("agreement-rules").replaceChildren(...parts);
  $("agreement-empty").hidden = groups.length > 0;

  const names = $("family-names").value.trim();
  const line = $("agreement-names");
  line.textContent = names ? `${line.dataset.prefix} ${names}` : "";
  line.hidden = !names;
}

function addEditBox(form, box) {
  const row = box.closest(".rule");
  const label = row.querySelector("label");
  const edit = document.createElement("textarea");
  edit.rows = 2;
  edit.className = "rule-edit";
  edit.id = `edit-${box.value}`;
  edit.value = label.textContent.trim();
  edit.maxLength = Number(form.dataset.maxChars); // the server trims own rules to the same length
  edit.autocomplete = "off";
  edit.spellcheck = true;
  edit.setAttribute("aria-label", `${form.dataset.editLabel}: ${label.textContent.trim()}`);
  edit.hidden = !box.checked;
  row.append(edit);
  box.addEventListener("change", () => {
    edit.hidden = !box.checked;
    render(form);
  });
  edit.addEventListener("input", () => render(form));
}

function enhance(form) {
  document.documentElement.classList.add("js");
  // With JavaScript on, this form never leaves the page: no submit, and no
  // field names, so there is nothing that could be sent even by accident.
  form.addEventListener("submit", (event) => event.preventDefault());
  for (const el of form.querySelectorAll("[name]")) el.removeAttribute("name");
  $("make-agreement").hidden = true;
  document.querySelectorAll(".js-only").forEach((el) => {
    el.hidden = false;
  });
  document.querySelectorAll(".no-js-only").forEach((el) => {
    el.hidden = true;
  });
  const empty = $("agreement-empty");
  empty.textContent = empty.dataset.jsText;

  form.querySelectorAll("input[type=checkbox]").forEach((box) => addEditBox(form, box));
  form.querySelectorAll(".own-rule").forEach((i) => i.addEventListener("input", () => render(form)));
  $("family-names").addEventListener("input", () => render(form));
  $("print-agreement").addEventListener("click", () => window.print());
  render(form);
}

const form = $("rules-form");
if (form) enhance(form);
