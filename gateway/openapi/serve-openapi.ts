/**
 * `GET /api/v1/openapi.json` (public): the document is built on every request from the live alias
 * table and registry, so a route published by a node that just joined is in it at once. Building
 * it walks a few dozen routes (well under a millisecond); no cache to keep in step with the registry.
 */
import type { ServerResponse } from "node:http";
import type { Service } from "moleculer";
import { writeJson } from "../errors.ts";
import { type EdgeRoute, type OpenApiDocument, buildOpenApiDocument } from "./openapi-document.ts";
import { aliasesOf, publishedRoutes } from "./published-routes.ts";

/** Under the gateway's API_PREFIX (gateway.service.ts), written out to keep this module free of it. */
export const OPENAPI_PATH = "/api/v1/openapi.json";

const JSON_OBJECT = { type: "object" };

/**
 * The routes the gateway answers itself; `nonAction` is its NON_ACTION_PERMISSIONS (the event
 * stream and /metrics with what they require), passed in so the two cannot disagree.
 */
export function edgeRoutes(nonAction: Readonly<Record<string, readonly string[]>>): EdgeRoute[] {
	const routes: EdgeRoute[] = [
		{ method: "GET", path: "/healthz", permissions: ["public"], summary: "Liveness: the process answers", response: { contentType: "application/json", schema: JSON_OBJECT } },
		{ method: "GET", path: "/readyz", permissions: ["public"], summary: "Readiness: 200 ready, 503 with reasons", response: { contentType: "application/json", schema: JSON_OBJECT } },
		{ method: "GET", path: OPENAPI_PATH, permissions: ["public"], summary: "This document", response: { contentType: "application/json", schema: JSON_OBJECT } }
	];
	for (const [path, permissions] of Object.entries(nonAction)) {
		const stream = path.endsWith("/events");
		routes.push({
			method: "GET",
			path,
			permissions,
			summary: stream ? "Live platform events (server-sent events)" : "Prometheus metrics of this node",
			response: { contentType: stream ? "text/event-stream" : "text/plain", schema: { type: "string" } }
		});
	}
	return routes;
}

export function openApiDocumentOf(gateway: Service, nonAction: Readonly<Record<string, readonly string[]>>): OpenApiDocument {
	return buildOpenApiDocument(publishedRoutes(gateway.broker, aliasesOf(gateway)), edgeRoutes(nonAction), {
		title: "OpenPolicy Platform API",
		version: "v1",
		description: "Canadian parliamentary data. Generated from the live service registry; errors are `{ error: { type, message, code, data? } }`."
	});
}

export function serveOpenApi(gateway: Service, res: ServerResponse, nonAction: Readonly<Record<string, readonly string[]>>): void {
	writeJson(res, 200, openApiDocumentOf(gateway, nonAction), { "Cache-Control": "no-cache" });
}
