/**
 * GET /api/v1/etl/issues through the real gateway on PostgreSQL 15 and PGlite 18: an ocd run over
 * the fixture folder (bad-ridings.csv is there for its issues) is started on the broker (a gateway
 * caller may not name a local file), then an operator lists the open issues with their raw
 * document, filters by source and run, pages with limit/offset; bad params answer 422, anonymous
 * 401, a citizen 403.
 */
import { fileURLToPath } from "node:url";
import type { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, request, startGatewayNode } from "../../test/kits/gateway-test-kit.ts";
import { accessToken, bearer, operatorToken } from "../../test/helpers/auth.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { EtlService } from "./etl.service.ts";
import type { ListedIssue, Run } from "./pipeline/runs.ts";

const OCD = fileURLToPath(new URL("./fixtures/ocd", import.meta.url));
const OPERATOR = bearer(operatorToken());

interface IssuePage {
	objects: ListedIssue[];
	pagination: { offset: number; limit: number; total: number; next_url: string | null; previous_url: string | null };
}

describe.each(BACKENDS)("GET /api/v1/etl/issues on $name", (backend) => {
	let database: TestDatabase;
	let broker: ServiceBroker;
	let baseUrl: string;
	let run: Run;

	beforeAll(async () => {
		database = await backend.create();
		({ broker, baseUrl } = await startGatewayNode([EtlService({ database: database.config, settings: { schedules: [] } })]));
		run = await broker.call<Run, Record<string, unknown>>("etl.run", { source: "ocd", file: OCD, wait: true });
	}, 120_000);
	afterAll(async () => {
		await broker?.stop();
		await database?.drop();
	});

	const list = async (query = ""): Promise<IssuePage> => {
		const res = await request(`${baseUrl}/api/v1/etl/issues${query}`, { headers: OPERATOR });
		expect(res.status, res.text).toBe(200);
		return res.body as IssuePage;
	};

	it("lists the open issues of the latest run, each with its raw input and the raw document it was found in", async () => {
		expect(run.status).toBe("succeeded");
		expect(run.invalid).toBeGreaterThan(0);
		const page = await list("?limit=500");
		expect(page.pagination).toMatchObject({ offset: 0, limit: 500, total: page.objects.length, next_url: null, previous_url: null });
		expect(page.objects.length).toBeGreaterThan(0);
		for (const issue of page.objects) expect(issue).toMatchObject({ source: "ocd", open: true, lastRunId: run.id, reason: expect.any(String) });
		const fromBadRidings = page.objects.filter((i) => i.document?.key.includes("bad-ridings.csv"));
		expect(fromBadRidings.length).toBeGreaterThan(0);
		expect(fromBadRidings[0]?.document?.hash).toMatch(/^[0-9a-f]{64}$/);
		expect(fromBadRidings[0]?.raw).not.toBeNull();
		// Newest sighting first.
		const seen = page.objects.map((i) => i.lastSeenAt);
		expect([...seen].sort().reverse()).toEqual(seen);
	});

	it("filters by source and run, and pages with limit and offset", async () => {
		const all = await list("?limit=500");
		expect((await list("?source=openparliament")).objects).toEqual([]);
		expect((await list(`?run=${run.id}&limit=500`)).objects.map((i) => i.id)).toEqual(all.objects.map((i) => i.id));
		expect((await list("?run=no-such-run")).pagination.total).toBe(0);
		const first = await list("?source=ocd&limit=2");
		expect(first.objects.map((i) => i.id)).toEqual(all.objects.slice(0, 2).map((i) => i.id));
		expect(first.pagination).toMatchObject({ total: all.objects.length, next_url: "/api/v1/etl/issues?source=ocd&limit=2&offset=2", previous_url: null });
		const second = await list("?source=ocd&limit=2&offset=2");
		expect(second.objects.map((i) => i.id)).toEqual(all.objects.slice(2, 4).map((i) => i.id));
		expect(second.pagination.previous_url).toBe("/api/v1/etl/issues?source=ocd&limit=2&offset=0");
	});

	it("answers 422 for bad params, 401 anonymous, 403 to a citizen", async () => {
		for (const query of ["?limit=0", "?limit=abc", "?source=nowhere", "?offset=-1", "?colour=blue"]) {
			const res = await request(`${baseUrl}/api/v1/etl/issues${query}`, { headers: OPERATOR });
			expect(res.status, `${query}: ${res.text}`).toBe(422);
			expect(errorOf(res).message).toBeTruthy();
		}
		expect((await request(`${baseUrl}/api/v1/etl/issues`)).status).toBe(401);
		const citizen = await request(`${baseUrl}/api/v1/etl/issues`, { headers: bearer(accessToken("citizen")) });
		expect(citizen.status).toBe(403);
	});
});
