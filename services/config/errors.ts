/**
 * The config service's client errors, named once: the `type` a caller sees and its status.
 */
import { clientErrorClass } from "../../runtime/client-errors.ts";

export const CONFIG_ERRORS = {
	/** The key's `changeableBy` excludes the caller's role. */
	FORBIDDEN: "FORBIDDEN",
	KEY_NOT_FOUND: "CONFIG_KEY_NOT_FOUND",
	VERSION_NOT_FOUND: "CONFIG_VERSION_NOT_FOUND",
	NOTHING_TO_ROLL_BACK: "CONFIG_NOTHING_TO_ROLL_BACK",
	/** `expectedVersion` did not match: the key changed meanwhile. */
	VERSION_CONFLICT: "CONFIG_VERSION_CONFLICT"
} as const;

export type ConfigErrorCode = (typeof CONFIG_ERRORS)[keyof typeof CONFIG_ERRORS];

const STATUS: Record<ConfigErrorCode, number> = {
	FORBIDDEN: 403,
	CONFIG_KEY_NOT_FOUND: 404,
	CONFIG_VERSION_NOT_FOUND: 404,
	CONFIG_NOTHING_TO_ROLL_BACK: 409,
	CONFIG_VERSION_CONFLICT: 409
};

export class ConfigServiceError extends clientErrorClass(STATUS) {}
