// Puts values into a translated sentence: "{done} of {total}" → "2 of 3".
// The words come from the page (data attributes), so they are translated there.
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}
