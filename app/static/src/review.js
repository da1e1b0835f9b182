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
    // A wide diagram starts scrolled to its middle, where the start usually is.
    for (const box of document.querySelectorAll(".diagram")) {
      box.scrollLeft = (box.scrollWidth - box.clientWidth) / 2;
    }
    root.dataset.diagrams = "drawn";
  })
  .catch((err) => {
    root.dataset.diagrams = "failed";
    console.error("A diagram could not be drawn:", err);
  });
