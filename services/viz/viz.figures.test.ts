/**
 * The charts over HTTP through the real gateway, on PostgreSQL 15 and PGlite, with the data loaded
 * by the ETL's own connectors: each figure's structure (valid against plotly.js's schema), its
 * numbers against the data (the web API's own answers and counts in SQL), French titles, 404/422,
 * and a cached figure that an ETL run invalidates.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../runtime/storage/database.ts";
import { acquireDatabase, releaseDatabase } from "../../runtime/storage/database-registry.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { type MobileNode, loadFixtures, ok, startMobileNode } from "../../test/kits/mobile-test-kit.ts";
import { CRAFTED_PARLIAMENT } from "../../test/kits/web-test-kit.ts";
import type { Figure } from "./figures/figure.ts";
import { PLOT_SCHEMA, plotSchemaProblems } from "./figures/plot-schema-check.ts";
import { VizService } from "./viz.service.ts";

type Obj = Record<string, unknown>;
const sum = (values: readonly (number | null)[]): number => values.reduce<number>((a, b) => a + (b ?? 0), 0);

describe("the schema check itself", () => {
	it("catches an unknown trace type, an unknown attribute, a wrong enumerated value and a wrong type", () => {
		expect(PLOT_SCHEMA.plotlyVersion).toMatch(/^\d+\.\d+\.\d+$/);
		expect(plotSchemaProblems({ data: [{ type: "bar", x: [1], y: [2] }], layout: { barmode: "stack", title: { text: "t" } } })).toEqual([]);
		expect(plotSchemaProblems({ data: [{ type: "pie3d" }], layout: {} })).toHaveLength(1);
		expect(plotSchemaProblems({ data: [{ type: "bar", colour: "red" }], layout: {} })[0]).toMatch(/colour: no such attribute/);
		expect(plotSchemaProblems({ data: [{ type: "bar" }], layout: { barmode: "piled" } })[0]).toMatch(/barmode: not one of/);
		expect(plotSchemaProblems({ data: [{ type: "scatter", mode: "lines+dots", x: "1" }], layout: {} })).toHaveLength(2);
	});
});

describe.each(BACKENDS)("viz charts on $name", (backend) => {
	let created: TestDatabase;
	let node: MobileNode;
	let db: Database;

	beforeAll(async () => {
		created = await backend.create();
		node = await startMobileNode(created.config, [VizService({ database: created.config })]);
		await loadFixtures(node);
		db = await acquireDatabase(created.config);
	}, 120_000);
	afterAll(async () => {
		if (db) await releaseDatabase(created.config);
		await node?.broker.stop();
		await created?.drop();
	});

	const figure = async (url: string): Promise<Figure> => {
		const f = ok<Figure>(await node.get(url));
		expect(plotSchemaProblems(f as unknown as { data: unknown[]; layout: Obj })).toEqual([]);
		return f;
	};

	it("a vote by party: stacked bars whose sums are the vote's ballots and totals", async () => {
		for (const number of [1, 2, 3, 4, 5]) {
			const f = await figure(`/api/v1/charts/votes/44-1/${number}`);
			expect(f.layout.barmode).toBe("stack");
			expect(f.data.map((t) => t.name)).toEqual(["Yes", "No", "Paired", "Didn't vote"]);
			const vote = ok<{ yea_total: number; nay_total: number; paired_total: number; party_results: { party: { short_name_en: string } | null; yes: number; no: number }[] }>(
				await node.get(`/api/v1/votes/44-1/${number}`)
			);
			const [yes, no, paired, didnt] = f.data;
			expect(sum(yes?.y ?? [])).toBe(vote.yea_total);
			expect(sum(no?.y ?? [])).toBe(vote.nay_total);
			expect(sum(paired?.y ?? [])).toBe(vote.paired_total);
			const ballots = ok<{ pagination: { total: number } }>(await node.get(`/api/v1/ballots?vote=44-1/${number}&limit=1`)).pagination.total;
			expect(sum(yes?.y ?? []) + sum(no?.y ?? []) + sum(paired?.y ?? []) + sum(didnt?.y ?? [])).toBe(ballots);
			// Party by party, the web API's party results.
			for (const r of vote.party_results) {
				const i = (yes?.x ?? []).indexOf(r.party?.short_name_en ?? "No party");
				expect([yes?.y[i], no?.y[i]]).toEqual([r.yes, r.no]);
			}
		}
		const fr = await figure("/api/v1/charts/votes/44-1/1?lang=fr");
		expect(fr.data.map((t) => t.name)).toEqual(["Pour", "Contre", "Pairé", "N'a pas voté"]);
		expect(fr.layout.title.text).toMatch(/^Vote n° 1 \(44-1\), 2022-01-10 : 3e lecture/);
		expect((await node.get("/api/v1/charts/votes/44-1/999")).status).toBe(404);
		expect((await node.get("/api/v1/charts/votes/44-1/1?lang=de")).status).toBe(422);
	});

	it("bills by stage per session: every bill once, at its latest stage", async () => {
		const f = await figure("/api/v1/charts/bills/stages");
		const sessions = ok<{ objects: { id: string }[] }>(await node.get("/api/v1/sessions")).objects.map((s) => s.id);
		expect(f.data.map((t) => t.name).sort()).toEqual(sessions.filter((s) => f.data.some((t) => t.name === s)).sort());
		for (const trace of f.data) {
			expect(sum(trace.y)).toBe(ok<{ pagination: { total: number } }>(await node.get(`/api/v1/bills?session=${String(trace.name)}&limit=1`)).pagination.total);
		}
		const one = await figure("/api/v1/charts/bills/stages?session=44-1");
		expect(one.data.map((t) => t.name)).toEqual(["44-1"]);
		// C-10 reached royal assent: the bill's own stages say so.
		const c10 = ok<{ stages: { stage: string; date: string }[] }>(await node.get("/api/v1/bills/44-1/C-10"));
		if (c10.stages.some((s) => s.stage === "royal-assent")) expect(one.data[0]?.y[one.data[0].x.indexOf("Royal assent")]).toBeGreaterThanOrEqual(1);
		expect((await figure("/api/v1/charts/bills/stages?lang=fr")).layout.xaxis.title.text).toBe("Dernière étape franchie");
	});

	it("a politician's agreement with their party by month adds up to the voting record", async () => {
		for (const slug of ["gilles-belanger", "anais-levesque"]) {
			const f = await figure(`/api/v1/charts/politicians/${slug}/agreement`);
			const trace = f.data[0];
			expect(trace?.type).toBe("scatter");
			const record = ok<{ overall: { votes_with_party: number; votes_with_party_position: number } }>(await node.get(`/api/v1/politicians/${slug}/record`));
			const counts = (trace?.customdata ?? []) as [number, number][];
			expect(sum(counts.map((c) => c[0]))).toBe(record.overall.votes_with_party);
			expect(sum(counts.map((c) => c[1]))).toBe(record.overall.votes_with_party_position);
			counts.forEach(([withParty, positioned], i) => expect(trace?.y[i]).toBe(Math.round((1000 * withParty) / positioned) / 10));
			expect(trace?.x.every((m) => /^\d{4}-\d{2}$/.test(String(m)))).toBe(true);
		}
		expect((await figure("/api/v1/charts/politicians/anais-levesque/agreement?lang=fr")).layout.title.text).toMatch(/votes avec son parti, par mois$/);
		expect((await node.get("/api/v1/charts/politicians/nobody-at-all/agreement")).status).toBe(404);
	});

	it("votes per month add up to the votes, and a cached figure follows an ETL run", async () => {
		const all = ok<{ pagination: { total: number } }>(await node.get("/api/v1/votes?limit=1")).pagination.total;
		const f = await figure("/api/v1/charts/activity");
		expect(sum(f.data[0]?.y ?? [])).toBe(all);
		const { rows } = await db.query<{ month: string; n: number }>("SELECT to_char(date, 'YYYY-MM') AS month, count(*)::int AS n FROM etl.votes GROUP BY 1 ORDER BY 1");
		expect(f.data[0]?.x).toEqual(rows.map((r) => r.month));
		expect(f.data[0]?.y).toEqual(rows.map((r) => r.n));
		expect(sum((await figure("/api/v1/charts/activity?session=43-2")).data[0]?.y ?? [])).toBe(ok<{ pagination: { total: number } }>(await node.get("/api/v1/votes?session=43-2&limit=1")).pagination.total);

		// A new vote through the ETL: the cached figure is cleaned, the next answer counts it.
		const { objects } = JSON.parse(readFileSync(CRAFTED_PARLIAMENT, "utf8")) as { objects: Obj[] };
		const vote1 = objects.find((o) => o.url === "/votes/44-1/1/") as Obj;
		const dir = await mkdtemp(path.join(tmpdir(), "viz-"));
		try {
			const file = path.join(dir, "vote.json");
			writeFileSync(file, JSON.stringify({ objects: [{ ...vote1, url: "/votes/44-1/77/", number: 77, date: "2030-06-15", party_votes: [] }] }));
			expect(await node.load("openparliament", file)).toMatchObject({ status: "succeeded" });
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
		const after = await figure("/api/v1/charts/activity");
		expect(after.data[0]?.x.at(-1)).toBe("2030-06");
		expect(sum(after.data[0]?.y ?? [])).toBe(all + 1);
	});
});
