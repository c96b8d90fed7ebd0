/** Local exports: a path may name one file or a folder of them (read recursively, in name order). */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

export async function listFiles(target: string, extension: string): Promise<string[]> {
	const info = await stat(target);
	if (info.isFile()) return [path.resolve(target)];
	const entries = await readdir(target, { recursive: true, withFileTypes: true });
	return entries
		.filter((e) => e.isFile() && e.name.toLowerCase().endsWith(extension))
		.map((e) => path.resolve(e.parentPath, e.name))
		// Name order makes a re-run over the same folder yield documents in the same order.
		.sort();
}

/** file: URL of a local document, with a fragment locating the item inside the file. */
export function fileUrl(file: string, fragment?: string): string {
	const url = pathToFileURL(file).href;
	return fragment === undefined ? url : `${url}#${fragment}`;
}
