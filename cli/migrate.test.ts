/** `npm run migrate -- status|up` as operators run it, on PostgreSQL and on a file-backed PGlite. */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createPostgresDatabase } from "../test/storage/test-databases.ts";

const run = promisify(execFile);
// The entrypoint operators run (bin/), which hands over to this folder's migrate.ts.
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "bin", "migrate.ts");

async function migrate(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
	try {
		const { stdout, stderr } = await run(process.execPath, [script, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
		return { code: 0, stdout, stderr };
	} catch (err) {
		const e = err as { code?: number; stdout?: string; stderr?: string };
		return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
	}
}

function lines(stdout: string, state: string): string[] {
	return stdout.split("\n").filter((l) => l.startsWith(`${state} `) || l.startsWith(`${state.padEnd(8)} `));
}

describe("npm run migrate (bin/migrate.ts)", () => {
	it("reports pending migrations, applies them once, then reports them applied (PostgreSQL)", async () => {
		const created = await createPostgresDatabase();
		const env = { DATABASE_URL: created.url, NODE_ENV: "production", JWT_SECRET: "x".repeat(40), MONGO_URL: "" };
		try {
			const before = await migrate(["status"], env);
			expect(before.code).toBe(0);
			expect(before.stdout).toMatch(/^database: PostgreSQL 127\.0\.0\.1:5432\/op_test_/m);
			const pending = lines(before.stdout, "pending");
			expect(pending).toContain("pending  documents/001_document_store");
			expect(lines(before.stdout, "applied")).toEqual([]);

			const up = await migrate(["up"], env);
			expect(up.code).toBe(0);
			expect(lines(up.stdout, "applied").length).toBe(pending.length);
			expect((await migrate(["up"], env)).stdout).toMatch(/nothing to apply/);

			const after = await migrate(["status"], env);
			expect(lines(after.stdout, "pending")).toEqual([]);
			expect(lines(after.stdout, "applied")).toHaveLength(pending.length);
			expect(after.stdout).toMatch(/^applied {2}documents\/001_document_store {2}\d{4}-\d\d-\d\dT.* by migrate@/m);
		} finally {
			await created.drop();
		}
	});

	it("works on the file-backed PGlite in DATA_DIR, and rejects an unknown command", async () => {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "op-migrate-"));
		const env = { DATABASE_URL: "", DATA_DIR: dataDir, NODE_ENV: "development", MONGO_URL: "" };
		try {
			const up = await migrate(["up"], env);
			expect(up.code).toBe(0);
			expect(up.stdout).toMatch(/^database: PGlite .*pglite$/m);
			expect(up.stdout).toMatch(/applied {2}documents\/001_document_store/);
			expect(fs.existsSync(path.join(dataDir, "pglite"))).toBe(true);
			const bad = await migrate(["sideways"], env);
			expect(bad.code).toBe(2);
			expect(bad.stderr).toMatch(/usage: npm run migrate -- status\|up/);
		} finally {
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	});
});
