/**
 * The etl actions' params and answers, one zod schema each (docs/decisions/0012-zod-action-schemas.md).
 * `source` and `status` are the same enums for the validator and the handler (they had drifted:
 * an enum in the schema, `string` in the handler's type).
 */
import { z } from "zod";
import { MAX_OFFSET, queryFlag, queryInt, text } from "../../runtime/validation/fields.ts";
import { zodParams } from "../../runtime/validation/zod-params.ts";
import { zodResponse } from "../../runtime/validation/zod-response.ts";
import { RUN_STATUSES } from "./pipeline/runs.ts";
import { SOURCE_NAMES } from "./source-names.ts";

const source = z.enum(SOURCE_NAMES);
const runId = text(64, 1);

export const RunParams = zodParams(
	z.strictObject({
		source,
		url: z.url({ protocol: /^https?$/ }).max(2048).optional(),
		file: text(4096, 1).optional(),
		/** Answer when the run has finished instead of when it started (the CLI and tests). */
		wait: queryFlag().optional()
	})
);

export const RunIdParams = zodParams(z.strictObject({ id: runId }));

export const ListRunsParams = zodParams(
	z.strictObject({
		source: source.optional(),
		status: z.enum(RUN_STATUSES).optional(),
		limit: queryInt(1, 500).default(50),
		offset: queryInt(0, MAX_OFFSET).default(0)
	})
);

/** Payload of `etl.run.cancel-requested`: a receiver ignores fields it does not know (rolling upgrades). */
export const CancelRequestedPayload = zodParams(z.object({ id: runId }));

const counts = {
	fetched: z.number(),
	inserted: z.number(),
	updated: z.number(),
	unchanged: z.number(),
	invalid: z.number()
};

const isoTime = z.iso.datetime({ offset: true });

export const RunSchema = z.object({
	id: z.string(),
	source,
	status: z.enum(RUN_STATUSES),
	params: z.object({ url: z.string().optional(), file: z.string().optional() }),
	nodeID: z.string(),
	resumedFrom: z.string().nullable(),
	scheduledFor: isoTime.nullable(),
	// A queued run's progress is `{}` (the column's default): every field is optional.
	progress: z.object({ documents: z.number().optional(), pages: z.number().optional(), requests: z.number().optional(), url: z.string().optional() }),
	error: z.string().nullable(),
	createdAt: isoTime,
	startedAt: isoTime.nullable(),
	finishedAt: isoTime.nullable(),
	...counts
});

export const RunResponse = zodResponse(RunSchema);
export const RunListResponse = zodResponse(z.object({ runs: z.array(RunSchema) }));
export const RunDetailResponse = zodResponse(
	RunSchema.extend({
		checkpoint: z
			.object({ documents: z.number(), resource: z.string().optional(), pageUrl: z.string().optional(), skipInPage: z.number().optional() })
			.nullable(),
		issues: z.array(
			z.object({
				id: z.number(),
				source: z.string(),
				recordKey: z.string().nullable(),
				reason: z.string(),
				createdAt: isoTime,
				firstRunId: z.string(),
				lastSeenAt: isoTime,
				timesSeen: z.number()
			})
		)
	})
);

export const ListIssuesParams = zodParams(
	z.strictObject({
		source: source.optional(),
		/** The issues this run found, open or not; without it, the open ones. */
		run: runId.optional(),
		limit: queryInt(1, 500).default(50),
		offset: queryInt(0, MAX_OFFSET).default(0)
	})
);

const IssueSchema = z.object({
	id: z.number(),
	source: z.string(),
	recordKey: z.string().nullable(),
	reason: z.string(),
	createdAt: isoTime,
	firstRunId: z.string(),
	lastRunId: z.string(),
	lastSeenAt: isoTime,
	timesSeen: z.number(),
	open: z.boolean(),
	raw: z.unknown(),
	document: z.object({ key: z.string(), hash: z.string().nullable() }).nullable()
});

/** The DESIGN list shape: `{ objects, pagination }` with next and previous links. */
export const IssueListResponse = zodResponse(
	z.object({
		objects: z.array(IssueSchema),
		pagination: z.object({ offset: z.number(), limit: z.number(), total: z.number(), next_url: z.string().nullable(), previous_url: z.string().nullable() })
	})
);
