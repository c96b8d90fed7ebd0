/**
 * The ETL service's client errors, named once: the `type` a caller sees, its status and the class
 * that carries them, so handlers, the CLI and tests agree.
 */
import { clientErrorClass } from "../../runtime/client-errors.ts";

export const ETL_ERRORS = {
	/** Another node holds the source's lease, or this schedule slot already ran. */
	RUN_IN_PROGRESS: "ETL_RUN_IN_PROGRESS",
	RUN_NOT_FOUND: "ETL_RUN_NOT_FOUND",
	/** A finished run cannot be cancelled. */
	RUN_FINISHED: "ETL_RUN_FINISHED",
	BAD_REQUEST: "ETL_BAD_REQUEST",
	/** `file` is for the command line, never for a caller through the gateway. */
	FILE_NOT_ALLOWED: "ETL_FILE_NOT_ALLOWED",
	/** A gateway caller's `url` outside the source's own prefix and ETL_URL_ALLOWLIST. */
	URL_NOT_ALLOWED: "ETL_URL_NOT_ALLOWED"
} as const;

export type EtlErrorCode = (typeof ETL_ERRORS)[keyof typeof ETL_ERRORS];

const STATUS: Record<EtlErrorCode, number> = {
	ETL_RUN_IN_PROGRESS: 409,
	ETL_RUN_NOT_FOUND: 404,
	ETL_RUN_FINISHED: 409,
	ETL_BAD_REQUEST: 422,
	ETL_FILE_NOT_ALLOWED: 403,
	ETL_URL_NOT_ALLOWED: 403
};

export class EtlError extends clientErrorClass(STATUS) {}

export class RunNotFoundError extends EtlError {
	constructor(id: string) {
		super(ETL_ERRORS.RUN_NOT_FOUND, `No ETL run ${id}`, { id });
	}
}
