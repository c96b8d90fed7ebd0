/**
 * Follows and stances through a real gateway with signed-in users (tokens from the gateway's own
 * keyring), on PostgreSQL 15 and PGlite: 401 for anonymous callers, users never see each other's
 * follows, one stance per citizen with counts, and the events notifications will act on.
 */
import { randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JsonResponse, errorOf, request } from "../../../test/kits/gateway-test-kit.ts";
import { BACKENDS, type TestDatabase } from "../../../test/storage/test-databases.ts";
import { accessToken, bearer } from "../../../test/helpers/auth.ts";
import { waitFor } from "../../../test/helpers/wait-for.ts";
import { insertPoliticians, insertTrickyBills } from "../../../test/kits/export-fixtures.ts";
import { type WebNode, startWebNode } from "../../../test/kits/web-mixins-test-kit.ts";
import { FOLLOW_CREATED_EVENT, FOLLOW_DELETED_EVENT, type FollowEvent, STANCE_CHANGED_EVENT, type StanceEvent } from "./citizen-events.ts";
import { stanceCounts } from "./citizen-store.ts";
import { CitizenActionsMixin, type FollowJson, type StanceJson } from "./citizen.mixin.ts";

interface Heard {
	name: string;
	payload: unknown;
}

function listener(heard: Heard[]): ServiceSchema {
	const record = (name: string) => ({ handler: (ctx: Context<unknown>) => void heard.push({ name, payload: ctx.params }) });
	return {
		name: "citizen-events-listener",
		events: { [FOLLOW_CREATED_EVENT]: record(FOLLOW_CREATED_EVENT), [FOLLOW_DELETED_EVENT]: record(FOLLOW_DELETED_EVENT), [STANCE_CHANGED_EVENT]: record(STANCE_CHANGED_EVENT) }
	};
}

describe.each(BACKENDS)("citizen routes on $name", (backend) => {
	let database: TestDatabase;
	let node: WebNode;
	const heard: Heard[] = [];
	const alice = { id: randomUUID(), headers: {} as Record<string, string> };
	const bob = { id: randomUUID(), headers: {} as Record<string, string> };

	const call = (method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<JsonResponse> =>
		request(`${node.baseUrl}/api/v1${path}`, {
			method,
			headers: { ...headers, ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
			...(body !== undefined ? { body: JSON.stringify(body) } : {})
		});

	beforeAll(async () => {
		database = await backend.create();
		node = await startWebNode(database.config, { mixins: [CitizenActionsMixin()], services: [listener(heard)] });
		await insertTrickyBills(node.db);
		await insertPoliticians(node.db, 3);
		alice.headers = bearer(accessToken("citizen", alice.id));
		bob.headers = bearer(accessToken("citizen", bob.id));
	}, 120_000);

	afterAll(async () => {
		await node?.broker.stop();
		await database?.drop();
	});

	it("answers 401 to anonymous callers on every route", async () => {
		const routes: [string, string, unknown?][] = [
			["GET", "/me/follows"],
			["POST", "/me/follows", { bill: "44-1/C-2" }],
			["DELETE", `/me/follows/${randomUUID()}`],
			["PUT", "/bills/44-1/C-2/stance", { stance: "support" }],
			["DELETE", "/bills/44-1/C-2/stance"]
		];
		for (const [method, path, body] of routes) {
			const res = await call(method, path, {}, body);
			expect(res.status, `${method} ${path}`).toBe(401);
			expect(errorOf(res).type).toBe("UNAUTHORIZED");
		}
	});

	it("follows a bill, a politician and a search; a repeated follow answers the existing one", async () => {
		const bill = await call("POST", "/me/follows", alice.headers, { bill: "44-1/C-2" });
		expect(bill.status).toBe(201);
		const created = bill.body as FollowJson;
		expect(created).toMatchObject({ kind: "bill", bill: "44-1/C-2" });
		expect(bill.headers.get("location")).toBe(`/api/v1/me/follows/${created.id}`);
		const again = await call("POST", "/me/follows", alice.headers, { bill: "44-1/C-2" });
		expect(again.status).toBe(200);
		expect((again.body as FollowJson).id).toBe(created.id);
		expect((await call("POST", "/me/follows", alice.headers, { politician: "member-1" })).status).toBe(201);
		const search = await call("POST", "/me/follows", alice.headers, { search: "  Climate   CHANGE " });
		expect(search.body).toMatchObject({ kind: "search", search: "climate change" });
		expect((await call("POST", "/me/follows", alice.headers, { search: "climate change" })).status).toBe(200);

		const list = await call("GET", "/me/follows?limit=2", alice.headers);
		expect(list.status).toBe(200);
		const page = list.body as { objects: FollowJson[]; pagination: Record<string, unknown> };
		expect(page.objects.map((f) => f.kind)).toEqual(["bill", "politician"]);
		expect(page.pagination).toEqual({ offset: 0, limit: 2, total: 3, next_url: "/api/v1/me/follows?limit=2&offset=2", previous_url: null });
		const last = (await call("GET", "/me/follows?limit=2&offset=2", alice.headers)).body as { objects: FollowJson[]; pagination: Record<string, unknown> };
		expect(last.objects.map((f) => f.kind)).toEqual(["search"]);
		expect(last.pagination).toMatchObject({ next_url: null, previous_url: "/api/v1/me/follows?limit=2&offset=0" });
		expect(((await call("GET", "/me/follows?offset=50", alice.headers)).body as { objects: unknown[] }).objects).toEqual([]);

		await waitFor(() => heard.filter((h) => h.name === FOLLOW_CREATED_EVENT).length === 3, { message: "three follow.created events, none for the repeats" });
		expect(heard.find((h) => h.name === FOLLOW_CREATED_EVENT)?.payload).toMatchObject({ id: created.id, userId: alice.id, kind: "bill", target: "44-1/C-2" } satisfies Partial<FollowEvent>);
	});

	it("answers 404 for an unknown bill or politician and 422 for a body that names none or two", async () => {
		expect((await call("POST", "/me/follows", alice.headers, { bill: "44-1/C-999" })).status).toBe(404);
		expect((await call("POST", "/me/follows", alice.headers, { politician: "nobody-here" })).status).toBe(404);
		for (const body of [{}, { bill: "44-1/C-2", politician: "member-1" }, { bill: "C-2" }, { colour: "red" }, { search: "   " }]) {
			const res = await call("POST", "/me/follows", alice.headers, body);
			expect(res.status, JSON.stringify(body)).toBe(422);
		}
		expect((await call("GET", "/me/follows?limit=501", alice.headers)).status).toBe(422);
		expect((await call("DELETE", "/me/follows/not-a-uuid", alice.headers)).status).toBe(422);
	});

	it("never shows, nor lets anyone delete, another user's follows", async () => {
		const mine = ((await call("GET", "/me/follows", alice.headers)).body as { objects: FollowJson[] }).objects;
		expect(mine.length).toBe(3);
		const theirs = await call("GET", "/me/follows", bob.headers);
		expect(theirs.body).toMatchObject({ objects: [], pagination: { total: 0 } });
		const target = mine[0]?.id ?? "";
		expect((await call("GET", `/me/follows/${target}`, bob.headers)).status).toBe(404);
		expect((await call("DELETE", `/me/follows/${target}`, bob.headers)).status).toBe(404);
		expect((await call("GET", `/me/follows/${target}`, alice.headers)).status).toBe(200);
		// Bob following the same bill is his own follow, with its own id.
		const his = (await call("POST", "/me/follows", bob.headers, { bill: "44-1/C-2" })).body as FollowJson;
		expect(his.id).not.toBe(target);

		const deleted = await call("DELETE", `/me/follows/${target}`, alice.headers);
		expect(deleted.status).toBe(204);
		expect((await call("DELETE", `/me/follows/${target}`, alice.headers)).status).toBe(404);
		expect(((await call("GET", "/me/follows", alice.headers)).body as { objects: FollowJson[] }).objects.map((f) => f.id)).not.toContain(target);
		await waitFor(() => heard.some((h) => h.name === FOLLOW_DELETED_EVENT && (h.payload as FollowEvent).id === target), { message: "follow.deleted" });
	});

	it("keeps one stance per citizen and counts them", async () => {
		const carol = bearer(accessToken("editor", randomUUID()));
		const put = (headers: Record<string, string>, stance: string) => call("PUT", "/bills/44-1/C-3/stance", headers, { stance });
		expect((await put(alice.headers, "support")).body).toEqual({ bill: "44-1/C-3", stance: "support", counts: { support: 1, oppose: 0 } } satisfies StanceJson);
		await put(alice.headers, "support");
		await put(bob.headers, "oppose");
		expect((await put(carol, "support")).body).toMatchObject({ counts: { support: 2, oppose: 1 } });
		// Changing one's mind replaces the stance, it does not add one.
		expect((await put(alice.headers, "oppose")).body).toMatchObject({ stance: "oppose", counts: { support: 1, oppose: 2 } });
		const withdrawn = await call("DELETE", "/bills/44-1/C-3/stance", bob.headers);
		expect(withdrawn.body).toEqual({ bill: "44-1/C-3", stance: null, counts: { support: 1, oppose: 1 } });

		const counts = await stanceCounts(node.db, ["44-1/C-3", "44-1/C-2", "44-1/C-3"]);
		expect(Object.fromEntries(counts)).toEqual({ "44-1/C-3": { support: 1, oppose: 1 }, "44-1/C-2": { support: 0, oppose: 0 } });
		await waitFor(() => heard.some((h) => h.name === STANCE_CHANGED_EVENT && (h.payload as StanceEvent).stance === null), { message: "stance.changed for the withdrawal" });

		expect((await call("PUT", "/bills/44-1/C-404/stance", alice.headers, { stance: "support" })).status).toBe(404);
		const bad = await call("PUT", "/bills/44-1/C-3/stance", alice.headers, { stance: "maybe" });
		expect(bad.status).toBe(422);
		expect(JSON.stringify(errorOf(bad).data)).toContain('"field":"stance"');
		expect((await call("PUT", "/bills/44-1/X-3/stance", alice.headers, { stance: "support" })).status).toBe(422);
	});
});
