/**
 * The House of Commons' own records (connectors/ourcommons.ts) loaded beside openparliament's, on
 * PostgreSQL 15 and PGlite 18, through the etl service: from a folder of XML files (--file) and
 * over HTTP from a local server answering at ourcommons.ca's paths (no internet here). The files
 * (fixtures/ourcommons/README.md) hold accents and dashes spelled differently, a father and son of
 * one name and riding, a member openparliament does not know, and a division with zero ballots.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbService } from "../../mixins/db.mixin.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { EtlService } from "./etl.service.ts";
import { LOCAL_TEST_NETWORKS, type LocalTestServer, startLocalServer } from "../../test/kits/local-test-server.ts";
import type { Run, RunIssue } from "./pipeline/runs.ts";
import { DOMAIN_TABLES } from "./pipeline/tables.ts";
import { thisProcess } from "./pipeline/lease-holder.ts";

const FIXTURES = path.resolve(import.meta.dirname, "fixtures/ourcommons");
const HOUSE = path.join(FIXTURES, "house");

/** ourcommons.ca's paths → the fixture files. */
function houseFile(urlPath: string): string | undefined {
	const route = new URL(urlPath, "http://local.invalid").pathname.toLowerCase();
	if (route === "/members/en/search/xml") return "members.xml";
	if (route === "/members/en/votes/xml") return "votes.xml";
	if (route === "/members/fr/votes/xml") return "votes-fr.xml";
	const division = /^\/members\/en\/votes\/(\d+)\/(\d+)\/(\d+)\/xml$/.exec(route);
	return division ? `${division[1]}-${division[2]}-${division[3]}.xml` : undefined;
}

describe.each(BACKENDS)("House of Commons records on $name", (backend) => {
	let created: TestDatabase;
	let broker: ServiceBroker;
	let server: LocalTestServer;

	beforeAll(async () => {
		created = await backend.create();
		server = await startLocalServer((_req, res, urlPath) => {
			const file = houseFile(urlPath);
			if (!file) {
				res.writeHead(404).end();
				return;
			}
			res.writeHead(200, { "content-type": "application/xml; charset=utf-8" });
			res.end(fs.readFileSync(path.join(HOUSE, file)));
		});
		broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: `etl-ourcommons-${process.pid}`, logger: false });
		broker.createService(EtlService({ database: created.config, settings: { httpMinIntervalMs: 0, schedules: [], allowPrivateNetworks: [...LOCAL_TEST_NETWORKS] } }));
		await broker.start();
	});
	afterAll(async () => {
		await broker?.stop();
		await server?.close();
		await created?.drop();
	});

	const db = () => (broker.getLocalService("etl") as unknown as DbService).db;
	const run = (params: Record<string, unknown>) => broker.call<Run, Record<string, unknown>>("etl.run", { wait: true, ...params });
	const issuesOf = async (id: string) => (await broker.call<{ issues: RunIssue[] }, { id: string }>("etl.get", { id })).issues.map((i) => i.reason);
	const ballots = async (vote: number) =>
		(await db().query<{ politician_slug: string; membership_id: string | null; ballot: string }>("SELECT politician_slug, membership_id, ballot FROM etl.ballots WHERE session = '44-1' AND vote_number = $1 ORDER BY politician_slug", [vote]))
			.rows;
	async function snapshot(): Promise<string> {
		const parts: string[] = [];
		for (const spec of DOMAIN_TABLES) {
			const { rows } = await db().query(`SELECT xmin::text AS v, to_jsonb(t) AS row FROM etl.${spec.table} t ORDER BY to_jsonb(t)::text`);
			parts.push(`${spec.table}:${JSON.stringify(rows)}`);
		}
		return parts.join("\n");
	}

	it("loads the House's divisions from files beside openparliament's data, matching members without duplicating one", async () => {
		expect((await run({ source: "openparliament", file: path.join(FIXTURES, "openparliament") })).status).toBe("succeeded");
		const before = await ballots(1);
		const politicians = (await db().query("SELECT slug FROM etl.politicians")).rows.length;

		const house = await run({ source: "ourcommons", file: HOUSE });
		expect(house.status, house.error ?? "").toBe("succeeded");
		// Members list, two vote lists, three divisions' ballots.
		expect(house.fetched).toBe(6);

		expect((await db().query("SELECT slug FROM etl.politicians")).rows).toHaveLength(politicians);
		// Division 1 was openparliament's already: the same members, the same ballots, none added.
		expect(await ballots(1)).toEqual(before);
		// Division 2 only the House has: matched by person id (Joly, Poilievre) and by name and riding (Plamondon).
		expect(await ballots(2)).toEqual([
			{ politician_slug: "louis-plamondon", membership_id: "4541", ballot: "Paired" },
			{ politician_slug: "melanie-joly", membership_id: "4529", ballot: "No" },
			{ politician_slug: "pierre-poilievre", membership_id: "4570", ballot: "Yes" }
		]);
		expect(await ballots(3)).toEqual([]);

		const votes = await db().query<{ number: number; result: string; description_fr: string | null; bill_number: string | null; yea_total: number }>(
			"SELECT number, result, description_fr, bill_number, yea_total FROM etl.votes ORDER BY number"
		);
		expect(votes.rows).toEqual([
			{ number: 1, result: "Passed", description_fr: "2e lecture du projet de loi C-10, Loi concernant certaines mesures liées à la COVID-19", bill_number: "C-10", yea_total: 2 },
			{ number: 2, result: "Failed", description_fr: "Motion de l’opposition (Abordabilité et coût de la vie)", bill_number: null, yea_total: 1 },
			{ number: 3, result: "Passed", description_fr: "3e lecture et adoption du projet de loi C-11, Loi modifiant la Loi sur la radiodiffusion", bill_number: "C-11", yea_total: 150 }
		]);

		// Matched by name and riding once, the politician keeps the House's person id for next time.
		const ids = await db().query<{ slug: string; parl_person_id: string | null }>("SELECT slug, parl_person_id FROM etl.politicians ORDER BY slug");
		expect(Object.fromEntries(ids.rows.map((r) => [r.slug, r.parl_person_id]))).toEqual({
			"louis-plamondon": "1234",
			"marc-dalton": null,
			"marc-dalton-2": null,
			"melanie-joly": "88394",
			"pierre-poilievre": "25524",
			"yves-francois-blanchet": "5678"
		});

		const issues = await issuesOf(house.id);
		expect(issues).toEqual(
			expect.arrayContaining([
				"House member Marc Dalton (Pitt Meadows—Maple Ridge) matches several politicians by name and riding: marc-dalton, marc-dalton-2; none was chosen",
				"division 44-1/1: Marc Dalton (Pitt Meadows—Maple Ridge, person id 9100) matches several politicians by name and riding: marc-dalton, marc-dalton-2; ballot not loaded",
				"House member Jane Newcomer (Nunavut) matches no politician loaded from openparliament (by person id, or by name and riding)",
				"division 44-1/1: Jane Newcomer (Nunavut, person id 999) matches no politician loaded from openparliament; ballot not loaded",
				"division 44-1/3 lists no ballots, though the House's list says 150 yeas, 140 nays, 0 paired"
			])
		);
		expect(issues).toHaveLength(5);
		// The raw documents are kept as received: the XML text and its sha256.
		const kept = await db().query<{ n: number }>("SELECT count(*)::int AS n FROM documents.raw_documents WHERE source = 'ourcommons' AND content_type = 'application/xml'");
		expect(kept.rows[0]?.n).toBe(6);
		const members = await db().query<{ text: string; checksum: string }>("SELECT text, checksum FROM documents.raw_documents WHERE key LIKE '%members.xml'");
		expect(members.rows[0]?.text).toBe(fs.readFileSync(path.join(HOUSE, "members.xml"), "utf8"));
		expect(members.rows[0]?.checksum).toBe((await import("node:crypto")).hash("sha256", fs.readFileSync(path.join(HOUSE, "members.xml"), "utf8"), "hex"));
	});

	it("loads exactly once: a rerun of the same records, from files or from the site, writes no row", async () => {
		const before = await snapshot();
		const again = await run({ source: "ourcommons", file: HOUSE });
		expect(again).toMatchObject({ status: "succeeded", inserted: 0, updated: 0 });
		const site = await run({ source: "ourcommons", url: server.url });
		expect(site).toMatchObject({ status: "succeeded", fetched: 6, inserted: 0, updated: 0 });
		expect(server.requests.map((r) => r.path)).toEqual(["/members/en/search/xml", "/members/fr/votes/xml", "/members/en/votes/xml", "/members/en/votes/44/1/1/xml", "/members/en/votes/44/1/2/xml", "/members/en/votes/44/1/3/xml"]);
		expect(await snapshot()).toBe(before);
		// And openparliament's rerun does not undo what the House added.
		expect((await run({ source: "openparliament", file: path.join(FIXTURES, "openparliament") })).status).toBe("succeeded");
		expect(await ballots(2)).toHaveLength(3);
	});

	it("resumes an interrupted run where its checkpoint says, without fetching the divisions it had loaded", async () => {
		// The interrupted run: its process is gone (a real one, started and ended), its checkpoint at
		// four documents (the members list, both vote lists and division 1).
		const gone = spawnSync(process.execPath, ["-e", ""]);
		const params = { url: server.url };
		await db().query("INSERT INTO etl.runs (id, source, status, params, node_id, started_at) VALUES ('interrupted-1', 'ourcommons', 'running', $1::jsonb, 'etl-cli-gone', now())", [JSON.stringify(params)]);
		await db().query(
			"INSERT INTO etl.run_checkpoints (run_id, source, documents, position, counts) VALUES ('interrupted-1', 'ourcommons', 4, '{\"documents\": 4}', '{\"fetched\": 4, \"inserted\": 0, \"updated\": 0, \"unchanged\": 0, \"invalid\": 0}')"
		);
		await db().query(
			"INSERT INTO etl.leases (source, run_id, holder, holder_pid, holder_host, holder_pid_namespace, expires_at) VALUES ('ourcommons', 'interrupted-1', 'etl-cli-gone', $1, $2, $3, now() + interval '10 minutes')",
			[gone.pid, os.hostname(), thisProcess("").pidNamespace]
		);
		const requestsBefore = server.requests.length;
		const resumed = await run({ source: "ourcommons", ...params });
		expect(resumed).toMatchObject({ status: "succeeded", resumedFrom: "interrupted-1", fetched: 6, inserted: 0, updated: 0 });
		// The lists are read again (they say which divisions there are); division 1 is not.
		expect(server.requests.slice(requestsBefore).map((r) => r.path)).toEqual(["/members/en/search/xml", "/members/fr/votes/xml", "/members/en/votes/xml", "/members/en/votes/44/1/2/xml", "/members/en/votes/44/1/3/xml"]);
	});
});
