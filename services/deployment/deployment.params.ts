/**
 * The deployment actions' params, one zod schema each (docs/decisions/0012-zod-action-schemas.md).
 */
import { z } from "zod";
import { pagination, queryInt, text } from "../../runtime/validation/fields.ts";
import { zodParams } from "../../runtime/validation/zod-params.ts";

/** A Moleculer service name as the registry lists it (fixtures and future services included). */
export const ServiceName = z.string().regex(/^[a-z][a-z0-9-]{0,49}$/, "a service name: lower-case letters, digits and -, at most 50");
/** As APP_VERSION accepts it (runtime/env.ts). */
export const Version = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, "a version such as 1.4.2");

export const MAX_REPLICAS = 100;
const MAX_SERVICES = 100;

const ServiceTarget = z.strictObject({
	replicas: z.number().int().min(0).max(MAX_REPLICAS),
	version: Version.nullable().default(null)
});

export const SetTopologyParams = zodParams(
	z.strictObject({
		services: z.record(ServiceName, ServiceTarget).refine((s) => Object.keys(s).length <= MAX_SERVICES, { message: `at most ${MAX_SERVICES} services` }),
		reason: text(500, 3),
		/** The version the caller saw (0: none stored yet): a concurrent change answers 409 instead of being overwritten. */
		expectedVersion: z.number().int().min(0).optional()
	})
);

export const HistoryParams = zodParams(z.strictObject({ ...pagination }));

export const StartRolloutParams = zodParams(
	z.strictObject({
		service: ServiceName,
		/** The nodes to replace, in order; default: every live node offering the service, by id. */
		nodes: z.array(text(200, 1)).min(1).max(MAX_REPLICAS).optional(),
		reason: text(500, 3),
		/** How long each replacement has to be live and healthy before the rollout stops. */
		healthyWithinMs: queryInt(1_000, 3_600_000).default(120_000),
		/** How long a drained node has to finish its requests and leave. */
		leaveWithinMs: queryInt(1_000, 600_000).default(60_000)
	})
);

export const RolloutIdParams = zodParams(z.strictObject({ id: text(64, 1) }));
