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

/**
 * Routes that other work is still adding (follows, stances, charts, notifications, the OpenAPI
 * document): until they exist the gateway answers 404, the app says so, and Chromium logs the
 * failed load. That log line is expected; any other console error fails the test.
 */
export const NOT_YET_DEPLOYED = /\/api\/v1\/(charts\/|me\/|notifications|openapi\.json|bills\/[^/]+\/[^/]+\/stance)/;

export interface ConsoleWatch {
	errors: string[];
}

/** Collects console errors and uncaught page errors of a page, leaving out the expected 404s above (and those of `notYetDeployed`). */
export function watchConsole(page: Page, notYetDeployed: RegExp = NOT_YET_DEPLOYED): ConsoleWatch {
	const watch: ConsoleWatch = { errors: [] };
	page.on("console", (message: ConsoleMessage) => {
		if (message.type() !== "error") return;
		const url = message.location().url;
		if (/Failed to load resource: the server responded with a status of 404/.test(message.text()) && notYetDeployed.test(url)) return;
		watch.errors.push(`${message.text()} (${url})`);
	});
	page.on("pageerror", (error) => watch.errors.push(`uncaught: ${error.message}`));
	return watch;
}
