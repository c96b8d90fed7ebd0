/**
 * One process per PGlite folder. PGlite is PostgreSQL in WebAssembly with no postmaster to keep a
 * second process out: two processes writing one folder (say `npm start` and `npm run etl`)
 * would corrupt it. The lock is a file holding the owner's pid, taken with O_EXCL; a lock whose
 * process is gone (a crash, a SIGKILL) is taken over.
 */
import fs from "node:fs";
import path from "node:path";

export class DataDirInUseError extends Error {
	override name = "DataDirInUseError";
}

const LOCK_FILE = "openpolicy.lock";

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		// EPERM: the process exists but belongs to someone else.
		return (err as NodeJS.ErrnoException).code === "EPERM";
	}
}

/** Takes the folder's lock for this process; returns the function that releases it. */
export function lockDataDir(dataDir: string): () => void {
	const file = path.join(dataDir, LOCK_FILE);
	for (let attempt = 0; attempt < 3; attempt++) {
		try {
			fs.writeFileSync(file, String(process.pid), { flag: "wx" });
			return () => {
				try {
					if (fs.readFileSync(file, "utf8") === String(process.pid)) fs.unlinkSync(file);
				} catch {
					// Already gone: nothing to release.
				}
			};
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
		}
		const owner = Number.parseInt(fs.readFileSync(file, "utf8"), 10);
		if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
			throw new DataDirInUseError(
				`The embedded database in ${dataDir} is in use by process ${owner}: one process at a time may open it. ` +
					"Stop that process, point DATA_DIR elsewhere, or set DATABASE_URL to share a PostgreSQL server."
			);
		}
		if (owner === process.pid) {
			throw new DataDirInUseError(`The embedded database in ${dataDir} is already open in this process`);
		}
		// The owner is gone: remove its stale lock and try again.
		fs.rmSync(file, { force: true });
	}
	throw new DataDirInUseError(`Could not take the lock on ${dataDir}`);
}
