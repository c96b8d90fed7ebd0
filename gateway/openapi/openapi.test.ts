/**
 * GET /api/v1/openapi.json on a node with every service (as `npm start` runs them), joined over
 * NATS by a second node offering `echo`: the document validates as OpenAPI 3.1
 * (@seriousme/openapi-schema-validator), lists every route of the gateway's alias table and the
 * routes the gateway answers itself, carries a remote action's params, and states permissions as
 * security requirements.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import type { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../../runtime/env.ts";
import { SERVICE_NAMES, loadServiceSchemas } from "../../platform/service-catalog.ts";
import echoService from "../../test/fixtures/echo.service.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { type GatewayNode, NATS_URL, makeBroker, randomNamespace, request, startGatewayNode } from "../../test/kits/gateway-test-kit.ts";
import { NON_ACTION_PERMISSIONS } from "../gateway.service.ts";
import { buildOpenApiDocument, openApiPath } from "./openapi-document.ts";
import { aliasesOf, publishedRoutes, undocumentedRoutes } from "./published-routes.ts";
import { OPENAPI_PATH, edgeRoutes } from "./serve-openapi.ts";

type Operation = { security?: Record<string, string[]>[]; parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[]; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; responses: Record<string, unknown> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

function operation(doc: Document, method: string, path: string): Operation {
	const op = doc.paths[path]?.[method];
	if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
	return op;
}

describe("the OpenAPI document of the live platform", () => {
	const namespace = randomNamespace();
	let node: GatewayNode;
	let remote: ServiceBroker;
	let doc: Document;

	beforeAll(async () => {
		const env = loadEnv({ NODE_ENV: "test", NAMESPACE: namespace, TRANSPORTER: NATS_URL });
		const schemas = await loadServiceSchemas(SERVICE_NAMES.filter((name) => name !== "gateway"));
		node = await startGatewayNode(schemas, { namespace, transporter: NATS_URL }, { env });
		remote = makeBroker({ namespace, transporter: NATS_URL, nodeID: `openapi-remote-${process.pid}` });
		remote.createService(echoService);
		await remote.start();
		// moleculer-web rebuilds its routes 500 ms after the registry changes.
		doc = await waitFor(
			async () => {
				const res = await request(`${node.baseUrl}${OPENAPI_PATH}`);
				const body = res.body as Document;
				return res.status === 200 && body.paths["/api/v1/echo/slow"] ? body : undefined;
			},
			{ timeoutMs: 20_000, message: "the remote echo routes in the document" }
		);
	});
	afterAll(async () => {
		await remote?.stop();
		await node?.broker.stop();
	});

	it("is a valid OpenAPI 3.1 document", async () => {
		expect(doc.openapi).toBe("3.1.0");
		const result = await new Validator().validate(doc);
		expect(result.errors ?? []).toEqual([]);
		expect(result.valid).toBe(true);
	});

	it("lists every route the gateway serves, and the ones it answers itself", () => {
		const gateway = node.broker.getLocalService("gateway");
		const aliases = aliasesOf(gateway).filter((a) => typeof a.action === "string");
		expect(aliases.length).toBeGreaterThan(20);
		expect(undocumentedRoutes(doc, aliases)).toEqual([]);
		for (const path of ["/healthz", "/readyz", OPENAPI_PATH, ...Object.keys(NON_ACTION_PERMISSIONS)]) expect(doc.paths[path]?.get, path).toBeDefined();
	});

	it("reports a published route that is missing from a document", () => {
		const gateway = node.broker.getLocalService("gateway");
		const aliases = aliasesOf(gateway);
		const routes = publishedRoutes(node.broker, aliases);
		const dropped = routes.find((r) => r.action === "etl.run");
		expect(dropped).toBeDefined();
		const partial = buildOpenApiDocument(routes.filter((r) => r !== dropped), edgeRoutes(NON_ACTION_PERMISSIONS), { title: "t", version: "v1" });
		expect(undocumentedRoutes(partial, aliases)).toEqual(["POST /api/v1/etl/runs"]);
	});

	it("describes a remote action's params from the JSON Schema its node sent", () => {
		const slow = operation(doc, "get", "/api/v1/echo/slow");
		expect(slow.security).toEqual([]);
		expect(slow.parameters).toEqual([expect.objectContaining({ name: "delayMs", in: "query", required: true, schema: expect.objectContaining({ type: "integer", maximum: 60_000 }) })]);
	});

	it("puts path parameters in {braces}, bodies on POST and PUT, and query parameters on GET", () => {
		const setRole = operation(doc, "put", "/api/v1/auth/users/{id}/role");
		expect(setRole.parameters).toEqual([expect.objectContaining({ name: "id", in: "path", required: true, schema: expect.objectContaining({ format: "uuid" }) })]);
		expect(setRole.requestBody?.content["application/json"]?.schema).toMatchObject({ properties: { role: { enum: ["citizen", "editor", "operator", "admin"] } }, required: ["role"] });
		const runs = operation(doc, "get", "/api/v1/etl/runs");
		expect(runs.parameters?.map((p) => p.name).sort()).toEqual(["limit", "offset", "source", "status"]);
		expect(runs.parameters?.find((p) => p.name === "status")?.schema).toMatchObject({ enum: ["queued", "running", "succeeded", "failed", "cancelled"] });
		expect(openApiPath("/a/:session/:number/x")).toEqual({ path: "/a/{session}/{number}/x", names: ["session", "number"] });
	});

	it("states permissions as security requirements, public as none", () => {
		expect(operation(doc, "post", "/api/v1/auth/login").security).toEqual([]);
		expect(operation(doc, "post", "/api/v1/etl/runs").security).toEqual([{ bearerAuth: ["etl:run"] }, { apiKey: ["etl:run"] }]);
		expect(operation(doc, "get", "/metrics").security).toEqual([{ bearerAuth: ["monitoring:read"] }, { apiKey: ["monitoring:read"] }]);
		expect(operation(doc, "post", "/api/v1/etl/runs").responses["401"]).toEqual({ $ref: "#/components/responses/Error401" });
		expect(operation(doc, "post", "/api/v1/auth/login").responses["401"]).toBeUndefined();
	});

	it("carries declared answers and the one error shape", () => {
		const login = operation(doc, "post", "/api/v1/auth/login");
		const schema = (login.responses["200"] as { content: Record<string, { schema: Record<string, unknown> }> }).content["application/json"]?.schema;
		expect(schema).toHaveProperty("anyOf");
		expect(login.responses["422"]).toEqual({ $ref: "#/components/responses/Error422" });
	});

	it("is public and read-only", async () => {
		const post = await request(`${node.baseUrl}${OPENAPI_PATH}`, { method: "POST" });
		expect(post.status).toBe(405);
		expect((post.body as { error?: { type?: string } }).error?.type).toBe("METHOD_NOT_ALLOWED");
	});
});
