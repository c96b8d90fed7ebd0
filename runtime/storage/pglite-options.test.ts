/** PGlite opens with the platform's memory settings, in memory and on a folder (real PGlite). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PgliteDatabase } from "./pglite-database.ts";
import { PGLITE_SHARED_BUFFERS } from "./pglite-options.ts";

const folders: string[] = [];
afterEach(() => {
	for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

async function sharedBuffersOf(dataDir: string | undefined): Promise<string | undefined> {
	const db = await PgliteDatabase.open(dataDir);
	try {
		return (await db.query<{ shared_buffers: string }>("SHOW shared_buffers")).rows[0]?.shared_buffers;
	} finally {
		await db.close();
	}
}

describe("PGlite options", () => {
	it(`opens with shared_buffers ${PGLITE_SHARED_BUFFERS} instead of PostgreSQL's 128MB, in memory and on a folder, new and existing`, async () => {
		expect(PGLITE_SHARED_BUFFERS).not.toBe("128MB");
		expect(await sharedBuffersOf(undefined)).toBe(PGLITE_SHARED_BUFFERS);
		const folder = fs.mkdtempSync(path.join(os.tmpdir(), "op-pglite-options-"));
		folders.push(folder);
		expect(await sharedBuffersOf(path.join(folder, "db"))).toBe(PGLITE_SHARED_BUFFERS);
		expect(await sharedBuffersOf(path.join(folder, "db"))).toBe(PGLITE_SHARED_BUFFERS);
	});
});
