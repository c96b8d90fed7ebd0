/** Every service writes only its own schema (docs/decisions/0002-storage.md); reading others' is fine. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SERVICE_NAMES } from "../../platform/service-catalog.ts";
import { DOCUMENTS_OWNER, PROJECT_ROOT } from "./migration-sets.ts";
import { findForeignWrites } from "./schema-ownership.ts";

const OWNERS = [...SERVICE_NAMES, DOCUMENTS_OWNER];

describe("schema ownership", () => {
	it("finds writes to another service's schema and ignores reads and own writes", () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "op-ownership-"));
		try {
			fs.writeFileSync(
				path.join(dir, "queries.ts"),
				[
					'const a = "SELECT * FROM etl.bills JOIN etl.votes USING (bill_id)";',
					'const b = "INSERT INTO web.follows (user_id, bill_id) VALUES ($1, $2)";',
					'const c = `UPDATE "etl"."bills" SET title = $1`;',
					'const d = "delete from etl.votes where id = $1";'
				].join("\n")
			);
			const found = findForeignWrites(dir, "web", OWNERS);
			expect(found.map((v) => [v.line, v.schema, v.statement])).toEqual([
				[3, "etl", 'UPDATE "etl"."bills'],
				[4, "etl", "delete from etl.votes"]
			]);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});

	it.each(SERVICE_NAMES.filter((n) => n !== "gateway"))("services/%s writes no other service's tables", (name) => {
		expect(findForeignWrites(path.join(PROJECT_ROOT, "services", name), name, OWNERS)).toEqual([]);
	});

	it("gateway writes no other service's tables", () => {
		expect(findForeignWrites(path.join(PROJECT_ROOT, "gateway"), "gateway", OWNERS)).toEqual([]);
	});
});
