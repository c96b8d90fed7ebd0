/** The Database interface behaves the same on PostgreSQL 15 and PGlite 18. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, DatabaseConfig } from "./database.ts";
import { openStandalone } from "./database-registry.ts";
import { BACKENDS, createPostgresDatabase, openTestDatabase } from "../../test/storage/test-databases.ts";

describe.each(BACKENDS)("Database on $name", (backend) => {
	let db: Database;
	let drop: () => Promise<void>;

	beforeAll(async () => {
		({ db, drop } = await openTestDatabase(backend));
		await db.exec(`
			CREATE TABLE items (id bigint PRIMARY KEY, label text, tags text[], doc jsonb, raw bytea, at timestamptz, flag boolean);
			CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL);
		`);
	});
	afterAll(async () => drop?.());

	it("returns int8 as a number and typed rows", async () => {
		await db.query("INSERT INTO items (id, label) VALUES ($1, $2)", [1, "one"]);
		const { rows, rowCount } = await db.query<{ id: number; n: number }>("SELECT id, count(*) OVER () AS n FROM items");
		expect(rowCount).toBe(1);
		expect(rows[0]).toEqual({ id: 1, n: 1 });
		await db.query("DELETE FROM items");
	});

	it("commits a transaction and rolls one back when it throws", async () => {
		await db.transaction(async (tx) => {
			await tx.query("INSERT INTO counters VALUES (1, 1)");
		});
		await expect(
			db.transaction(async (tx) => {
				await tx.query("INSERT INTO counters VALUES (2, 1)");
				throw new Error("abort");
			})
		).rejects.toThrow("abort");
		const { rows } = await db.query<{ id: number }>("SELECT id FROM counters ORDER BY id");
		expect(rows.map((r) => r.id)).toEqual([1]);
	});

	it("COPY keeps NULLs, tabs, newlines, backslashes, arrays, JSON, bytes and times intact", async () => {
		const at = new Date("2024-03-01T12:34:56.789Z");
		const tricky = "tab\there\nnew line \\ backslash \r done";
		// Array elements: bare where safe, quoted where the array syntax would misread them.
		const tags = ["a", "b c", 'quote"d', "back\\slash", "NULL", "null", "", " padded ", "{brace}", "com,ma", "Côté-été", "Didn't vote", "tab\there", null];
		const rows: unknown[][] = [
			[10, tricky, tags, { bill: "C-11", n: 2, nested: [1, "x\ty"] }, new Uint8Array([0, 1, 254, 255]), at, true],
			[11, null, null, null, null, null, false],
			[12, "", [], [], new Uint8Array([]), at, null]
		];
		const copied = await db.copyRows("items", ["id", "label", "tags", "doc", "raw", "at", "flag"], rows.map((r) => (r[0] === 12 ? [...r.slice(0, 3), JSON.stringify(r[3]), ...r.slice(4)] : r)));
		expect(copied).toBe(3);
		const { rows: back } = await db.query<Record<string, unknown>>("SELECT * FROM items WHERE id >= 10 ORDER BY id");
		expect(back[0]).toMatchObject({ id: 10, label: tricky, tags, doc: { bill: "C-11", n: 2, nested: [1, "x\ty"] }, at, flag: true });
		expect([...(back[0]?.raw as Uint8Array)]).toEqual([0, 1, 254, 255]);
		expect(back[1]).toMatchObject({ id: 11, label: null, tags: null, doc: null, raw: null, at: null, flag: false });
		expect(back[2]).toMatchObject({ id: 12, label: "", tags: [], doc: [], flag: null });
		await db.query("DELETE FROM items");
	});

	it("COPY inside a transaction commits with it and rolls back with it", async () => {
		const copied = await db.transaction(async (tx) => {
			const n = await tx.copyRows("counters", ["id", "n"], [[20, 1], [21, 2]]);
			// The transaction sees its own COPYed rows before it commits.
			const { rows } = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM counters WHERE id >= 20");
			expect(rows[0]?.n).toBe(2);
			return n;
		});
		expect(copied).toBe(2);
		await expect(
			db.transaction(async (tx) => {
				await tx.copyRows("counters", ["id", "n"], (async function* () {
					yield [22, 1];
					yield [23, 1];
				})());
				throw new Error("abort after copy");
			})
		).rejects.toThrow("abort after copy");
		// A COPY that fails (a duplicate key) fails the transaction with a storage error, not a hang.
		await expect(db.transaction((tx) => tx.copyRows("counters", ["id", "n"], [[24, 1], [20, 9]]))).rejects.toThrow();
		const { rows } = await db.query<{ id: number; n: number }>("SELECT id, n FROM counters WHERE id >= 20 ORDER BY id");
		expect(rows).toEqual([{ id: 20, n: 1 }, { id: 21, n: 2 }]);
		await db.query("DELETE FROM counters WHERE id >= 20");
	});

	it("loads many rows by COPY and by multi-row INSERT with an upsert suffix", async () => {
		const count = 5_003;
		const rows = function* (offset: number): Generator<unknown[]> {
			for (let i = 0; i < count; i++) yield [offset + i, `label ${i}`];
		};
		expect(await db.copyRows("items", ["id", "label"], rows(0))).toBe(count);
		expect(await db.insertRows("items", ["id", "label"], rows(count))).toBe(count);
		// Upsert over the same keys: nothing new, labels replaced.
		const updated = await db.insertRows("items", ["id", "label"], [[0, "changed"], [count, "changed too"]], { suffix: "ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label" });
		expect(updated).toBe(2);
		const { rows: stats } = await db.query<{ n: number; changed: number }>("SELECT count(*) AS n, count(*) FILTER (WHERE label LIKE 'changed%') AS changed FROM items");
		expect(stats[0]).toEqual({ n: 2 * count, changed: 2 });
	});

	it("a failed COPY loads nothing", async () => {
		const before = (await db.query<{ n: number }>("SELECT count(*) AS n FROM items")).rows[0]?.n;
		const rows = [[900_000, "ok"], [900_001, "ok"], [0, "duplicate key"]];
		await expect(db.copyRows("items", ["id", "label"], rows)).rejects.toThrow(/duplicate key/);
		const after = (await db.query<{ n: number }>("SELECT count(*) AS n FROM items")).rows[0]?.n;
		expect(after).toBe(before);
	});

	it("streams a parametrised query through a cursor in order, and stops cleanly when the reader breaks", async () => {
		let seen = 0;
		let last = -1;
		for await (const row of db.streamRows<{ id: number }>("SELECT id FROM items WHERE id >= $1 ORDER BY id", [100], { batchSize: 257 })) {
			expect(row.id).toBeGreaterThan(last);
			last = row.id;
			seen++;
		}
		const expected = (await db.query<{ n: number }>("SELECT count(*) AS n FROM items WHERE id >= 100")).rows[0]?.n;
		expect(seen).toBe(expected);

		let taken = 0;
		for await (const row of db.streamRows<{ id: number }>("SELECT id FROM items ORDER BY id", [], { batchSize: 10 })) {
			expect(row.id).toBeTypeOf("number");
			if (++taken === 15) break;
		}
		expect(taken).toBe(15);
		// The connection is usable afterwards (no transaction or cursor left open).
		await db.transaction(async (tx) => {
			await tx.query("UPDATE counters SET n = n + 1 WHERE id = 1");
		});
		expect((await db.query<{ n: number }>("SELECT n FROM counters WHERE id = 1")).rows[0]?.n).toBe(2);
	});

	it("answers a ping", async () => {
		await expect(db.ping(1_000)).resolves.toBeUndefined();
	});
});

describe("Database on PostgreSQL 15: timeouts", () => {
	it("a statement over the timeout fails, a long-running transaction and a COPY are exempt", async () => {
		const created = await createPostgresDatabase();
		const db = await openStandalone({ ...(created.config as Extract<DatabaseConfig, { kind: "postgres" }>), statementTimeoutMs: 200 });
		try {
			await expect(db.query("SELECT pg_sleep(0.5)")).rejects.toMatchObject({ code: "57014" });
			await db.transaction(
				async (tx) => {
					await tx.query("SELECT pg_sleep(0.5)");
				},
				{ longRunning: true }
			);
			// The pooled connection went back with the normal timeout.
			await expect(db.query("SELECT pg_sleep(0.5)")).rejects.toMatchObject({ code: "57014" });
			await db.exec("CREATE TABLE slow_load (id int, pause text)");
			await db.exec("CREATE FUNCTION pause_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = 1 THEN PERFORM pg_sleep(0.5); END IF; RETURN NEW; END $$");
			await db.exec("CREATE TRIGGER slow BEFORE INSERT ON slow_load FOR EACH ROW EXECUTE FUNCTION pause_row()");
			expect(await db.copyRows("slow_load", ["id", "pause"], [[1, "x"], [2, "y"]])).toBe(2);
		} finally {
			await db.close();
			await created.drop();
		}
	});
});
