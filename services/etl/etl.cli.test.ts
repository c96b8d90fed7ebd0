/** `npm run etl` (bin/etl.ts) as an operator runs it: real processes, exit codes, plain progress lines off a TTY. */
import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase, type TestDatabase } from "../../test/storage/test-databases.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const EXPORT = path.join(ROOT, "services/etl/fixtures/openparliament/export");

interface Outcome {
	code: number;
	stdout: string;
	stderr: string;
}

describe("npm run etl", () => {
	let database: TestDatabase & { url: string };

	function etl(...args: string[]): Promise<Outcome> {
		// The runner's own variables would tell the child it runs under vitest.
		const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST")));
		const env: NodeJS.ProcessEnv = { ...inherited, DATABASE_URL: database.url, NODE_ENV: "test" };
		return new Promise((resolve) => {
			execFile(process.execPath, [path.join(ROOT, "bin/etl.ts"), ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
				resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
			});
		});
	}

	beforeAll(async () => {
		database = await createPostgresDatabase();
	});
	afterAll(() => database?.drop());

	it("runs a source from a local export and exits 0, printing progress lines", async () => {
		const out = await etl("run", "openparliament", "--file", EXPORT);
		expect(out.code, out.stderr).toBe(0);
		expect(out.stdout).toMatch(/openparliament \S+ running: /);
		expect(out.stdout).toMatch(/openparliament run \S+ succeeded: fetched \d+, inserted \d+/);
	});

	it("status lists the runs", async () => {
		const out = await etl("status");
		expect(out.code, out.stderr).toBe(0);
		expect(out.stdout).toMatch(/openparliament\s+SUCCEEDED/);
	});

	it("exits 1 when the run fails, and 2 on bad usage", async () => {
		const failed = await etl("run", "openparliament", "--file", path.join(ROOT, "no-such-export"));
		expect(failed.code).toBe(1);
		expect(failed.stderr).toMatch(/failed: .*no-such-export/);
		const usage = await etl("run", "nowhere");
		expect(usage.code).toBe(2);
		expect(usage.stderr).toMatch(/unknown source "nowhere"/);
		expect((await etl("frobnicate")).code).toBe(2);
	});
});
