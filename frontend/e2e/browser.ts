/**
 * Debian's Chromium driven by playwright-core: the machine's own browser (`apt-get install
 * chromium`, done by .ci/run), never one downloaded by Playwright.
 */
import { existsSync } from "node:fs";
import { type Browser, type ConsoleMessage, type Page, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run"
];

export async function launchChromium(): Promise<Browser> {
	if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium), as .ci/run does`);
	return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 30_000 });
}

export interface ConsoleWatch {
	errors: string[];
}

/**
 * Collects console errors and uncaught page errors of a page. No failed load is tolerated unless a
 * test names the routes whose 404 it expects (`expected404s`: a route a page must show as "not
 * available" because it does not exist yet); any other console error fails the test.
 */
export function watchConsole(page: Page, expected404s?: RegExp): ConsoleWatch {
	const watch: ConsoleWatch = { errors: [] };
	page.on("console", (message: ConsoleMessage) => {
		if (message.type() !== "error") return;
		const url = message.location().url;
		if (expected404s && /Failed to load resource: the server responded with a status of 404/.test(message.text()) && expected404s.test(url)) return;
		watch.errors.push(`${message.text()} (${url})`);
	});
	page.on("pageerror", (error) => watch.errors.push(`uncaught: ${error.message}`));
	return watch;
}
