/**
 * Keeps the REST routes of actions whose last node has gone, so they answer 503, not 404.
 *
 * moleculer-web rebuilds its auto-aliases 500 ms after every registry change, from the services
 * alive at that moment: when the only node offering `web.bills` dies, `/api/v1/bills` vanishes and
 * clients get 404 "Not found", as if the API had changed (docs/decisions/0011-client-errors-and-breakers.md). A route that was once
 * published is kept; its action has no endpoint, so moleculer-web raises ServiceUnavailableError
 * (503). When a node offering it returns, the fresh alias replaces the kept one.
 */

/** The parts of moleculer-web's Alias this module reads. */
export interface AliasLike {
	route: unknown;
	method: string;
	fullPath: string;
	action?: string | null;
	_generated?: boolean;
}

function key(alias: AliasLike): string {
	return `${alias.method} ${alias.fullPath}`;
}

/** Adds back to `current` the generated aliases of `route` that were in `previous` and are no longer offered. */
export function keepVanishedAliases(previous: readonly AliasLike[], current: AliasLike[], route: unknown): number {
	const present = new Set(current.filter((a) => a.route === route).map(key));
	let kept = 0;
	for (const alias of previous) {
		if (alias.route !== route || !alias._generated || !alias.action || present.has(key(alias))) continue;
		current.push(alias);
		present.add(key(alias));
		kept++;
	}
	return kept;
}
