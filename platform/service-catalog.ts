/**
 * The twelve services (README.md) and where each one's schema lives. A node loads only the
 * services named in SERVICES, so a worker node never imports the gateway's HTTP stack.
 */
import { SERVICE_NAMES, type ServiceName, isServiceName } from "../runtime/service-names.ts";
import type { ServiceSchema } from "moleculer";


type SchemaModule = { default: ServiceSchema };

const LOADERS: Record<ServiceName, () => Promise<SchemaModule>> = {
	gateway: () => import("../gateway/gateway.service.ts"),
	auth: () => import("../services/auth/auth.service.ts"),
	config: () => import("../services/config/config.service.ts"),
	health: () => import("../services/health/health.service.ts"),
	monitoring: () => import("../services/monitoring/monitoring.service.ts"),
	notification: () => import("../services/notification/notification.service.ts"),
	deployment: () => import("../services/deployment/deployment.service.ts"),
	etl: () => import("../services/etl/etl.service.ts"),
	web: () => import("../services/web/web.service.ts"),
	mobile: () => import("../services/mobile/mobile.service.ts"),
	viz: () => import("../services/viz/viz.service.ts"),
	admin: () => import("../services/admin/admin.service.ts")
};

export { SERVICE_NAMES, type ServiceName, isServiceName };

export class UnknownServiceError extends Error {
	override name = "UnknownServiceError";
}


/** Checks a SERVICES list; undefined means all twelve. Throws with every unknown name at once. */
export function resolveServiceNames(requested: readonly string[] | undefined): ServiceName[] {
	if (!requested) return [...SERVICE_NAMES];
	const unknown = requested.filter((n) => !isServiceName(n));
	if (unknown.length > 0) {
		throw new UnknownServiceError(
			`Unknown service${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")} in SERVICES. ` +
				`Known services: ${SERVICE_NAMES.join(", ")} (or "all").`
		);
	}
	return [...new Set(requested.filter(isServiceName))];
}

export async function loadServiceSchemas(names: readonly ServiceName[]): Promise<ServiceSchema[]> {
	const modules = await Promise.all(names.map((n) => LOADERS[n]()));
	return modules.map((m) => m.default);
}
