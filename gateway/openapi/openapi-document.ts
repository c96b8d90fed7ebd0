/**
 * The OpenAPI 3.1 document of every published route (README.md "Public data"), built from the
 * routes the gateway serves (published-routes.ts) and the few it answers itself (edge routes).
 * OpenAPI 3.1's schema object is JSON Schema 2020-12, what zod 4 emits, so the action schemas are
 * used as they are. Permissions become security requirements: "public" is `security: []`; any
 * other list is a bearer JWT or an API key holding it (3.1 allows role names on any scheme), and
 * the list itself is also in `x-permissions`.
 */
import type { JsonSchema } from "../../runtime/validation/zod-params.ts";
import type { PublishedRoute } from "./published-routes.ts";

export type OpenApiDocument = Record<string, unknown>;

/** A route the gateway answers itself, not through an action. */
export interface EdgeRoute {
	method: string;
	path: string;
	permissions: readonly string[];
	summary: string;
	/** The success answer: JSON with this schema, or another media type. */
	response: { contentType: string; schema: JsonSchema };
}

export const ERROR_SCHEMA: JsonSchema = {
	type: "object",
	required: ["error"],
	additionalProperties: false,
	properties: {
		error: {
			type: "object",
			required: ["type", "message", "code"],
			additionalProperties: false,
			properties: {
				type: { type: "string", description: "A stable code such as VALIDATION_ERROR or NOT_FOUND" },
				message: { type: "string" },
				code: { type: "integer", description: "The HTTP status" },
				data: { description: "Details; for 422 the fields: [{ field, type, message }]. Never on a 5xx." }
			}
		}
	}
};

const ERROR_RESPONSES: Record<string, string> = {
	"400": "Malformed request (a body that is not JSON, a bad encoding)",
	"401": "Credentials missing or refused",
	"403": "The caller's role or key scopes do not allow this",
	"404": "No such resource",
	"409": "Conflicts with the current state",
	"413": "Request body too large",
	"422": "A parameter is unknown, missing or invalid; `data` names each field",
	"429": "Rate limited; `data.retryAfterSeconds`",
	"503": "The service behind this route is not reachable right now"
};

const PUBLIC = "public";

/** The document names the dialect once (jsonSchemaDialect); each embedded schema need not. */
function withoutDialect(schema: JsonSchema): JsonSchema {
	return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== "$schema"));
}

function security(permissions: readonly string[] | undefined): Record<string, unknown> {
	if (permissions?.length === 1 && permissions[0] === PUBLIC) return { security: [] };
	// Undeclared permissions: the middleware refuses every caller; documented as needing credentials.
	const required = [...(permissions ?? [])];
	return { security: [{ bearerAuth: required }, { apiKey: required }], "x-permissions": required };
}

/** `/auth/users/:id/role` → `/auth/users/{id}/role`, and the names of its path parameters. */
export function openApiPath(path: string): { path: string; names: string[] } {
	const names: string[] = [];
	const converted = path.replace(/:([A-Za-z_][A-Za-z0-9_]*)\??/g, (_match, name: string) => {
		names.push(name);
		return `{${name}}`;
	});
	return { path: converted, names };
}

function propertiesOf(schema: JsonSchema | undefined): Record<string, JsonSchema> {
	const properties = schema?.properties;
	return typeof properties === "object" && properties !== null ? (properties as Record<string, JsonSchema>) : {};
}

function requiredOf(schema: JsonSchema | undefined): string[] {
	return Array.isArray(schema?.required) ? (schema.required as string[]) : [];
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

function errorResponses(isPublic: boolean): Record<string, unknown> {
	const responses: Record<string, unknown> = {};
	for (const status of Object.keys(ERROR_RESPONSES)) {
		if (isPublic && (status === "401" || status === "403")) continue;
		responses[status] = { $ref: `#/components/responses/Error${status}` };
	}
	responses.default = { $ref: "#/components/responses/Error" };
	return responses;
}

function operationOf(route: PublishedRoute, names: string[], operationId: string): Record<string, unknown> {
	const properties = propertiesOf(route.params);
	const required = new Set(requiredOf(route.params));
	const parameters: Record<string, unknown>[] = names.map((name) => ({
		name,
		in: "path",
		required: true,
		schema: properties[name] ?? { type: "string" }
	}));
	const rest = Object.entries(properties).filter(([name]) => !names.includes(name));
	let requestBody: Record<string, unknown> | undefined;
	if (BODY_METHODS.has(route.method)) {
		if (rest.length > 0 || route.params === undefined) {
			const body: JsonSchema = {
				type: "object",
				properties: Object.fromEntries(rest),
				...(route.params?.additionalProperties === false ? { additionalProperties: false } : {})
			};
			const bodyRequired = rest.map(([name]) => name).filter((name) => required.has(name));
			if (bodyRequired.length > 0) body.required = bodyRequired;
			requestBody = { required: bodyRequired.length > 0, content: { "application/json": { schema: body } } };
		}
	} else {
		for (const [name, schema] of rest) parameters.push({ name, in: "query", required: required.has(name), schema });
	}
	const isPublic = route.permissions?.length === 1 && route.permissions[0] === PUBLIC;
	return {
		operationId,
		tags: [route.action.split(".")[0] ?? route.action],
		summary: route.description ?? route.action,
		"x-moleculer-action": route.action,
		...(parameters.length > 0 ? { parameters } : {}),
		...(requestBody ? { requestBody } : {}),
		responses: {
			"200": {
				description: "Success",
				content: { "application/json": { schema: route.response ? withoutDialect(route.response) : {} } }
			},
			...errorResponses(isPublic)
		},
		...security(route.permissions)
	};
}

function edgeOperation(route: EdgeRoute): Record<string, unknown> {
	const isPublic = route.permissions.length === 1 && route.permissions[0] === PUBLIC;
	return {
		operationId: `gateway${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
		tags: ["gateway"],
		summary: route.summary,
		responses: {
			"200": { description: "Success", content: { [route.response.contentType]: { schema: route.response.schema } } },
			...errorResponses(isPublic)
		},
		...security(route.permissions)
	};
}

export interface DocumentInfo {
	title: string;
	version: string;
	description?: string;
}

export function buildOpenApiDocument(routes: readonly PublishedRoute[], edgeRoutes: readonly EdgeRoute[], info: DocumentInfo): OpenApiDocument {
	const paths: Record<string, Record<string, unknown>> = {};
	const operationIds = new Set<string>();
	const add = (path: string, method: string, operation: Record<string, unknown>): void => {
		let id = String(operation.operationId);
		// One action behind several routes: each operation still needs its own id.
		for (let n = 2; operationIds.has(id); n++) id = `${String(operation.operationId)}.${n}`;
		operationIds.add(id);
		(paths[path] ??= {})[method.toLowerCase()] = { ...operation, operationId: id };
	};
	for (const route of edgeRoutes) add(route.path, route.method, edgeOperation(route));
	for (const route of routes) {
		const { path, names } = openApiPath(route.path);
		add(path, route.method, operationOf(route, names, route.action));
	}
	const responses: Record<string, unknown> = {
		Error: { description: "An error, in the platform's one shape", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }
	};
	for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
		responses[`Error${status}`] = { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
	}
	return {
		openapi: "3.1.0",
		info,
		jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
		servers: [{ url: "/" }],
		paths,
		components: {
			schemas: { Error: ERROR_SCHEMA },
			responses,
			securitySchemes: {
				bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "An access token from POST /api/v1/auth/login" },
				apiKey: { type: "apiKey", in: "header", name: "X-Api-Key", description: "A scoped API key (also accepted as `Authorization: ApiKey <key>`)" }
			}
		}
	};
}
