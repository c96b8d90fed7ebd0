/**
 * The Open Civic Data connector on real CC0 files copied from opencivicdata/ocd-division-ids
 * (fixtures/ocd), a made-up file of faulty rows, and the same CSV served by a local HTTP server
 * (127.0.0.1, port 0; no internet here).
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ocdDivisionsConnector } from "./ocd-divisions.ts";
import { extractTransform, type TransformStep } from "./extract-transform.ts";
import { LOCAL_TEST_NETWORKS, startLocalServer, type LocalTestServer } from "../../../test/kits/local-test-server.ts";
import { PROVINCE_BY_SGC } from "../records/ocd-transform.ts";
import type { DataQualityIssue } from "../records/data-quality.ts";
import type { Province, Riding } from "../records/domain.ts";

const fixtures = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));

async function run(options: Parameters<typeof extractTransform>[1]): Promise<{ steps: TransformStep[]; extractIssues: DataQualityIssue[] }> {
	const steps: TransformStep[] = [];
	const extractIssues: DataQualityIssue[] = [];
	for await (const step of extractTransform(ocdDivisionsConnector(), { ...options, onIssue: (i) => extractIssues.push(i) })) steps.push(step);
	return { steps, extractIssues };
}
const ridings = (steps: TransformStep[]) => steps.flatMap((s) => s.records).flatMap((r) => (r.kind === "riding" ? [r.data as Riding] : []));
const provinces = (steps: TransformStep[]) => steps.flatMap((s) => s.records).flatMap((r) => (r.kind === "province" ? [r.data as Province] : []));

async function csvRows(file: string): Promise<Array<Record<string, string>>> {
	return parse(await readFile(fixtures(file)), { columns: true, bom: true }) as Array<Record<string, string>>;
}

describe("OCD divisions connector on the real files", () => {
	let steps: TransformStep[];
	let extractIssues: DataQualityIssue[];
	beforeAll(async () => {
		({ steps, extractIssues } = await run({ file: fixtures("ocd") }));
	});

	it("loads every province and every riding of both representation orders, valid", async () => {
		const expectedRidings = (await csvRows("ocd/ca_federal_electoral_districts-2013.csv")).length + (await csvRows("ocd/ca_federal_electoral_districts-2023.csv")).length;
		// The faulty file adds no riding: its one good row repeats a real one exactly.
		expect(ridings(steps)).toHaveLength(expectedRidings);
		expect(provinces(steps)).toHaveLength((await csvRows("ocd/ca_provinces_and_territories.csv")).length);
	});

	it("agrees with the provinces file on which SGC code is which province", async () => {
		for (const row of await csvRows("ocd/ca_provinces_and_territories.csv")) {
			expect(PROVINCE_BY_SGC[row.sgc ?? ""], row.id).toBe(row.id?.split(":").at(-1)?.toUpperCase());
		}
	});

	it("reads names in both languages with their accents and the validity dates", () => {
		const abitibi = ridings(steps).find((r) => r.ocdId === "ocd-division/country:ca/ed:24002-2023");
		expect(abitibi).toEqual({
			ocdId: "ocd-division/country:ca/ed:24002-2023",
			edid: "24002",
			nameEn: "Abitibi—Témiscamingue",
			nameFr: "Abitibi—Témiscamingue",
			province: "QC",
			validFrom: "2024-04-23",
			validThrough: null
		});
		const avalon2013 = ridings(steps).find((r) => r.ocdId === "ocd-division/country:ca/ed:10001-2013");
		expect(avalon2013).toMatchObject({ province: "NL", validFrom: "2015-10-19", validThrough: "2024-04-23" });
		const pei = provinces(steps).find((p) => p.code === "PE");
		expect(pei).toMatchObject({ abbreviationFr: "Î.-P.-É.", sgc: "11" });
		expect(provinces(steps).find((p) => p.code === "YT")?.ocdId).toBe("ocd-division/country:ca/territory:yt");
	});

	it("turns each faulty row into one issue and keeps the good ones", () => {
		const issues = steps.flatMap((s) => s.issues);
		const byKey = (suffix: string) => issues.filter((i) => i.recordKey?.endsWith(suffix)).map((i) => i.reason);
		expect(byKey("ed:35999-2013")).toEqual([expect.stringMatching(/invalid riding: nameEn/)]);
		expect(byKey("ed:35998-2013")).toEqual([expect.stringMatching(/invalid riding: validFrom/)]);
		expect(byKey("ed:35997-2013")).toEqual([expect.stringMatching(/invalid riding: nameFr/)]);
		expect(byKey("ed:99001-2013")).toEqual([expect.stringMatching(/invalid riding: province/)]);
		expect(byKey("province:on/ed:1")).toEqual([expect.stringMatching(/invalid riding: ocdId.*edid/s)]);
		// Three rows claim 24003-2013: the identical repeat is dropped, the renamed one is an issue.
		expect(byKey("ed:24003-2013")).toEqual([expect.stringMatching(/duplicate riding .* disagrees on nameEn/)]);
		expect(ridings(steps).filter((r) => r.ocdId.endsWith("ed:24003-2013"))).toHaveLength(1);
		expect(ridings(steps).find((r) => r.ocdId.endsWith("ed:24020-2023"))?.nameFr).toBe("Côte-du-Sud—Rivière-du-Loup—Kataskomiq—Témiscouata");
		expect(byKey("ed:35996-2013")).toEqual([expect.stringMatching(/validThrough is before validFrom/)]);
		expect(issues).toHaveLength(7);
		expect(extractIssues).toEqual([]);
	});
});

describe("OCD divisions connector on other files and over HTTP", () => {
	let server: LocalTestServer;
	beforeAll(async () => {
		const csv = await readFile(fixtures("ocd/ca_provinces_and_territories.csv"));
		server = await startLocalServer((_req, res) => {
			res.writeHead(200, { "content-type": "text/csv; charset=utf-8" });
			res.end(csv);
		});
	});
	afterAll(() => server.close());

	it("skips a CSV of another kind with a single issue", async () => {
		const { steps, extractIssues } = await run({ file: fixtures("ocd-other") });
		expect(steps).toEqual([]);
		expect(extractIssues).toHaveLength(1);
		expect(extractIssues[0]?.reason).toMatch(/not an OCD provinces or federal ridings CSV/);
	});

	it("reads a CSV from a URL the same as from a file", async () => {
		const overHttp = await run({ url: `${server.url}ca_provinces_and_territories.csv`, http: { minIntervalMs: 0, allowPrivateNetworks: LOCAL_TEST_NETWORKS } });
		const fromFile = await run({ file: fixtures("ocd/ca_provinces_and_territories.csv") });
		expect(provinces(overHttp.steps)).toEqual(provinces(fromFile.steps));
		expect(overHttp.steps[12]?.document.url).toBe(`${server.url}ca_provinces_and_territories.csv#row=13`);
	});
});
