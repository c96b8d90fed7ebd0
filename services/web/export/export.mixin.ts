/**
 * `ExportActionsMixin()`: the bulk exports of the web service (README.md "Public data"),
 * `GET /api/v1/export/{bills,politicians,votes,ballots}.{csv,ndjson}`, each with its list route's
 * filters. The host service provides `this.db` and `this.dbReady` (DbMixin with `reads: ["etl"]`)
 * and `settings.rest: "/"`.
 *
 * Each answer streams from a keyset read (a cursor on PostgreSQL, pages after the last key on
 * PGlite) whose lines PostgreSQL formats (decision 0017); the stream asks for a batch only when the
 * socket drains. An export holds a pooled connection for as long as its client reads, so a node
 * serves at most `maxConcurrent` at once and answers 503 EXPORTS_BUSY beyond that.
 */
import type { Context, Service, ServiceSchema } from "moleculer";
import { Errors } from "moleculer";
import type { DbService } from "../../../mixins/db.mixin.ts";
import type { KeysetRead } from "../../../runtime/storage/database.ts";
import { CONTENT_TYPES, type ExportFormat, csvHeader, recordEnd } from "./export-format.ts";
import {
	type BallotsFilters,
	BallotsExportParams,
	type BillsFilters,
	BillsExportParams,
	type PoliticiansFilters,
	PoliticiansExportParams,
	type VotesFilters,
	VotesExportParams
} from "./export-params.ts";
import { BALLOT_VOTES_PER_BATCH, EXPORT_COLUMNS, type ExportResource, type ExportRow, ballotsRead, billsRead, politiciansRead, votesRead } from "./export-store.ts";
import { ExportStream } from "./export-stream.ts";

export interface ExportOptions {
	/** Exports one node serves at once (each holds a database connection on PostgreSQL). */
	maxConcurrent?: number;
	/** A client that reads nothing for this long loses its export. */
	idleMs?: number;
	/** Rows fetched at a time for bills, politicians and votes. */
	batchSize?: number;
}

export const DEFAULT_EXPORT_OPTIONS: Required<ExportOptions> = { maxConcurrent: 4, idleMs: 60_000, batchSize: 1_000 };

export class ExportsBusyError extends Errors.MoleculerRetryableError {
	constructor(limit: number) {
		super(`This node already serves ${limit} exports; retry shortly`, 503, "EXPORTS_BUSY");
		this.name = "ExportsBusyError";
	}
}

interface ResponseMeta {
	$responseType?: string;
	$responseHeaders?: Record<string, string>;
}

/** The host's DbMixin members; Moleculer's `this` type cannot carry a mixin's additions. */
function dbOf(service: Service): DbService {
	return service as unknown as DbService;
}

interface ExportState {
	open: Set<ExportStream>;
	/** Counted from the start of the handler, so the limit also covers exports still opening. */
	opening: number;
}

const states = new WeakMap<Service, ExportState>();

async function openExport(
	service: Service,
	ctx: Context<{ format: ExportFormat }, ResponseMeta>,
	resource: ExportResource,
	read: KeysetRead,
	options: Required<ExportOptions>,
	batchSize: number
): Promise<ExportStream> {
	const state = states.get(service);
	if (!state) throw new Error("ExportActionsMixin: state missing (created hook not run)");
	if (state.open.size + state.opening >= options.maxConcurrent) throw new ExportsBusyError(options.maxConcurrent);
	state.opening++;
	try {
		const db = dbOf(service);
		await db.dbReady();
		const { format } = ctx.params;
		const stream = await ExportStream.open(db.db.streamBatches<ExportRow>(read, { batchSize }), {
			header: format === "csv" ? csvHeader(EXPORT_COLUMNS[resource]) : "",
			recordEnd: recordEnd(format),
			idleMs: options.idleMs
		});
		state.open.add(stream);
		stream.once("close", () => state.open.delete(stream));
		ctx.meta.$responseType = CONTENT_TYPES[format];
		ctx.meta.$responseHeaders = {
			"Content-Disposition": `attachment; filename="${resource}.${format}"`,
			"Cache-Control": "no-store"
		};
		return stream;
	} finally {
		state.opening--;
	}
}

/** The exports this service instance is streaming now (for tests and health details). */
export function exportsInProgress(service: Service): readonly ExportStream[] {
	return [...(states.get(service)?.open ?? [])];
}

export function ExportActionsMixin(overrides: ExportOptions = {}): Partial<ServiceSchema> {
	const options = { ...DEFAULT_EXPORT_OPTIONS, ...overrides };
	const common = { visibility: "published", permissions: ["public"], cache: false } as const;
	return {
		created(this: Service) {
			states.set(this, { open: new Set(), opening: 0 });
		},
		actions: {
			exportBills: {
				...common,
				rest: "GET /export/bills.:format",
				params: BillsExportParams,
				handler(this: Service, ctx: Context<BillsFilters, ResponseMeta>) {
					return openExport(this, ctx, "bills", billsRead(ctx.params), options, options.batchSize);
				}
			},
			exportPoliticians: {
				...common,
				rest: "GET /export/politicians.:format",
				params: PoliticiansExportParams,
				handler(this: Service, ctx: Context<PoliticiansFilters, ResponseMeta>) {
					return openExport(this, ctx, "politicians", politiciansRead(ctx.params), options, options.batchSize);
				}
			},
			exportVotes: {
				...common,
				rest: "GET /export/votes.:format",
				params: VotesExportParams,
				handler(this: Service, ctx: Context<VotesFilters, ResponseMeta>) {
					return openExport(this, ctx, "votes", votesRead(ctx.params), options, options.batchSize);
				}
			},
			exportBallots: {
				...common,
				rest: "GET /export/ballots.:format",
				params: BallotsExportParams,
				handler(this: Service, ctx: Context<BallotsFilters, ResponseMeta>) {
					return openExport(this, ctx, "ballots", ballotsRead(ctx.params), options, BALLOT_VOTES_PER_BATCH);
				}
			}
		}
	};
}
