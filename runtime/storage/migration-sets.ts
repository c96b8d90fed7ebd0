/**
 * Where each owner's migrations live: `services/<name>/migrations/` beside the service's code,
 * `gateway/migrations/` for the gateway, and the document store's own folder here.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MigrationSet } from "./migrations.ts";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Owner of the document store's tables when it runs on PostgreSQL jsonb. */
export const DOCUMENTS_OWNER = "documents";

export function migrationSetOf(owner: string): MigrationSet {
	if (owner === DOCUMENTS_OWNER) return { owner, dir: path.join(PROJECT_ROOT, "runtime/storage/migrations") };
	if (owner === "gateway") return { owner, dir: path.join(PROJECT_ROOT, "gateway/migrations") };
	return { owner, dir: path.join(PROJECT_ROOT, "services", owner, "migrations") };
}

/**
 * Every set in the project with at least one migration file (for `npm run migrate`). `etl` comes
 * right after the document store because it owns the domain tables other services' migrations may
 * refer to (views, foreign keys); the rest follow alphabetically.
 */
export function allMigrationSets(): MigrationSet[] {
	const owners = [DOCUMENTS_OWNER, "etl", "gateway"];
	const servicesDir = path.join(PROJECT_ROOT, "services");
	if (fs.existsSync(servicesDir)) {
		for (const entry of fs.readdirSync(servicesDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
			if (entry.isDirectory() && !owners.includes(entry.name)) owners.push(entry.name);
		}
	}
	return owners.map(migrationSetOf).filter((set) => fs.existsSync(set.dir) && fs.readdirSync(set.dir).some((f) => f.endsWith(".sql")));
}
