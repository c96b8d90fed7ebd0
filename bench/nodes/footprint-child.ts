/**
 * The baselines of the footprint benchmark, each in a process of its own so its RSS is its own:
 *   node bench/nodes/footprint-child.ts broker            a stock ServiceBroker, no transporter, logger off
 *   node bench/nodes/footprint-child.ts pglite <folder>   PGlite opened on a folder as the platform opens it, nothing else
 *   node bench/nodes/footprint-child.ts pglite-defaults <folder>   the same with the library's default options
 * It sends { ready: true } over IPC once ready, then idles until SIGTERM (PGlite closes its folder
 * first, so the next run opens an existing database, not one left to recover).
 */
const [mode, folder] = process.argv.slice(2);
// The IPC channel is closed once the parent has the ready message; this keeps the process alive.
const idle = setInterval(() => undefined, 60_000);

if (mode === "broker") {
	// Each mode imports only its own library, so neither baseline carries the other's code.
	const { ServiceBroker } = await import("moleculer");
	// Moleculer stops the broker on SIGTERM itself (a second handler would stop it twice).
	await new ServiceBroker({ logger: false, metrics: false, tracing: false }).start();
} else if ((mode === "pglite" || mode === "pglite-defaults") && folder) {
	const { PGlite } = await import("@electric-sql/pglite");
	const { pgliteOptions } = await import("../../runtime/storage/pglite-options.ts");
	const db = await PGlite.create(folder, mode === "pglite" ? pgliteOptions() : {});
	process.once("SIGTERM", () => {
		clearInterval(idle);
		void db.close().finally(() => process.exit(0));
	});
} else {
	process.stderr.write("usage: footprint-child.ts broker | pglite <folder> | pglite-defaults <folder>\n");
	process.exit(2);
}
process.send?.({ ready: true });
