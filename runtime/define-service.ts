/**
 * `defineService<Settings, Vars, Methods>({...})`: a service schema whose `this` is typed as
 * `Service<Settings> & Vars & Methods` (Moleculer's `ServiceSchema` generics, as the TypeScript
 * template's greeter uses them), so state a service keeps sits on the service itself instead of in
 * module-level side tables.
 *
 * Why a helper: Moleculer's schema type checks `this` contravariantly, so a schema whose `this` has
 * required fields is not assignable to the plain `ServiceSchema` that `broker.createService`,
 * `mixins` and the service catalogue take. The broker builds `this` from the merged schema and runs
 * every `created` (the mixins' first) before any handler, so the widening is sound as long as the
 * service's `created` sets what `Vars` declares; this one cast is the place that says so.
 */
import type { Service, ServiceSchema, ServiceSettingSchema } from "moleculer";

export type ServiceThis<Settings = ServiceSettingSchema, Vars = object, Methods = object> = Service<Settings> & Vars & Methods;

export function defineService<Settings extends ServiceSettingSchema = ServiceSettingSchema, Vars extends object = object, Methods extends object = object>(
	schema: ServiceSchema<Settings, Methods, Vars, ServiceThis<Settings, Vars, Methods>>
): ServiceSchema {
	return schema as unknown as ServiceSchema;
}
