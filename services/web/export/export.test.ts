/**
 * The export routes through a real gateway on PostgreSQL 15 and PGlite: RFC 4180 quoting of
 * awkward text, NDJSON, filters and their 422s, and flat memory on a large generated table (a
 * paused client makes the server stop reading; a client that leaves frees its connection).
 */
import http from "node:http";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, request } from "../../../test/kits/gateway-test-kit.ts";
import { BACKENDS, type TestDatabase } from "../../../test/storage/test-databases.ts";
import { pause, waitFor } from "../../../test/helpers/wait-for.ts";
import { type WebNode, startWebNode } from "../../../test/kits/web-mixins-test-kit.ts";
import { BALLOT_COLUMNS, BILL_COLUMNS } from "./export-store.ts";
import { TRICKY_BILLS, insertBallots, insertPoliticians, insertTrickyBills } from "../../../test/kits/export-fixtures.ts";
import { exportsInProgress } from "./export.mixin.ts";

const BIG_VOTES = 2_500;
const MEMBERS = 400;
const BIG_BALLOTS = BIG_VOTES * MEMBERS;

type CsvRecord = Record<string, string>;

function csv(text: string): CsvRecord[] {
	return parse(text, { columns: true, record_delimiter: "\r\n" }) as CsvRecord[];
}

/** A GET whose body is not read until `read()` is called: the client pauses at once. */
function pausedGet(url: string): Promise<{ res: http.IncomingMessage; read: () => Promise<{ bytes: number; lines: number }>; abort: () => void }> {
	return new Promise((resolve, reject) => {
		const req = http.get(url, (res) => {
			res.pause();
			const read = async (): Promise<{ bytes: number; lines: number }> => {
				let bytes = 0;
				let lines = 0;
				for await (const chunk of res as AsyncIterable<Buffer>) {
					bytes += chunk.length;
					for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
				}
				return { bytes, lines };
			};
			resolve({ res, read, abort: () => req.destroy() });
		});
		req.on("error", reject);
		req.setTimeout(60_000, () => req.destroy(new Error("no answer")));
	});
}

describe.each(BACKENDS)("export routes on $name", (backend) => {
	let database: TestDatabase;
	let node: WebNode;
	let api: string;

	beforeAll(async () => {
		database = await backend.create();
		node = await startWebNode(database.config, { export: { maxConcurrent: 2, idleMs: 8_000 } });
		api = `${node.baseUrl}/api/v1/export`;
		await insertTrickyBills(node.db);
		await insertPoliticians(node.db, MEMBERS);
		await insertBallots(node.db, BIG_VOTES, MEMBERS);
	}, 120_000);

	afterAll(async () => {
		await node?.broker.stop();
		await database?.drop();
	});

	it("writes RFC 4180 CSV with a header naming the columns: quotes, commas, CR/LF and accents survive a round trip", async () => {
		const res = await request(`${api}/bills.csv`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
		expect(res.headers.get("content-disposition")).toBe('attachment; filename="bills.csv"');
		expect(res.text.split("\r\n", 1)[0]).toBe(BILL_COLUMNS.map((c) => c.name).join(","));
		const records = csv(res.text);
		expect(records.map((r) => r.number)).toEqual(["C-10", "C-2", "C-3"]);
		for (const bill of TRICKY_BILLS) {
			const record = records.find((r) => r.number === bill.number);
			expect(record?.title_en).toBe(bill.titleEn);
			expect(record?.title_fr).toBe(bill.titleFr ?? "");
			expect(record?.law).toBe(bill.law === null ? "" : String(bill.law));
		}
		// A missing value is an empty field, an empty text a quoted empty one.
		expect(res.text).toContain(',"HouseAt2ndReading"');
		const c2 = res.text.split("\r\n").find((line) => line.startsWith('"44-1","C-2"')) ?? "";
		expect(c2).toContain(',"",');
		expect(records[0]).toMatchObject({ session: "44-1", chamber: "House", introduced: "2022-02-01", private_member: "false" });
		expect(records[0]?.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
	});

	it("writes the same records as NDJSON", async () => {
		const res = await request(`${api}/bills.ndjson`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
		const lines = res.text.split("\n");
		expect(lines.pop()).toBe("");
		const objects = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
		expect(objects.map((o) => o.number)).toEqual(["C-10", "C-2", "C-3"]);
		expect(objects.find((o) => o.number === "C-3")).toMatchObject({ title_en: "A title on\ntwo lines\r\nand a third", title_fr: "Québec, Montréal et Trois-Rivières", law: false, legisinfo_id: null });
		expect(Object.keys(objects[0] ?? {})).toEqual(BILL_COLUMNS.map((c) => c.name));
	});

	it("applies the list routes' filters", async () => {
		expect(csv((await request(`${api}/bills.csv?law=true`)).text).map((r) => r.number)).toEqual(["C-2"]);
		expect(csv((await request(`${api}/bills.csv?private_member=1&session=44-1`)).text).map((r) => r.number)).toEqual(["C-3"]);
		expect(csv((await request(`${api}/bills.csv?session=43-2`)).text)).toEqual([]);
		const ballots = csv((await request(`${api}/ballots.csv?politician=member-7&ballot=No`)).text);
		expect(ballots.length).toBe(Array.from({ length: BIG_VOTES }, (_, i) => i + 1).filter((v) => (v + 7) % 5 === 0).length);
		expect(new Set(ballots.map((b) => `${b.politician}|${b.ballot}`))).toEqual(new Set(["member-7|No"]));
		const oneVote = csv((await request(`${api}/ballots.csv?vote=44-1/12`)).text);
		expect(oneVote.length).toBe(MEMBERS);
		expect(Object.keys(oneVote[0] ?? {})).toEqual(BALLOT_COLUMNS.map((c) => c.name));
		const dissent = (await request(`${api}/ballots.ndjson?vote=44-1/12&dissent=true`)).text.trim().split("\n").map((l) => JSON.parse(l) as { dissent: boolean; vote_number: number });
		expect(dissent.length).toBe(Array.from({ length: MEMBERS }, (_, p) => p).filter((p) => (12 + p) % 13 === 0).length);
		expect(dissent.every((b) => b.dissent && b.vote_number === 12)).toBe(true);
		const current = csv((await request(`${api}/politicians.csv?include=current&party=ndp`)).text);
		expect(current.length).toBe(Array.from({ length: MEMBERS }, (_, i) => i).filter((i) => i % 4 === 2 && i % 10 !== 9).length);
		expect(current[0]).toMatchObject({ party: "ndp", current: "true", name: expect.stringMatching(/^Élise "Zoë" Côté\d+$/) });
		const votes = csv((await request(`${api}/votes.csv?result=Passed&date_before=2022-03-05`)).text);
		expect(votes.every((v) => v.result === "Passed" && (v.date ?? "") <= "2022-03-05")).toBe(true);
		expect(votes.length).toBeGreaterThan(0);
	});

	it("answers 422 naming the field for an unknown filter, a bad value or a bad format, and 404 for another resource", async () => {
		const cases: [string, string][] = [
			["bills.csv?colour=red", "colour"],
			["bills.csv?session=44", "session"],
			["ballots.csv?vote=44-1/abc", "vote"],
			["ballots.csv?dissent=maybe", "dissent"],
			["bills.xml", "format"],
			["politicians.csv?include=everyone", "include"]
		];
		for (const [path, field] of cases) {
			const res = await request(`${api}/${path}`);
			expect(res.status, path).toBe(422);
			expect(JSON.stringify(errorOf(res).data), path).toContain(`"field":"${field}"`);
		}
		expect((await request(`${api}/sponsors.csv`)).status).toBe(404);
	});

	it("stops reading the database while the client is paused, then streams every ballot with bounded memory", async () => {
		const client = await pausedGet(`${api}/ballots.csv`);
		expect(client.res.statusCode).toBe(200);
		const stream = await waitFor(() => exportsInProgress(node.web)[0], { message: "the export to be open" });
		// Once socket buffers are full the server must stop asking the database for more.
		let last = -1;
		await waitFor(
			async () => {
				const now = stream.bytesOut;
				const stable = now === last;
				last = now;
				if (!stable) await pause(300);
				return stable;
			},
			{ timeoutMs: 20_000, message: "the server to stop reading while the client is paused" }
		);
		const totalBytes = BIG_BALLOTS * 30;
		expect(stream.bytesOut).toBeLessThan(totalBytes / 3);

		const rssBefore = process.memoryUsage().rss;
		let peak = rssBefore;
		const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
		const { lines, bytes } = await client.read();
		clearInterval(sampler);
		expect(lines).toBe(BIG_BALLOTS + 1);
		expect(bytes).toBeGreaterThan(totalBytes);
		// Loose on purpose (GC timing, the client in the same process): holding the result would be over 100 MB.
		expect(peak - rssBefore).toBeLessThan(80 * 1024 * 1024);
	}, 120_000);

	it("frees the slot and the connection of a client that leaves, and refuses exports over the limit with 503", async () => {
		const first = await pausedGet(`${api}/ballots.ndjson`);
		const second = await pausedGet(`${api}/ballots.csv`);
		expect([first.res.statusCode, second.res.statusCode]).toEqual([200, 200]);
		const busy = await request(`${api}/votes.csv`);
		expect(busy.status).toBe(503);
		expect(errorOf(busy).type).toBe("EXPORTS_BUSY");
		first.abort();
		second.abort();
		await waitFor(() => exportsInProgress(node.web).length === 0, { message: "the exports of departed clients to close" });
		if (backend.name.startsWith("PostgreSQL")) {
			await waitFor(async () => {
				const { rows } = await node.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'");
				return rows[0]?.n === 0;
			}, { message: "no transaction left open by an abandoned export" });
		}
		expect(csv((await request(`${api}/votes.csv?session=44-1&result=Failed`)).text).length).toBe(BIG_VOTES / 2);
	}, 60_000);

	it("ends the export of a client that reads nothing for the idle time", async () => {
		const idle = await pausedGet(`${api}/ballots.csv`);
		await waitFor(() => exportsInProgress(node.web).length === 1, { message: "the export to be open" });
		await waitFor(() => exportsInProgress(node.web).length === 0, { timeoutMs: 20_000, message: "the idle export to be ended" });
		// The body is cut short, so the client sees an error, not a complete file.
		await expect(idle.read()).rejects.toThrow();
	}, 60_000);
});
