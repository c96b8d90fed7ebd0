/**
 * The LEGISinfo connector on a fixture in the export's shape, read from a file and over HTTP from
 * a local server (127.0.0.1, port 0; this machine has no internet).
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { legisinfoConnector } from "./legisinfo.ts";
import { extractTransform, type TransformStep } from "./extract-transform.ts";
import { LOCAL_TEST_NETWORKS, startLocalServer, type LocalTestServer } from "../../../test/kits/local-test-server.ts";
import type { DataQualityIssue } from "../records/data-quality.ts";
import type { Bill, BillStage } from "../records/domain.ts";

const fixture = fileURLToPath(new URL("../fixtures/legisinfo/bills-44-1.json", import.meta.url));

async function run(options: Parameters<typeof extractTransform>[1]): Promise<TransformStep[]> {
	const steps: TransformStep[] = [];
	for await (const step of extractTransform(legisinfoConnector(), options)) steps.push(step);
	return steps;
}
const bills = (steps: TransformStep[]) => steps.flatMap((s) => s.records).flatMap((r) => (r.kind === "bill" ? [r.data as Bill] : []));
const stages = (steps: TransformStep[]) => steps.flatMap((s) => s.records).flatMap((r) => (r.kind === "billStage" ? [r.data as BillStage] : []));
const issues = (steps: TransformStep[]) => steps.flatMap((s) => s.issues);

describe("LEGISinfo connector", () => {
	let steps: TransformStep[];
	beforeAll(async () => {
		steps = await run({ file: fixture });
	});

	it("yields one raw document per bill of the export", async () => {
		const exported = JSON.parse(await readFile(fixture, "utf8")) as unknown[];
		expect(steps).toHaveLength(exported.length);
		expect(steps[0]?.document).toMatchObject({ source: "legisinfo", resource: "legisinfo-bills", url: expect.stringMatching(/bills-44-1\.json#0$/) });
	});

	it("maps a government bill that became law", () => {
		const c10 = bills(steps).find((b) => b.number === "C-10");
		expect(c10).toEqual({
			session: "44-1",
			number: "C-10",
			chamber: "House",
			titleEn: "An Act respecting certain measures related to COVID-19",
			titleFr: "Loi concernant certaines mesures liées à la COVID-19",
			shortTitleEn: null,
			shortTitleFr: null,
			sponsorName: "Hon. Jean-Yves Duclos",
			statusCode: "RoyalAssentGiven",
			statusTextEn: "Royal assent received",
			// The activity time is Ottawa time; its date must not move to UTC's.
			statusDate: "2022-03-03",
			introduced: "2021-11-29",
			law: true,
			governmentBill: true,
			privateMember: false,
			legisinfoId: 11435421
		});
		expect(stages(steps).filter((s) => s.billNumber === "C-10").map((s) => s.stage)).toEqual([
			"house-first-reading",
			"house-second-reading",
			"house-third-reading",
			"senate-first-reading",
			"senate-second-reading",
			"senate-third-reading",
			"royal-assent"
		]);
	});

	it("strips markup and scripts from titles and decodes entities", () => {
		const c11 = bills(steps).find((b) => b.number === "C-11");
		expect(c11?.titleEn).toBe("An Act to amend the Broadcasting Act and to make related and consequential amendments to other Acts");
		expect(c11?.titleFr).toBe("Loi modifiant la Loi sur la radiodiffusion et apportant des modifications connexes et corrélatives à d'autres lois");
		expect(c11?.law).toBe(false);
		expect(stages(steps).filter((s) => s.billNumber === "C-11")).toHaveLength(4);
	});

	it("reads private members' and Senate bills, keeping accents and unknown statuses unmapped", () => {
		const c233 = bills(steps).find((b) => b.number === "C-233");
		expect(c233).toMatchObject({ privateMember: true, governmentBill: false, sponsorName: "Élisabeth Brière", introduced: "2022-02-10" });
		const s2 = bills(steps).find((b) => b.number === "S-2");
		expect(s2).toMatchObject({ chamber: "Senate", introduced: "2021-11-24", titleFr: "Loi modifiant la Loi sur le Parlement du Canada (Ô Canada)", privateMember: false });
		expect(s2?.statusTextEn).toBe("A status LEGISinfo added after this table was written");
		expect(s2 && "statusCode" in s2).toBe(false);
	});

	it("reports wrong types, missing numbers, empty titles and conflicting duplicates", () => {
		const found = issues(steps).map((i) => i.reason);
		expect(found).toContainEqual(expect.stringMatching(/invalid LEGISinfo bill: BillId: .*expected number/));
		expect(found).toContainEqual(expect.stringMatching(/invalid LEGISinfo bill: BillNumberFormatted/));
		expect(issues(steps).find((i) => i.recordKey === "44-1/C-13")?.reason).toMatch(/invalid bill: titleEn/);
		expect(issues(steps).find((i) => i.recordKey === "44-1/C-10")?.reason).toMatch(/duplicate bill 44-1\/C-10 disagrees on titleEn/);
		expect(bills(steps).map((b) => b.number)).toEqual(["C-10", "C-11", "C-233", "S-2"]);
	});
});

describe("LEGISinfo connector over HTTP", () => {
	let server: LocalTestServer;
	beforeAll(async () => {
		const body = await readFile(fixture);
		server = await startLocalServer((_req, res, path) => {
			if (path.startsWith("/legisinfo/en/bills/json?parlsession=44-1")) {
				res.writeHead(200, { "content-type": "application/json" });
				res.end(body);
			} else {
				res.writeHead(200, { "content-type": "text/html" });
				res.end("<html>maintenance</html>");
			}
		});
	});
	afterAll(() => server.close());

	it("fetches the export from a URL and gives the same records as the file", async () => {
		const fromHttp = await run({ url: `${server.url}legisinfo/en/bills/json?parlsession=44-1`, http: { minIntervalMs: 0, allowPrivateNetworks: LOCAL_TEST_NETWORKS } });
		const fromFile = await run({ file: fixture });
		expect(bills(fromHttp)).toEqual(bills(fromFile));
		expect(fromHttp.map((s) => s.document.contentHash)).toEqual(fromFile.map((s) => s.document.contentHash));
		expect(fromHttp[0]?.document.url).toBe(`${server.url}legisinfo/en/bills/json?parlsession=44-1#0`);
	});

	it("fails the run when the export URL does not answer JSON", async () => {
		const reported: DataQualityIssue[] = [];
		await expect(run({ url: `${server.url}down`, http: { minIntervalMs: 0, allowPrivateNetworks: LOCAL_TEST_NETWORKS }, onIssue: (i) => reported.push(i) })).rejects.toThrow(/did not return JSON/);
	});
});
