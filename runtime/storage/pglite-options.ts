/**
 * How the platform opens PGlite. PostgreSQL's default shared_buffers (128 MB) lives inside the
 * WebAssembly memory and most of it is resident once the database has opened: 32 MB took PGlite
 * alone on an existing folder from about 370 to 225 MB RSS, and opened it faster, with no loss
 * seen on 200k-row inserts, scans and point reads (PGlite reads through the OS page cache anyway).
 * `npm run bench -- footprint` measures it.
 */
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";

export const PGLITE_SHARED_BUFFERS = "32MB";

export function pgliteOptions(): PGliteOptions {
	return { startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`] };
}
