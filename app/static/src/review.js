// /review: draws every flow's Mermaid source (<pre class="mermaid">) as an SVG,
// bundled from npm (nothing from a CDN). securityLevel "strict" keeps labels as
// text and adds no click handlers; the page's CSP allows no inline script or eval.
import mermaid from "mermaid";

mermaid.initialize({
  startOnLoad: false,
  securityLevel: "strict",
  theme: "neutral",
  // Drawn at full size (the box scrolls): scaled to fit, a wide flow is unreadable.
  state: { useMaxWidth: false },
});

const root = document.documentElement;
mermaid
  .run({ querySelector: "pre.mermaid" })
  .then(() => {
    // A diagram wider than its box starts scrolled to where the flow starts.
    for (const box of document.querySelectorAll(".diagram")) {
      const start = box.querySelector('g.node[id*="-state-root_start-"]');
      if (!start) continue;
      const at = start.getBoundingClientRect();
      const from = box.getBoundingClientRect();
      box.scrollLeft += at.left + at.width / 2 - (from.left + box.clientWidth / 2);
    }
    root.dataset.diagrams = "drawn";
  })
  .catch((err) => {
    root.dataset.diagrams = "failed";
    console.error("A diagram could not be drawn:", err);
  });
