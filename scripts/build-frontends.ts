/**
 * `npm run build`: builds every single-page app under frontend/ (each folder with a
 * vite.config.ts) into its dist/, then fails when the JavaScript a first visit loads is over the
 * budget of issue 17 (200 KB gzipped). `--if-missing` builds only apps that have no dist yet:
 * `npm start` runs it first, so a fresh checkout serves its app without a separate step.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FRONTEND = path.join(ROOT, "frontend");
export const FIRST_LOAD_BUDGET_BYTES = 200 * 1024;

interface ManifestChunk {
	file: string;
	isEntry?: boolean;
	imports?: string[];
}

export function appsIn(folder = FRONTEND): string[] {
	return readdirSync(folder, { withFileTypes: true })
		.filter((entry) => entry.isDirectory() && existsSync(path.join(folder, entry.name, "vite.config.ts")))
		.map((entry) => path.join(folder, entry.name));
}

/** Gzipped bytes of the entry chunks and everything they import statically (what loads before the app runs). */
export function firstLoadBytes(appDir: string): { bytes: number; files: string[] } {
	const dist = path.join(appDir, "dist");
	const manifest = JSON.parse(readFileSync(path.join(dist, ".vite/manifest.json"), "utf8")) as Record<string, ManifestChunk>;
	const seen = new Set<string>();
	const visit = (key: string): void => {
		if (seen.has(key)) return;
		seen.add(key);
		for (const next of manifest[key]?.imports ?? []) visit(next);
	};
	for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
	const files = [...seen].map((key) => manifest[key]?.file).filter((file): file is string => file !== undefined && file.endsWith(".js"));
	const bytes = files.reduce((sum, file) => sum + gzipSync(readFileSync(path.join(dist, file))).length, 0);
	return { bytes, files };
}

async function main(): Promise<void> {
	const onlyMissing = process.argv.includes("--if-missing");
	for (const appDir of appsIn()) {
		const name = path.relative(ROOT, appDir);
		if (onlyMissing && existsSync(path.join(appDir, "dist/index.html"))) continue;
		process.stdout.write(`Building ${name}\n`);
		await build({ configFile: path.join(appDir, "vite.config.ts"), logLevel: onlyMissing ? "warn" : "info" });
		const { bytes } = firstLoadBytes(appDir);
		const kb = (bytes / 1024).toFixed(1);
		if (bytes > FIRST_LOAD_BUDGET_BYTES) {
			process.stderr.write(`${name}: the first load is ${kb} KB of gzipped JavaScript, over the budget of ${FIRST_LOAD_BUDGET_BYTES / 1024} KB\n`);
			process.exit(1);
		}
		process.stdout.write(`${name}: first load ${kb} KB of gzipped JavaScript (budget ${FIRST_LOAD_BUDGET_BYTES / 1024} KB)\n`);
	}
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
