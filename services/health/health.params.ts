/**
 * The health actions' params and answers, one zod schema each (docs/decisions/0012-zod-action-schemas.md).
 *
 * Moleculer's own events (`$node.*`, `$circuit-breaker.*`) are typed here but not validated: their
 * payloads are Moleculer's, and a payload refused by a schema would be a node loss the cluster
 * picture never hears of.
 */
import { z } from "zod";
import { queryInt, text } from "../../runtime/validation/fields.ts";
import { zodParams } from "../../runtime/validation/zod-params.ts";
import { zodResponse } from "../../runtime/validation/zod-response.ts";
import { DEFAULT_HISTORY_CAPACITY } from "./transition-log.ts";
import { TRANSITION_KINDS } from "./health.contract.ts";

export const TransitionsParams = zodParams(
	z.strictObject({
		limit: queryInt(1, DEFAULT_HISTORY_CAPACITY).default(100),
		kind: z.enum(TRANSITION_KINDS).optional(),
		id: text(200, 1).optional()
	})
);

const status = z.enum(["up", "degraded", "down"]);
const isoTime = z.string();

const NodeViewSchema = z.object({
	id: z.string(),
	hostname: z.string().nullable(),
	ipList: z.array(z.string()),
	versions: z.object({ node: z.string().nullable(), moleculer: z.string().nullable(), platform: z.string().nullable() }),
	local: z.boolean(),
	state: z.enum(["up", "down"]),
	since: isoTime,
	reason: z.string().optional(),
	startedAt: isoTime.nullable(),
	uptimeSec: z.number().nullable(),
	lastSeen: isoTime,
	services: z.array(z.string())
});

const ServiceViewSchema = z.object({
	name: z.string(),
	status,
	since: isoTime,
	reasons: z.array(z.string()),
	wanted: z.number(),
	live: z.number(),
	nodes: z.array(z.string()),
	checks: z.array(z.object({ nodeID: z.string(), ok: z.boolean(), at: isoTime, reasons: z.array(z.string()) })),
	openCircuits: z.array(z.string())
});

const ClusterSummarySchema = z.object({
	status,
	observer: z.string(),
	at: isoTime,
	transporter: z.object({ state: z.string(), since: isoTime, detail: z.string().optional() }),
	counts: z.object({
		nodes: z.object({ up: z.number(), down: z.number() }),
		services: z.object({ up: z.number(), degraded: z.number(), down: z.number() })
	}),
	nodes: z.array(NodeViewSchema),
	services: z.array(ServiceViewSchema)
});

const TransitionSchema = z.object({
	kind: z.enum(TRANSITION_KINDS),
	id: z.string(),
	from: z.string(),
	to: z.string(),
	at: isoTime,
	reason: z.string().optional(),
	observer: z.string()
});

export const ClusterResponse = zodResponse(ClusterSummarySchema);
export const NodesResponse = zodResponse(z.object({ nodes: z.array(NodeViewSchema) }));
export const ServicesResponse = zodResponse(z.object({ services: z.array(ServiceViewSchema) }));
export const TransitionsResponse = zodResponse(z.object({ transitions: z.array(TransitionSchema) }));

export interface NodeEventPayload {
	node: { id: string };
	unexpected: boolean;
}

export interface CircuitEventPayload {
	nodeID: string;
	service: string;
	action: string;
	failures?: number;
	count?: number;
}
