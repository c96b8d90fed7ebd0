/**
 * The topology manifests are written from: the wanted topology stored in PostgreSQL when the
 * database answers, otherwise a default shape (two gateways and two health observers in front,
 * one node of every other service), and the caller is told which one it got.
 */
import { SERVICE_NAMES } from "../../../runtime/service-names.ts";
import type { ServiceTarget } from "../deployment.contract.ts";

export interface ManifestTopology {
	/** Where it came from, for the operator: `database (version N)` or why the default was used. */
	source: string;
	/** Platform services only (a fixture or unknown name in the stored topology is left out). */
	services: Record<string, ServiceTarget>;
	/** The image tag for services that want no particular version. */
	defaultVersion: string;
}

export function defaultServices(version: string): Record<string, ServiceTarget> {
	return Object.fromEntries(SERVICE_NAMES.map((name) => [name, { replicas: name === "gateway" || name === "health" ? 2 : 1, version }]));
}

/** Keeps the platform's own services, in the catalog's order. */
export function platformServices(services: Record<string, ServiceTarget>): Record<string, ServiceTarget> {
	return Object.fromEntries(SERVICE_NAMES.flatMap((name) => (services[name] ? [[name, services[name]] as const] : [])));
}
