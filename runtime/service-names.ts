/**
 * The twelve services by name: what the node assembly loads (platform/service-catalog.ts) and what
 * the deployment service's manifests list. Here, at the bottom, so both may know the names without
 * the deployment service importing the assembly.
 */
export const SERVICE_NAMES = [
	"gateway",
	"auth",
	"config",
	"health",
	"monitoring",
	"notification",
	"deployment",
	"etl",
	"web",
	"mobile",
	"viz",
	"admin"
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export function isServiceName(name: string): name is ServiceName {
	return (SERVICE_NAMES as readonly string[]).includes(name);
}
