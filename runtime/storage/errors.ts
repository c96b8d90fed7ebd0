/**
 * The errors storage raises to callers. The gateway turns a MoleculerError's `code` into the HTTP
 * status, so an unreachable database leaves as 503 (README.md), never a 500.
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

/**
 * A statement refused because of the values it was given, not because the service or the database
 * is broken: a client's input reached PostgreSQL (a NUL byte, a number past bigint, a duplicate).
 * It leaves as a 4xx in the JSON error shape with a message of our own, so no SQL, table,
 * constraint or echoed value reaches the client, and it never counts toward a circuit breaker.
 */
export class DatabaseInputError extends Errors.MoleculerClientError {
	readonly sqlstate: string;

	constructor(message: string, status: 409 | 422, type: string, sqlstate: string) {
		super(message, status, type, { sqlstate });
		this.name = "DatabaseInputError";
		this.sqlstate = sqlstate;
	}
}

interface InputFault {
	status: 409 | 422;
	type: string;
	message: string;
}

const INVALID_VALUE = "INVALID_VALUE";

/**
 * SQLSTATEs (PostgreSQL appendix A) that only a statement's values can cause. Class 22 is "data
 * exception" except 22012 (division by zero) and 22000, which a wrong query causes as easily as a
 * wrong value; class 23 is an integrity constraint the values broke.
 */
const INPUT_FAULTS: Record<string, InputFault> = {
	"22021": { status: 422, type: INVALID_VALUE, message: "A text value contains a character that cannot be stored (such as NUL)" },
	"22P05": { status: 422, type: INVALID_VALUE, message: "A text value contains a character that cannot be stored" },
	"22P02": { status: 422, type: INVALID_VALUE, message: "A value is not in the format its field expects" },
	"22003": { status: 422, type: INVALID_VALUE, message: "A number is out of the range its field accepts" },
	"22001": { status: 422, type: INVALID_VALUE, message: "A text value is longer than its field accepts" },
	"22007": { status: 422, type: INVALID_VALUE, message: "A date or time is not in a format its field accepts" },
	"22008": { status: 422, type: INVALID_VALUE, message: "A date or time is out of range" },
	"22009": { status: 422, type: INVALID_VALUE, message: "A time zone offset is out of range" },
	"22015": { status: 422, type: INVALID_VALUE, message: "An interval is out of range" },
	"2201W": { status: 422, type: INVALID_VALUE, message: "A limit is out of range" },
	"2201X": { status: 422, type: INVALID_VALUE, message: "An offset is out of range" },
	"22019": { status: 422, type: INVALID_VALUE, message: "A search pattern is not valid" },
	"22025": { status: 422, type: INVALID_VALUE, message: "A search pattern is not valid" },
	"2201B": { status: 422, type: INVALID_VALUE, message: "A regular expression is not valid" },
	"22P06": { status: 422, type: INVALID_VALUE, message: "A text value uses an escape the database does not accept" },
	"22023": { status: 422, type: INVALID_VALUE, message: "A value is not valid for its field" },
	"22004": { status: 422, type: INVALID_VALUE, message: "A value is missing" },
	"22026": { status: 422, type: INVALID_VALUE, message: "A value has the wrong length" },
	"2202E": { status: 422, type: INVALID_VALUE, message: "A list index is out of range" },
	"22030": { status: 422, type: INVALID_VALUE, message: "A JSON object repeats a key" },
	"22032": { status: 422, type: INVALID_VALUE, message: "A JSON value is not valid" },
	"23502": { status: 422, type: INVALID_VALUE, message: "A required value is missing" },
	"23514": { status: 422, type: INVALID_VALUE, message: "A value is not one its field accepts" },
	"23505": { status: 409, type: "CONFLICT", message: "This conflicts with a record that already exists" },
	"23503": { status: 409, type: "CONFLICT", message: "This refers to a record that does not exist, or is still referred to" },
	"23P01": { status: 409, type: "CONFLICT", message: "This conflicts with an existing record" },
	// A value too large for an index entry (a very long text in an indexed column).
	"54000": { status: 422, type: INVALID_VALUE, message: "A value is too large to store" }
};

/**
 * pg's DatabaseError and PGlite's error both carry the SQLSTATE as a five-character `code` next to
 * the server's `severity`; a Node error (`ECONNRESET`) or a Moleculer error has neither.
 */
function sqlstateOf(err: unknown): string | undefined {
	if (!(err instanceof Error) || !("code" in err) || !("severity" in err)) return undefined;
	const code = err.code;
	return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * The one place that decides whether a database error was the client's doing: the 4xx it becomes,
 * or undefined for everything else (a fault of the service or its dependencies, which stays 5xx).
 */
export function classifyDatabaseError(err: unknown): DatabaseInputError | undefined {
	if (err instanceof DatabaseInputError) return err;
	const sqlstate = sqlstateOf(err);
	const fault = sqlstate === undefined ? undefined : INPUT_FAULTS[sqlstate];
	if (!fault || sqlstate === undefined) return undefined;
	return new DatabaseInputError(fault.message, fault.status, fault.type, sqlstate);
}
