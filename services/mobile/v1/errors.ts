/** The mobile API's client errors, named once so handlers, tests and apps agree on code and status. */
import { Errors } from "moleculer";

/** The cursor was not made by this server (forged or damaged): start over without one. */
export const INVALID_CURSOR = "INVALID_CURSOR";
/** The changes the cursor points into were pruned: sync again from empty. */
export const RESYNC_REQUIRED = "RESYNC_REQUIRED";
export const NOT_FOUND = "NOT_FOUND";

export class InvalidCursorError extends Errors.MoleculerClientError {
	constructor(field: string, resync: boolean) {
		super(
			resync ? "This cursor is not valid here: sync again from empty (no `since`)" : "This cursor is not valid here: start the list again without one",
			422,
			INVALID_CURSOR,
			{ field, resync }
		);
	}
}

export class ResyncRequiredError extends Errors.MoleculerClientError {
	constructor() {
		super("This cursor has expired: the changes since it are no longer kept; sync again from empty (no `since`)", 422, RESYNC_REQUIRED, { field: "since", resync: true });
	}
}

export class DeviceNotFoundError extends Errors.MoleculerClientError {
	constructor(id: string) {
		super(`No device ${id}`, 404, NOT_FOUND, { device: id });
	}
}
