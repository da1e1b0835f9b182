// Bundles every top-level file in app/static/src/ (the page entry points and
// web workers) into app/static/build/. Modules in sub-folders are imported by
// those entries. Output is not committed; `make build` runs this.
import { build } from "esbuild";
import { readdirSync } from "node:fs";

const src = "app/static/src";
const entries = readdirSync(src)
  .filter((name) => name.endsWith(".js"))
  .map((name) => `${src}/${name}`);

await build({
  entryPoints: entries,
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: true,
  sourcemap: false,
  outdir: "app/static/build",
  logLevel: "warning",
});
