/** The web API's client errors: named once, so handlers and tests agree on type and status. */
import { Errors } from "moleculer";

export const NOT_FOUND = "NOT_FOUND";

export class NotFoundError extends Errors.MoleculerClientError {
	constructor(what: string, id: string) {
		super(`No ${what} ${id}`, 404, NOT_FOUND, { [what]: id });
	}
}

/** A 422 naming one field, in the shape the validator's failures have (`[{ field, type, message }]`). */
export function invalidField(field: string, message: string): Errors.ValidationError {
	return new Errors.ValidationError(message, "VALIDATION_ERROR", [{ field, type: "invalid", message }]);
}
