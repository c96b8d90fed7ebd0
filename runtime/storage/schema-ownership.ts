/**
 * The schema rule of docs/decisions/0002-storage.md made checkable: a service writes only its own
 * schema. Scans a service's sources and migrations for statements that change another owner's
 * tables (`INSERT INTO etl.bills` in services/web/...). Reads are allowed and not reported.
 * A static check, not a runtime guard: SQL built from pieces at run time escapes it.
 */
import fs from "node:fs";
import path from "node:path";

export interface OwnershipViolation {
	file: string;
	line: number;
	statement: string;
	schema: string;
}

const WRITE = /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|COPY|ALTER\s+TABLE|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|CREATE\s+(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?(?:\s+IF\s+NOT\s+EXISTS)?\s+\S+\s+ON)\s+"?([a-z_][a-z0-9_]*)"?\s*\.\s*"?[a-z_][a-z0-9_]*/gi;

function sourceFiles(dir: string): string[] {
	if (!fs.existsSync(dir)) return [];
	return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
		.filter((e) => e.isFile() && /\.(ts|sql)$/.test(e.name) && !/\.test\.ts$/.test(e.name))
		.map((e) => path.join(e.parentPath, e.name));
}

/** Writes found in `dir` (a service's folder) to any schema of `owners` other than `self`. */
export function findForeignWrites(dir: string, self: string, owners: readonly string[]): OwnershipViolation[] {
	const foreign = new Set(owners.filter((o) => o !== self));
	const found: OwnershipViolation[] = [];
	for (const file of sourceFiles(dir)) {
		const text = fs.readFileSync(file, "utf8");
		for (const match of text.matchAll(WRITE)) {
			const schema = match[2]?.toLowerCase() ?? "";
			if (!foreign.has(schema)) continue;
			found.push({ file, line: text.slice(0, match.index).split("\n").length, statement: match[0], schema });
		}
	}
	return found;
}
