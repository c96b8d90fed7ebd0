/** One process per PGlite folder: a second one is refused with the owner's pid; a dead owner's lock is taken over. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirInUseError, lockDataDir } from "./data-dir-lock.ts";
import { PgliteDatabase } from "./pglite-database.ts";

const dirs: string[] = [];
function tempDir(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "op-lock-"));
	dirs.push(dir);
	return dir;
}
afterEach(() => {
	for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Another process tries to take the lock; its stderr and exit code say what happened. */
function lockFromAnotherProcess(dir: string): { status: number | null; stderr: string } {
	const script = `import { lockDataDir } from ${JSON.stringify(path.resolve("runtime/storage/data-dir-lock.ts"))};
try { lockDataDir(${JSON.stringify(dir)}); } catch (err) { process.stderr.write(err.message); process.exit(3); }`;
	const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
	return { status: result.status, stderr: result.stderr };
}

describe("data folder lock", () => {
	it("refuses a second process while the first holds the folder, and lets it in after release", () => {
		const dir = tempDir();
		const release = lockDataDir(dir);
		const refused = lockFromAnotherProcess(dir);
		expect(refused.status).toBe(3);
		expect(refused.stderr).toContain(`in use by process ${process.pid}`);
		release();
		expect(lockFromAnotherProcess(dir).status).toBe(0);
	});

	it("takes over the lock of a process that is gone", () => {
		const dir = tempDir();
		const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
		fs.writeFileSync(path.join(dir, "openpolicy.lock"), gone.stdout);
		const release = lockDataDir(dir);
		expect(fs.readFileSync(path.join(dir, "openpolicy.lock"), "utf8")).toBe(String(process.pid));
		release();
		expect(fs.existsSync(path.join(dir, "openpolicy.lock"))).toBe(false);
	});

	it("is taken by a file-backed PGlite and released when it closes", async () => {
		const dir = tempDir();
		const db = await PgliteDatabase.open(dir);
		expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
		await db.close();
		lockDataDir(dir)();
	});
});
