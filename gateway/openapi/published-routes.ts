/**
 * The routes the gateway serves right now, each with what the registry says of its action: the
 * JSON Schema of its params and answer, and its permissions. Read from moleculer-web's alias table
 * (the routes it built from the registry, vanished ones kept) and the registry's action list, which
 * holds the definitions of actions on other nodes too: their `params.jsonSchema` and
 * `response.jsonSchema` crossed NATS as plain JSON (runtime/validation/zod-params.ts).
 */
import type { ServiceBroker } from "moleculer";
import type { JsonSchema } from "../../runtime/validation/zod-params.ts";
import { openApiPath } from "./openapi-document.ts";

export interface PublishedRoute {
	method: string;
	/** moleculer-web's form: `/api/v1/auth/users/:id/role`. */
	path: string;
	action: string;
	params: JsonSchema | undefined;
	response: JsonSchema | undefined;
	/** undefined: the action declares none (the permissions middleware refuses every call). */
	permissions: readonly string[] | undefined;
	description: string | undefined;
}

/** The part of moleculer-web's Alias read here. */
export interface RouteAlias {
	method: string;
	fullPath: string;
	action?: string | null;
}

interface Declared {
	params?: { jsonSchema?: unknown };
	response?: { jsonSchema?: unknown };
	permissions?: readonly string[];
	description?: unknown;
}

function jsonSchemaOf(holder: { jsonSchema?: unknown } | undefined): JsonSchema | undefined {
	const schema = holder?.jsonSchema;
	return typeof schema === "object" && schema !== null && !Array.isArray(schema) ? (schema as JsonSchema) : undefined;
}

/** The alias table of a running gateway service (moleculer-web keeps it on the instance). */
export function aliasesOf(gateway: unknown): RouteAlias[] {
	const aliases = (gateway as { aliases?: unknown }).aliases;
	return Array.isArray(aliases) ? (aliases as RouteAlias[]) : [];
}

export function publishedRoutes(broker: ServiceBroker, aliases: readonly RouteAlias[]): PublishedRoute[] {
	const declared = new Map<string, Declared>();
	for (const item of broker.registry.getActionList({ onlyAvailable: false, skipInternal: true, withEndpoints: false })) {
		const action = item.action as Declared | undefined;
		// The same action on several nodes: the first definition that carries schemas wins.
		if (action && (!declared.has(item.name) || declared.get(item.name)?.params === undefined)) declared.set(item.name, action);
	}
	const seen = new Set<string>();
	const routes: PublishedRoute[] = [];
	for (const alias of aliases) {
		if (typeof alias.action !== "string") continue;
		// moleculer-web's "*" answers any method; autoAliases always name one.
		const method = alias.method === "*" ? "GET" : alias.method.toUpperCase();
		const key = `${method} ${alias.fullPath}`;
		if (seen.has(key)) continue;
		seen.add(key);
		const action = declared.get(alias.action);
		routes.push({
			method,
			path: alias.fullPath,
			action: alias.action,
			params: jsonSchemaOf(action?.params),
			response: jsonSchemaOf(action?.response),
			permissions: action?.permissions,
			description: typeof action?.description === "string" ? action.description : undefined
		});
	}
	return routes.sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)));
}

/**
 * The aliases (`METHOD /path`) a document does not list: what the OpenAPI test holds at zero, so a
 * route the gateway serves cannot be missing from the document.
 */
export function undocumentedRoutes(document: { paths?: Record<string, Record<string, unknown>> }, aliases: readonly RouteAlias[]): string[] {
	const missing: string[] = [];
	for (const alias of aliases) {
		if (typeof alias.action !== "string") continue;
		const method = alias.method === "*" ? "GET" : alias.method.toUpperCase();
		const { path } = openApiPath(alias.fullPath);
		if (!document.paths?.[path]?.[method.toLowerCase()]) missing.push(`${method} ${alias.fullPath}`);
	}
	return [...new Set(missing)];
}
