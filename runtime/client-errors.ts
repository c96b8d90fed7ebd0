/**
 * A service's client errors from one table of its codes and their statuses, so a handler names a
 * code and never repeats its status. The class keeps Moleculer's MoleculerClientError name, so a
 * node across the transporter restores it as a client error (4xx, never counted by a breaker).
 */
import { Errors } from "moleculer";

export function clientErrorClass<Code extends string>(statusOf: Readonly<Record<Code, number>>) {
	return class ServiceClientError extends Errors.MoleculerClientError {
		constructor(code: Code, message: string, data?: unknown) {
			super(message, statusOf[code], code, data);
		}
	};
}
