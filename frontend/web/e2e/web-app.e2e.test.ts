/**
 * The public web app end to end: a real node (all twelve services, PostgreSQL), data loaded
 * through the ETL, the built app served by the gateway, driven in Debian's headless Chromium.
 * Each check reads what the page shows and compares it with what the API answers.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, http, pause } from "../../../test/helpers/cluster.ts";
import { type ConsoleWatch, launchChromium, watchConsole } from "../../e2e/browser.ts";
import { ADMIN, type PlatformNode, startPlatformNode } from "../../e2e/platform-node.ts";
import { totpCodeForStep, totpStep } from "../../../services/auth/core/totp.ts";
import type { Run } from "../../../services/etl/pipeline/runs.ts";
import { CRAFTED_PARLIAMENT } from "../../../test/kits/web-test-kit.ts";

/** Longest a page may take to show something after an action, on a busy 2-core machine. */
const UI_MS = 15_000;
const SCREENSHOTS = path.join(PROJECT_ROOT, "test-results/web-app");

let platform: PlatformNode;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleWatch: ConsoleWatch;

interface ApiList<T> {
	objects: T[];
	pagination: { total: number };
}

async function api<T>(pathname: string): Promise<T> {
	const res = await http(platform.url(pathname), { timeoutMs: 15_000 });
	if (res.status !== 200) throw new Error(`${pathname}: ${res.status} ${res.text.slice(0, 200)}`);
	return JSON.parse(res.text) as T;
}

async function visible(locator: Locator): Promise<Locator> {
	await locator.first().waitFor({ state: "visible", timeout: UI_MS });
	return locator;
}

async function textOf(locator: Locator): Promise<string> {
	return ((await (await visible(locator)).first().textContent()) ?? "").trim();
}

/** Polls the page until `read` returns what is expected (the app renders asynchronously). */
async function until<T>(read: () => Promise<T>, expected: T, what: string): Promise<void> {
	const deadline = Date.now() + UI_MS;
	let last: T | undefined;
	for (;;) {
		last = await read();
		if (JSON.stringify(last) === JSON.stringify(expected)) return;
		if (Date.now() > deadline) throw new Error(`${what}: expected ${JSON.stringify(expected)}, saw ${JSON.stringify(last)}`);
		await pause(100);
	}
}

async function screenshot(name: string): Promise<void> {
	await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
	await page.setViewportSize({ width: 360, height: 740 });
	await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-360.png`), fullPage: true });
	await page.setViewportSize({ width: 1280, height: 800 });
}

interface AxeViolation {
	id: string;
	impact: string | null;
	help: string;
	nodes: { target: unknown }[];
}

/**
 * axe-core on the page as it is. Its source is evaluated through the DevTools protocol, which the
 * page's CSP does not govern, so the app's own CSP stays as strict as in production.
 */
async function seriousViolations(): Promise<string[]> {
	const { source } = (await import("axe-core")).default;
	await page.evaluate(source);
	const violations = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)")) as AxeViolation[];
	return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}


/**
 * The crafted parliament as openparliament would publish it a day later: one bill moved on to
 * committee, everything else as it was, so the ETL's rerun changes that bill only.
 */
function parliamentWhereBillMoved(dir: string, url: string, status: { code: string; en: string }): string {
	const source = JSON.parse(readFileSync(CRAFTED_PARLIAMENT, "utf8")) as { objects: Array<Record<string, unknown>> };
	let found = 0;
	const objects = source.objects.map((item) => {
		if (item.url !== url) return item;
		found++;
		return { ...item, status_code: status.code, status: { en: status.en } };
	});
	if (found !== 1) throw new Error(`The crafted parliament has ${found} items at ${url}`);
	const file = path.join(dir, "parliament-next-day.json");
	writeFileSync(file, JSON.stringify({ objects }));
	return file;
}

async function signUp(name: string): Promise<{ email: string; token: () => Promise<string> }> {
	await page.goto(platform.url("/account"));
	const email = `${name.toLowerCase().replace(/\W+/g, "-")}-${Date.now()}@example.org`;
	const signUpForm = page.getByRole("form", { name: "Create an account" });
	await signUpForm.getByLabel("Name shown to you").fill(name);
	await signUpForm.getByLabel("Email").fill(email);
	await signUpForm.getByLabel("Password").fill("a long and quiet river at dawn");
	await signUpForm.getByRole("button", { name: "Create an account" }).click();
	expect(await textOf(page.getByTestId("signed-in-as"))).toContain(email);
	// The app's own session, so the test reads the API as this citizen does.
	const token = async () => ((await page.evaluate("JSON.parse(localStorage.getItem('openpolicy.session')).accessToken")) as string);
	return { email, token };
}

beforeAll(async () => {
	mkdirSync(SCREENSHOTS, { recursive: true });
	platform = await startPlatformNode();
	browser = await launchChromium();
}, 240_000);

afterAll(async () => {
	await browser?.close();
	await platform?.stop();
}, 60_000);

async function freshPage(): Promise<void> {
	await context?.close();
	context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-CA" });
	page = await context.newPage();
	page.setDefaultTimeout(UI_MS);
	consoleWatch = watchConsole(page);
}

afterEach(() => {
	expect(consoleWatch.errors.splice(0), `console errors\n${platform.logs().slice(-2000)}`).toEqual([]);
});

describe("the public web app in Chromium", () => {
	it("home: data freshness, recent votes and bills, landmarks, no serious axe violation", async () => {
		await freshPage();
		const res = await page.goto(platform.url("/"));
		expect(res?.status()).toBe(200);
		expect(await textOf(page.getByTestId("freshness"))).toMatch(/^Data updated (now|\d+ seconds? ago|\d+ minutes? ago)/);
		const votes = await api<ApiList<{ description_en: string }>>("/api/v1/votes?sort=-date&limit=5");
		const recent = page.getByRole("region", { name: "Recent votes" }).getByRole("link");
		await visible(recent);
		expect(await recent.allTextContents()).toEqual(votes.objects.map((v) => v.description_en));
		await visible(page.getByRole("region", { name: "Bills that moved" }).getByRole("link", { name: /C-10/ }));
		expect(await page.getByRole("banner").count()).toBe(1);
		expect(await page.getByRole("main").count()).toBe(1);
		expect(await page.getByRole("contentinfo").count()).toBe(1);
		expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(1);
		expect(await page.getByRole("combobox", { name: "Search bills and members" }).count()).toBe(1);
		expect(await seriousViolations()).toEqual([]);
		await screenshot("home");
	});

	it("search type-ahead by keyboard only: type, arrow down, Enter opens the bill", async () => {
		await freshPage();
		await page.goto(platform.url("/"));
		const box = page.getByRole("combobox", { name: "Search bills and members" });
		await visible(box);
		// Keyboard only: Tab from the top of the page reaches the skip link, then the search box.
		await page.keyboard.press("Tab");
		expect(await page.evaluate("document.activeElement.textContent")).toBe("Skip to content");
		await box.focus();
		await page.keyboard.type("wat");
		const option = page.getByRole("option", { name: /Water Agreement Act/ });
		await visible(option);
		expect(await box.getAttribute("aria-expanded")).toBe("true");
		await page.keyboard.press("ArrowDown");
		expect(await option.getAttribute("aria-selected")).toBe("true");
		await page.keyboard.press("Enter");
		await page.waitForURL(/\/bills\/44-1\/C-10$/);
		expect(await textOf(page.getByRole("heading", { level: 1 }))).toContain("C-10");
	});

	it("the search page lists what the API finds, in French words too, with the matches marked", async () => {
		await freshPage();
		await page.goto(platform.url("/search?q=eau"));
		const found = await api<ApiList<{ title: string }>>("/api/v1/search?q=eau");
		expect(found.pagination.total).toBeGreaterThan(0);
		const results = page.getByTestId("search-results").getByRole("listitem");
		await visible(results);
		expect(await results.count()).toBe(found.objects.length);
		expect(await page.getByTestId("search-results").getByRole("link").allTextContents()).toEqual(found.objects.map((o) => o.title));
		expect(await page.getByTestId("search-results").locator("mark").first().textContent()).toBe("eau");
		expect(await seriousViolations()).toEqual([]);
		await screenshot("search");
	});

	it("bills: the list filters by session, as the API does", async () => {
		await freshPage();
		await page.goto(platform.url("/bills"));
		const all = await api<ApiList<{ number: string }>>("/api/v1/bills?limit=500");
		await until(() => textOf(page.getByTestId("bills-count")), `${all.pagination.total} bills`, "bill count");
		await page.getByLabel("Session").selectOption("43-2");
		await page.getByRole("button", { name: "Apply" }).click();
		await page.waitForURL(/session=43-2/);
		const filtered = await api<ApiList<{ number: string }>>("/api/v1/bills?session=43-2&limit=500");
		expect(filtered.pagination.total).toBeLessThan(all.pagination.total);
		await until(() => textOf(page.getByTestId("bills-count")), `${filtered.pagination.total} bills`, "filtered bill count");
		const numbers = await page.locator("tbody tr td:first-child").allTextContents();
		expect(numbers).toEqual(filtered.objects.map((b) => b.number));
		expect(await seriousViolations()).toEqual([]);
		await screenshot("bills");
	});

	it("a bill page, reloaded from its deep link, shows the bill, its sponsor and its votes", async () => {
		await freshPage();
		const res = await page.goto(platform.url("/bills/44-1/C-10"));
		expect(res?.status()).toBe(200);
		expect(res?.headers()["content-type"]).toMatch(/text\/html/);
		expect(res?.headers()["cache-control"]).toBe("no-cache");
		expect(await textOf(page.getByRole("heading", { level: 1 }))).toBe("C-10 Water Agreement Act");
		await page.reload();
		expect(await textOf(page.getByRole("heading", { level: 1 }))).toBe("C-10 Water Agreement Act");
		const bill = await api<{ sponsor: { name: string }; votes: { description_en: string }[]; stances: { support: number; oppose: number } }>("/api/v1/bills/44-1/C-10");
		await visible(page.getByRole("link", { name: bill.sponsor.name }));
		const votes = page.getByRole("region", { name: "Votes on this bill" }).getByRole("link");
		await visible(votes);
		expect(await votes.allTextContents()).toEqual(bill.votes.map((v) => v.description_en));
		expect(await textOf(page.getByTestId("stance-counts"))).toBe(`${bill.stances.support} support, ${bill.stances.oppose} oppose`);
		// The viz service's figure, drawn by plotly.
		const chart = page.getByRole("region", { name: "How the parties voted (latest vote)" });
		await visible(chart.locator(".chart[data-plotted='true']"));
		expect(await seriousViolations()).toEqual([]);
		await screenshot("bill");
	});

	it("a politician page shows the record in figures and the dissent list the API computes", async () => {
		await freshPage();
		// The member who voted against her party on vote 1 of the crafted parliament.
		const slug = "cleo-gagnon";
		const record = await api<{ overall: Record<string, number | null>; dissent: unknown[] }>(`/api/v1/politicians/${slug}/record`);
		expect(record.dissent.length).toBeGreaterThan(0);
		await page.goto(platform.url(`/politicians/${slug}`));
		const figures = page.getByTestId("record-overall");
		await visible(figures);
		const format = (n: number | null | undefined, digits = 0) => (n === null || n === undefined ? "—" : new Intl.NumberFormat("en-CA", { maximumFractionDigits: digits }).format(n));
		const shown = async (name: string) => ((await figures.locator(`[data-figure="${name}"]`).textContent()) ?? "").trim();
		expect(await shown("votes_with_party_pct")).toBe(`${format(record.overall.votes_with_party_pct, 1)} %`);
		expect(await shown("missed_votes_pct")).toBe(`${format(record.overall.missed_votes_pct, 1)} %`);
		expect(await shown("votes_cast")).toBe(format(record.overall.votes_cast));
		expect(await shown("paired")).toBe(format(record.overall.paired));
		expect(await shown("missed")).toBe(format(record.overall.missed));
		expect(await page.getByTestId("dissent").getByRole("listitem").count()).toBe(record.dissent.length);
		expect(await seriousViolations()).toEqual([]);
		await screenshot("politician");
	});

	it("a vote page shows the result, each party's position and every ballot, filterable by party", async () => {
		await freshPage();
		await page.goto(platform.url("/votes/44-1/1"));
		const vote = await api<{ result: string; party_results: { party: { key: string } | null }[] }>("/api/v1/votes/44-1/1");
		const ballots = await api<ApiList<{ party: string | null }>>("/api/v1/ballots?vote=44-1/1&limit=500");
		expect(await textOf(page.getByTestId("vote-result"))).toBe(vote.result);
		expect(await page.getByTestId("party-results").locator("tbody tr").count()).toBe(vote.party_results.length);
		const rows = page.getByTestId("ballots").locator("tbody tr");
		await until(() => rows.count(), ballots.pagination.total, "ballot rows");
		await page.getByLabel("Party", { exact: true }).selectOption("liberal");
		await until(() => rows.count(), ballots.objects.filter((b) => b.party === "liberal").length, "liberal ballot rows");
		expect(await seriousViolations()).toEqual([]);
		await screenshot("vote");
	});

	it("the language switch turns the app to French, and the choice survives a reload", async () => {
		await freshPage();
		await page.goto(platform.url("/bills/44-1/C-10"));
		await visible(page.getByRole("heading", { level: 1, name: /C-10/ }));
		await page.getByRole("button", { name: "Afficher en français" }).click();
		await visible(page.getByRole("navigation", { name: "Principale" }).getByRole("link", { name: "Projets de loi" }));
		expect(await textOf(page.getByRole("heading", { level: 1 }))).toBe("C-10 Loi sur l’entente relative à l’eau");
		await page.reload();
		expect(await textOf(page.getByRole("heading", { level: 1 }))).toBe("C-10 Loi sur l’entente relative à l’eau");
		expect(await page.evaluate("document.documentElement.lang")).toBe("fr");
		await visible(page.getByRole("link", { name: "Projets de loi" }));
	});

	it("a citizen signs up, is signed in, signs out and signs in again", async () => {
		await freshPage();
		await page.goto(platform.url("/account"));
		const email = `citizen-${Date.now()}@example.org`;
		const password = "a long and quiet river at dawn";
		const signUp = page.getByRole("form", { name: "Create an account" });
		await signUp.getByLabel("Name shown to you").fill("Ada Citizen");
		await signUp.getByLabel("Email").fill(email);
		await signUp.getByLabel("Password").fill(password);
		await signUp.getByRole("button", { name: "Create an account" }).click();
		expect(await textOf(page.getByTestId("signed-in-as"))).toBe(`Signed in as Ada Citizen (${email})`);
		await visible(page.getByRole("region", { name: "What you follow" }));
		await visible(page.getByRole("region", { name: /^Notifications/ }));
		await page.reload();
		expect(await textOf(page.getByTestId("signed-in-as"))).toContain(email);
		await page.getByRole("button", { name: "Sign out" }).click();
		const signIn = page.getByRole("form", { name: "Sign in" });
		await signIn.getByLabel("Email").fill(email);
		await signIn.getByLabel("Password").fill(password);
		await signIn.getByRole("button", { name: "Sign in" }).click();
		expect(await textOf(page.getByTestId("signed-in-as"))).toContain(email);
		await page.goto(platform.url("/bills/44-1/C-10"));
		// Signed in, the bill offers a follow button, not pressed for an account that follows nothing.
		const follow = page.getByRole("button", { name: "Follow: C-10" });
		await visible(follow);
		expect(await follow.getAttribute("aria-pressed")).toBe("false");
		expect(await seriousViolations()).toEqual([]);
	});

	it("a citizen follows a bill and supports it; an ETL run moves the bill and the notice appears in the inbox live, without a reload", async () => {
		await freshPage();
		const { token } = await signUp("Bea Follower");
		const asCitizen = async <T,>(route: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
			const res = await http(platform.url(route), { ...init, token: await token(), timeoutMs: 15_000 });
			if (res.status >= 300) throw new Error(`${route}: ${res.status} ${res.text.slice(0, 300)}`);
			return res.json as T;
		};
		// The in-app channel is on, at once, for an account that chose nothing: a follow alerts here.
		const settings = await asCitizen<{ channels: Record<string, { enabled: boolean; mode: string }> }>("/api/v1/notifications/preferences");
		expect(settings.channels.inbox).toEqual({ enabled: true, mode: "immediate" });
		await expect.poll(() => page.getByTestId("inbox-live").getAttribute("data-live"), { timeout: UI_MS }).toBe("open");

		// Follow and support C-11, at second reading in the crafted parliament.
		await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Bills" }).click();
		await page.getByRole("link", { name: "C-11", exact: true }).first().click();
		await page.waitForURL(/\/bills\/44-1\/C-11$/);
		const before = await api<{ status_text_en: string; stances: { support: number; oppose: number } }>("/api/v1/bills/44-1/C-11");
		const follow = page.getByRole("button", { name: "Follow: C-11" });
		await visible(follow);
		expect(await follow.getAttribute("aria-pressed")).toBe("false");
		await follow.click();
		await visible(page.getByRole("button", { name: "Following: C-11", pressed: true }));
		const follows = await asCitizen<{ objects: Array<{ kind: string; bill?: string }> }>("/api/v1/me/follows");
		expect(follows.objects).toEqual([expect.objectContaining({ kind: "bill", bill: "44-1/C-11" })]);
		await page.getByRole("button", { name: "Support" }).click();
		await until(() => textOf(page.getByTestId("stance-counts")), `${before.stances.support + 1} support, ${before.stances.oppose} oppose`, "stance counts after Support");
		expect(await page.getByRole("button", { name: "Support" }).getAttribute("aria-pressed")).toBe("true");
		await page.getByRole("button", { name: "Oppose" }).click();
		await until(() => textOf(page.getByTestId("stance-counts")), `${before.stances.support} support, ${before.stances.oppose + 1} oppose`, "stance counts after Oppose");
		expect((await api<{ stances: { support: number; oppose: number } }>("/api/v1/bills/44-1/C-11")).stances).toEqual({ support: before.stances.support, oppose: before.stances.oppose + 1 });

		// To the inbox by the app's own links: from here on the page is never loaded again.
		await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Account/ }).click();
		await page.waitForURL(/\/account$/);
		await page.evaluate("window.__samePage = true");
		await expect.poll(() => page.getByTestId("inbox-live").getAttribute("data-live"), { timeout: UI_MS }).toBe("open");
		const statusNotices = page.getByTestId("inbox").locator("li[data-kind='bill.status']");
		expect(await statusNotices.count()).toBe(0);

		// Any read of the inbox list from now on would mean the notice came by asking, not by the stream.
		const inboxReads: string[] = [];
		page.on("request", (req) => {
			if (/\/api\/v1\/notifications(\?|$)/.test(req.url())) inboxReads.push(req.url());
		});
		const dir = mkdtempSync(path.join(os.tmpdir(), "webapp-e2e-"));
		try {
			const moved = { code: "HouseInCommittee", en: "At consideration in committee in the House of Commons" };
			const run = await platform.client.call<Run>("etl.run", { source: "openparliament", file: parliamentWhereBillMoved(dir, "/bills/44-1/C-11/", moved), wait: true }, { timeout: 120_000 });
			expect(run.status, run.error ?? "").toBe("succeeded");
			expect(run.updated).toBeGreaterThanOrEqual(1);
			expect((await api<{ status_text_en: string }>("/api/v1/bills/44-1/C-11")).status_text_en).toBe(moved.en);

			// Outbox, delivery worker, broadcast, gateway, stream: the notice arrives on the open page.
			await visible(statusNotices);
			expect(await textOf(statusNotices)).toContain(`Bill C-11 (44-1): ${moved.en}`);
			expect(await textOf(statusNotices)).toContain(`from “${before.status_text_en}” to “${moved.en}”`);
			expect(await page.evaluate("window.__samePage")).toBe(true);
			expect(inboxReads, "the notice came over the stream").toEqual([]);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}

		// The badge counts what the service counts; marking the notice read lowers both.
		const unread = await asCitizen<{ unread: number }>("/api/v1/notifications/unread-count");
		expect(unread.unread).toBeGreaterThanOrEqual(1);
		await until(() => textOf(page.getByTestId("unread-badge")), `${unread.unread}${unread.unread} unread notifications`, "unread badge");
		await statusNotices.getByRole("button", { name: /^Mark read/ }).click();
		await until(() => statusNotices.getAttribute("data-read"), "true", "notice marked read");
		expect((await asCitizen<{ unread: number }>("/api/v1/notifications/unread-count")).unread).toBe(unread.unread - 1);
		await until(() => textOf(page.getByTestId("inbox-unread")), `(${unread.unread - 1} unread)`, "unread count on the page");
		await statusNotices.getByRole("link", { name: /Bill C-11/ }).click();
		await page.waitForURL(/\/bills\/44-1\/C-11$/);
		expect(await textOf(page.getByRole("heading", { level: 1 }))).toContain("C-11");
		expect(await seriousViolations()).toEqual([]);
	});

	it("preferences per channel: the inbox and email are on by default, and a change is kept", async () => {
		await freshPage();
		const { token } = await signUp("Cy Settings");
		await page.getByRole("link", { name: "Notification preferences" }).click();
		await page.waitForURL(/\/account\/notifications$/);
		const table = page.getByTestId("channel-preferences");
		await visible(table);
		const row = (channel: string) => table.locator(`tr[data-channel='${channel}']`);
		for (const channel of ["inbox", "email", "webhook", "push"]) expect(await row(channel).getByRole("checkbox").isChecked(), channel).toBe(true);
		await row("email").getByRole("checkbox").uncheck();
		await row("inbox").getByRole("combobox").selectOption("daily");
		await page.getByRole("button", { name: "Save" }).click();
		await visible(page.getByRole("status").filter({ hasText: "Saved." }));
		const saved = await http(platform.url("/api/v1/notifications/preferences"), { token: await token(), timeoutMs: 15_000 });
		expect((saved.json as { channels: Record<string, unknown> }).channels).toMatchObject({ email: { enabled: false }, inbox: { enabled: true, mode: "daily" }, webhook: { enabled: true }, push: { enabled: true } });
		await page.reload();
		await visible(table);
		expect(await row("email").getByRole("checkbox").isChecked()).toBe(false);
		expect(await row("inbox").getByRole("combobox").inputValue()).toBe("daily");
		expect(await seriousViolations()).toEqual([]);
		await screenshot("preferences");
	});

	it("an account with a second factor signs in with its TOTP code, and an admin can create an API key", async () => {
		// Enrolment happens at the admin dashboard (issue 18); here it is done through the API.
		const post = async <T>(route: string, body: unknown): Promise<T> => {
			const res = await http(platform.url(`/api/v1/auth${route}`), { method: "POST", body, timeoutMs: 15_000 });
			if (res.status !== 200) throw new Error(`${route}: ${res.status} ${res.text.slice(0, 300)}`);
			return res.json as T;
		};
		const first = await post<{ challenge: string; next: string }>("/login", ADMIN);
		expect(first.next).toBe("enroll");
		const { secret } = await post<{ secret: string }>("/mfa/enroll", { challenge: first.challenge });
		await post("/mfa/activate", { challenge: first.challenge, code: totpCodeForStep(secret, totpStep(Date.now())) });

		await freshPage();
		await page.goto(platform.url("/account"));
		const signIn = page.getByRole("form", { name: "Sign in" });
		await signIn.getByLabel("Email").fill(ADMIN.email);
		await signIn.getByLabel("Password").fill(ADMIN.password);
		await signIn.getByRole("button", { name: "Sign in" }).click();
		const code = page.getByLabel("Code from your authenticator app (or a recovery code)");
		await visible(code);
		// The step after the one used to activate: a code is accepted once, one step of drift allowed.
		await code.fill(totpCodeForStep(secret, totpStep(Date.now()) + 1));
		await page.getByRole("button", { name: "Verify" }).click();
		expect(await textOf(page.getByTestId("signed-in-as"))).toContain(ADMIN.email);
		await page.getByLabel("Key name").fill("e2e reader");
		await page.getByRole("button", { name: "Create key" }).click();
		expect(await textOf(page.getByRole("status").filter({ hasText: "Your new key" }))).toMatch(/shown once\): \S{20,}/);
		expect(await seriousViolations()).toEqual([]);
		await screenshot("account");
	});

	it("plotly.js, loaded only when a chart is shown, draws under the CSP without 'unsafe-eval'", async () => {
		await freshPage();
		const plotlyRequests: string[] = [];
		page.on("request", (req) => {
			if (/plotly/.test(req.url())) plotlyRequests.push(req.url());
		});
		await page.goto(platform.url("/ridings"));
		await visible(page.getByRole("heading", { level: 1, name: "Ridings" }));
		expect(plotlyRequests, "a page without charts loads no plotly").toEqual([]);
		expect(await seriousViolations()).toEqual([]);
		const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "frontend/web/dist/.vite/manifest.json"), "utf8")) as Record<string, { file: string }>;
		const chunk = Object.values(manifest).find((entry) => /plotly/.test(entry.file))?.file;
		expect(chunk).toBeTruthy();
		const drawn = await page.evaluate(
			`import('/${chunk ?? ""}').then(async ({ default: Plotly }) => {
				const root = document.createElement('div');
				document.body.append(root);
				await Plotly.newPlot(root, [{ type: 'bar', x: ['Liberal', 'Conservative'], y: [3, 2] }], { title: { text: 'Ballots' } });
				return root.querySelectorAll('.bars path').length;
			})`
		);
		expect(drawn).toBe(2);
	});

	it("the API and the mobile API keep their JSON 404s while app routes get the app", async () => {
		const app = await http(platform.url("/ridings"), { timeoutMs: 10_000 });
		expect(app.status).toBe(200);
		expect(app.text).toContain('<div id="root"></div>');
		expect(app.headers.get("content-security-policy")).toContain("script-src 'self'");
		for (const route of ["/api/v1/not-a-route", "/mobile/v1/not-a-route"]) {
			const res = await http(platform.url(route), { timeoutMs: 10_000 });
			expect(res.status, route).toBe(404);
			expect(JSON.parse(res.text)).toMatchObject({ error: { type: "NOT_FOUND" } });
		}
	});
});
