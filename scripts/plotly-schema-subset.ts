/**
 * Writes services/viz/figures/plot-schema-subset.json: the part of plotly.js's own schema
 * (`dist/plot-schema.json` of the plotly.js package) that the viz service's figures use, for the
 * test that checks every figure against it (docs/decisions/0026-viz-figures.md says why a subset
 * is kept instead of the package: plotly.js is a 22 MB tarball with 42 dependencies).
 *
 *   npm pack plotly.js@4.1.1 && tar xzf plotly.js-4.1.1.tgz package/dist/plot-schema.json package/package.json
 *   node scripts/plotly-schema-subset.ts package
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const TRACES = ["bar", "scatter"];
const LAYOUT_KEYS = ["title", "xaxis", "yaxis", "legend", "margin", "showlegend", "hovermode", "font", "separators"];

type Json = Record<string, unknown>;

const packageDir = process.argv[2];
if (!packageDir) {
	process.stderr.write("usage: node scripts/plotly-schema-subset.ts <extracted plotly.js package folder>\n");
	process.exit(2);
}
const schema = JSON.parse(fs.readFileSync(path.join(packageDir, "dist/plot-schema.json"), "utf8")) as { traces: Record<string, Json>; layout: { layoutAttributes: Json } };
const version = (JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string }).version;

const traces: Record<string, Json> = {};
for (const name of TRACES) {
	const trace = schema.traces[name];
	if (!trace) throw new Error(`plot-schema.json has no trace type ${name}`);
	traces[name] = { attributes: trace.attributes, layoutAttributes: trace.layoutAttributes ?? {} };
}
const layout: Json = {};
for (const key of LAYOUT_KEYS) layout[key] = schema.layout.layoutAttributes[key];

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "../services/viz/figures/plot-schema-subset.json");
fs.writeFileSync(out, `${JSON.stringify({ plotlyVersion: version, traces, layout: { layoutAttributes: layout } })}\n`);
process.stdout.write(`wrote ${out} (plotly.js ${version}, ${fs.statSync(out).size} bytes)\n`);
