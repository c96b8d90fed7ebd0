/**
 * The errors storage raises to callers. The gateway turns a MoleculerError's `code` into the HTTP
 * status, so an unreachable database leaves as 503 (DESIGN.md "Contracts"), never a 500.
 */
import { Errors } from "moleculer";

/**
 * The database cannot be reached right now; retryable, so idempotent actions may try again.
 * The message is what a client may see; the driver's reason (host, port) stays in `data.reason`
 * for logs and health details.
 */
export class DatabaseUnavailableError extends Errors.MoleculerRetryableError {
	readonly reason: string;

	constructor(reason: string) {
		super("The database is not reachable right now", 503, "DATABASE_UNAVAILABLE", { reason });
		this.name = "DatabaseUnavailableError";
		this.reason = reason;
	}
}

/** An error's message for logs and health details, with the driver's reason when there is one. */
export function describeStorageError(err: unknown): string {
	if (err instanceof DatabaseUnavailableError) return `${err.message} (${err.reason})`;
	return err instanceof Error ? err.message : String(err);
}

/** An applied migration file was edited afterwards: the node must not start on a schema it cannot trust. */
export class MigrationChecksumError extends Error {
	override name = "MigrationChecksumError";
}

const CONNECTION_ERROR_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

// SQLSTATE 08xxx: connection exceptions; 57P01-57P03: the server is shutting down or starting;
// 53300: too many connections.
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[1-3]|53300)$/;

// pg reports these only in the message (no code).
const CONNECTION_ERROR_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection error|Connection closed/i;

/** True when the error says the server is unreachable, not that the statement was wrong. */
export function isConnectionError(err: unknown): boolean {
	if (!(err instanceof Error)) return false;
	if (err instanceof DatabaseUnavailableError) return true;
	const code = "code" in err && typeof err.code === "string" ? err.code : "";
	if (CONNECTION_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code)) return true;
	if (err instanceof AggregateError) return err.errors.some(isConnectionError);
	return CONNECTION_ERROR_MESSAGES.test(err.message);
}

/** Rethrows connection failures as DatabaseUnavailableError; every other error passes unchanged. */
export function toStorageError(err: unknown): unknown {
	if (err instanceof DatabaseUnavailableError || !isConnectionError(err)) return err;
	const message = err instanceof Error ? err.message || ("code" in err ? String(err.code) : err.name) : String(err);
	return new DatabaseUnavailableError(message);
}
