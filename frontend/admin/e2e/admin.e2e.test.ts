/**
 * The admin dashboard end to end: a real node (all twelve services, PostgreSQL), a local HTTP
 * server standing in for openparliament.ca (named in ETL_URL_ALLOWLIST), the built app served by
 * the gateway at /admin/, driven in Debian's headless Chromium. The admin enrols TOTP at the first
 * sign-in, watches a second node come up and go down live, a citizen is refused, an ETL run is
 * watched to its end and the open data-quality issues listed, a config key is refused then changed
 * and rolled back, and the Deployments page shows a wanted topology against the live cluster and its drift.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, freePort, http, pause } from "../../../test/helpers/cluster.ts";
import { totpCodeForStep, totpStep } from "../../../services/auth/core/totp.ts";
import { LOCAL_TEST_NETWORKS, type LocalTestServer, startLocalServer } from "../../../test/kits/local-test-server.ts";
import { servePages } from "../../../test/kits/synthetic-parliament.ts";
import { type ConsoleWatch, launchChromium, watchConsole } from "../../e2e/browser.ts";
import { ADMIN, type PlatformNode, startPlatformNode } from "../../e2e/platform-node.ts";

const UI_MS = 20_000;
const SCREENSHOTS = path.join(PROJECT_ROOT, "test-results/admin-app");

let platform: PlatformNode;
let source: LocalTestServer;
let browser: Browser;
let admin: { context: BrowserContext; page: Page; watch: ConsoleWatch };
const watches: ConsoleWatch[] = [];

async function newPage(): Promise<{ context: BrowserContext; page: Page; watch: ConsoleWatch }> {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-CA" });
	const page = await context.newPage();
	page.setDefaultTimeout(UI_MS);
	// No 404 is expected: every route the dashboard calls is published.
	const watch = watchConsole(page);
	watches.push(watch);
	return { context, page, watch };
}

async function visible(locator: Locator): Promise<Locator> {
	await locator.first().waitFor({ state: "visible", timeout: UI_MS });
	return locator;
}

async function until(read: () => Promise<string | null>, expected: RegExp | string, what: string): Promise<void> {
	const deadline = Date.now() + UI_MS;
	for (;;) {
		const last = await read();
		if (last !== null && (typeof expected === "string" ? last === expected : expected.test(last))) return;
		if (Date.now() > deadline) throw new Error(`${what}: expected ${String(expected)}, saw ${JSON.stringify(last)}`);
		await pause(100);
	}
}

async function screenshot(page: Page, name: string): Promise<void> {
	await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function adminApi<T>(pathname: string, send?: { method: "PUT" | "POST"; body: unknown }): Promise<T> {
	const token = await admin.page.evaluate("JSON.parse(localStorage.getItem('openpolicy.admin.session')).accessToken");
	const headers: Record<string, string> = { authorization: `Bearer ${String(token)}`, ...(send ? { "content-type": "application/json" } : {}) };
	const res = await http(platform.url(pathname), { headers, ...(send ? { method: send.method, body: send.body } : {}), timeoutMs: 15_000 });
	if (res.status !== 200) throw new Error(`${pathname}: ${res.status} ${res.text.slice(0, 200)}`);
	return JSON.parse(res.text) as T;
}

beforeAll(async () => {
	mkdirSync(SCREENSHOTS, { recursive: true });
	// A few pages answered slowly enough that the run is seen running before it ends.
	source = await startLocalServer(servePages({ size: { politicians: 12, bills: 8, votes: 4, ballotsPerVote: 3 }, pageSize: 4, delayMs: () => 150 }));
	platform = await startPlatformNode({
		name: "admin-e2e",
		loadData: false,
		env: { ETL_URL_ALLOWLIST: new URL(source.url).origin, ETL_ALLOW_PRIVATE_NETWORKS: LOCAL_TEST_NETWORKS.join(","), ETL_HTTP_MIN_INTERVAL_MS: "0" }
	});
	browser = await launchChromium();
	admin = await newPage();
}, 240_000);

afterAll(async () => {
	await browser?.close();
	await platform?.stop();
	await source?.close();
}, 60_000);

afterEach(() => {
	for (const watch of watches) expect(watch.errors.splice(0), `console errors\n${platform.logs().slice(-2000)}`).toEqual([]);
});

describe("the admin dashboard in Chromium", () => {
	it("the admin enrols TOTP at the first sign-in (QR code, recovery codes once) and sees the cluster live", async () => {
		const { page } = admin;
		const res = await page.goto(platform.url("/admin/"));
		expect(res?.status()).toBe(200);
		expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
		expect(res?.headers()["cache-control"]).toBe("no-cache");
		// A deep link is the dashboard's index.html; its hashed assets are immutable under /admin/assets/.
		const deep = await http(platform.url("/admin/config"), { timeoutMs: 15_000 });
		expect(deep.status).toBe(200);
		const asset = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(deep.text)?.[1];
		expect(asset, deep.text).toBeDefined();
		const script = await http(platform.url(asset), { timeoutMs: 15_000 });
		expect(script.status).toBe(200);
		expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
		await page.getByLabel("Email").fill(ADMIN.email);
		await page.getByLabel("Password").fill(ADMIN.password);
		await page.getByRole("button", { name: "Sign in" }).click();
		const qr = await visible(page.getByTestId("qr-code"));
		expect(await qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
		const secret = ((await page.getByTestId("totp-secret").textContent()) ?? "").trim();
		expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
		await screenshot(page, "enrol");
		await page.getByLabel("Six-digit code").fill(totpCodeForStep(secret, totpStep(Date.now())));
		await page.getByRole("button", { name: "Turn on and sign in" }).click();
		const codes = await visible(page.getByTestId("recovery-codes").getByRole("listitem"));
		expect(await codes.count()).toBe(10);
		await page.getByRole("button", { name: /continue/ }).click();

		await visible(page.getByRole("heading", { name: "Cluster", level: 1 }));
		await until(() => page.getByTestId("stream-state").getAttribute("data-state"), "open", "the event stream");
		await until(() => page.getByTestId(`node-${platform.node.nodeID}`).getAttribute("data-state"), "up", "the node");
		await until(() => page.getByTestId("service-etl").getAttribute("data-state"), "up", "the etl service");

		// A second node joins and is killed: both seen on the page as they happen, without a reload.
		const extra = await platform.cluster.startNode({ nodeID: "admin-e2e-extra", services: ["viz"], port: await freePort(), env: { ETL_SCHEDULES: "" } });
		await until(() => page.getByTestId("node-admin-e2e-extra").getAttribute("data-state"), "up", "the second node joining");
		await extra.kill();
		await until(() => page.getByTestId("node-admin-e2e-extra").getAttribute("data-state"), "down", "the second node killed");
		expect(await page.getByTestId("transitions").textContent()).toMatch(/node admin-e2e-extra: up → down/);
		await screenshot(page, "cluster");
	});

	it("a citizen's sign-in is refused by the API and the page says so", async () => {
		const citizen = { email: "citizen-admin-e2e@example.org", password: "a citizen's rather long password" };
		const created = await http(platform.url("/api/v1/auth/register"), { method: "POST", headers: { "content-type": "application/json" }, body: { ...citizen, displayName: "Citizen" }, timeoutMs: 15_000 });
		expect(created.status, created.text).toBeLessThan(300);
		const { page, context, watch } = await newPage();
		await page.goto(platform.url("/admin/alerts"));
		await page.getByLabel("Email").fill(citizen.email);
		await page.getByLabel("Password").fill(citizen.password);
		await page.getByRole("button", { name: "Sign in" }).click();
		const refusal = await visible(page.getByRole("alert"));
		expect(await refusal.textContent()).toContain("This account (citizen) may not use the admin dashboard");
		expect(await page.evaluate("localStorage.getItem('openpolicy.admin.session')")).toBeNull();
		expect(await page.getByRole("navigation", { name: "Admin" }).getByRole("link").count()).toBe(0);
		// The API's refusal is logged by Chromium as a failed load: the one failure this test expects.
		expect(watch.errors.splice(0)).toEqual([expect.stringMatching(/status of 403 .*\/api\/v1\/health\/cluster/)]);
		await screenshot(page, "citizen-refused");
		await context.close();
	});

	it("starts an ETL run and watches its progress to the end", async () => {
		const { page } = admin;
		await page.getByRole("link", { name: "ETL" }).click();
		await visible(page.getByRole("heading", { name: "ETL runs" }));
		await page.getByLabel("Source").selectOption("openparliament");
		await page.getByLabel("URL (optional)").fill(source.url);
		await page.getByRole("button", { name: "Start" }).click();
		const row = page.locator("[data-testid^=run-]").first();
		await visible(row);
		const runId = ((await row.getAttribute("data-testid")) ?? "").slice("run-".length);
		await until(() => row.getAttribute("data-status"), "succeeded", "the run");
		const run = await adminApi<{ status: string; progress: { pages: number; documents: number } }>(`/api/v1/etl/runs/${runId}`);
		expect(run.status).toBe("succeeded");
		expect(await row.textContent()).toContain(`${run.progress.pages} pages, ${run.progress.documents} documents`);
		expect(run.progress.pages).toBeGreaterThan(1);
		// The issues section is read again when the run ends: what it shows is what the route answers.
		const issues = await adminApi<{ objects: { id: number; reason: string }[] }>("/api/v1/etl/issues?limit=50");
		const first = issues.objects[0];
		if (first) expect(await (await visible(page.getByTestId(`issue-${first.id}`))).textContent()).toContain(first.reason);
		else await visible(page.getByTestId("no-issues").getByText("No open data-quality issues."));
		expect(await page.getByText("This part of the platform is not available yet.").count()).toBe(0);
		await screenshot(page, "etl");
	});

	it("edits a config key: the schema's message for a bad value, then a valid one, then a rollback", async () => {
		const { page } = admin;
		await page.getByRole("link", { name: "Configuration" }).click();
		await page.getByLabel("Key").selectOption("etl.http.minIntervalMs");
		const editor = await visible(page.getByTestId("config-editor"));
		await editor.getByLabel("Value (JSON)").fill("-5");
		await editor.getByLabel("Reason").fill("e2e: a value the schema refuses");
		await editor.getByRole("button", { name: "Save" }).click();
		expect(await (await visible(page.getByTestId("config-problem"))).textContent()).toMatch(/value: Too small: expected number to be >=0/);
		// The refused PUT is logged by Chromium as a failed load: that one is what this step expects.
		const refused = admin.watch.errors.findIndex((e) => /status of 422 .*\/api\/v1\/config\/etl\.http\.minIntervalMs/.test(e));
		expect(refused).toBeGreaterThanOrEqual(0);
		admin.watch.errors.splice(refused, 1);
		await screenshot(page, "config-invalid");

		for (const [value, version] of [["400", 1], ["500", 2]] as const) {
			await editor.getByLabel("Value (JSON)").fill(value);
			await editor.getByLabel("Reason").fill(`e2e: set ${value}`);
			await editor.getByRole("button", { name: "Save" }).click();
			await until(() => page.getByTestId("config-saved").textContent(), `Saved as version ${version}.`, `saving ${value}`);
		}
		await visible(page.getByTestId("config-version-2"));
		await page.getByRole("button", { name: "Roll back to version 1" }).click();
		await until(() => page.getByTestId("config-saved").textContent(), "Saved as version 3.", "the rollback");
		const entry = await adminApi<{ value: unknown; version: number }>("/api/v1/config/etl.http.minIntervalMs");
		expect(entry).toMatchObject({ value: 400, version: 3 });
		await visible(page.getByTestId("config-version-3"));
		await screenshot(page, "config");
	});

	it("alerts: the killed node's alert is acknowledged and silenced; deployments, users and notifications pages", async () => {
		const { page } = admin;
		await page.getByRole("link", { name: "Alerts" }).click();
		await visible(page.getByRole("heading", { name: "Firing and pending" }));
		// The node killed in the first test fires node_down (no pending time for it).
		const alert = page.getByRole("row").filter({ hasText: "node_down" }).filter({ hasText: "admin-e2e-extra" });
		await visible(alert);
		await alert.getByRole("button", { name: "Acknowledge" }).click();
		await visible(alert.getByText(/Acknowledged by/));
		await page.getByLabel("Rule", { exact: true }).selectOption("node_down");
		await page.getByLabel("Subject", { exact: true }).fill("admin-e2e-extra");
		await page.getByLabel("Reason").fill("e2e maintenance window");
		await page.getByLabel("Minutes").fill("30");
		await page.getByRole("button", { name: "Silence", exact: true }).click();
		await visible(page.getByRole("cell", { name: "e2e maintenance window" }));
		await screenshot(page, "alerts");

		// A wanted topology: one etl (as live) and two viz (one live since the extra node was killed).
		const stored = await adminApi<{ version: number }>("/api/v1/deployment/topology", {
			method: "PUT",
			body: { services: { etl: { replicas: 1, version: null }, viz: { replicas: 2, version: null } }, reason: "e2e: wanted topology", expectedVersion: 0 }
		});
		await page.getByRole("link", { name: "Deployments" }).click();
		await until(() => page.getByTestId("topology-version").textContent(), new RegExp(`^Version ${stored.version}, by .*: e2e: wanted topology$`), "the topology version");
		const etlRow = await visible(page.getByTestId("topology-etl"));
		expect(await etlRow.getByRole("cell").allTextContents()).toEqual(["1", `1 (${platform.node.nodeID})`, "any"]);
		expect(await (await visible(page.getByTestId("topology-viz"))).getByRole("cell").first().textContent()).toBe("2");
		const vizDrift = await visible(page.getByTestId("drift-viz/missing_replicas"));
		expect(await vizDrift.textContent()).toContain("missing_replicas");
		expect(await page.getByTestId("drift-etl/missing_replicas").count()).toBe(0);
		await screenshot(page, "deployments");
		await page.getByRole("link", { name: "Users" }).click();
		await visible(page.getByRole("cell", { name: ADMIN.email }));
		await page.getByRole("link", { name: "Notifications" }).click();
		await visible(page.getByText(/By status:/));
		await screenshot(page, "notifications");
	});
});
