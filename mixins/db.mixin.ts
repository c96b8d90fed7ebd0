/**
 * `DbMixin({...})` gives a service the relational store: `this.db` (typed query, transaction,
 * streaming and bulk helpers, see runtime/storage/database.ts), its own PostgreSQL schema with the
 * migrations in `services/<name>/migrations/`, and a "database" health check.
 *
 * Start-up never waits for PostgreSQL: when it is unreachable the service starts anyway, its health
 * check fails (so /readyz answers 503), queries fail fast with DATABASE_UNAVAILABLE (503), and the
 * migrations are retried in the background until the server answers. A changed, already-applied
 * migration stops the node.
 *
 * A service's own `started` runs after this mixin's, possibly while the database is still away:
 * work that needs the schema should wait for `this.dbReady()` rather than run in `started`. That wait
 * is bounded (by default the connect timeout) and then fails with DATABASE_UNAVAILABLE, so an action
 * answers 503 instead of hanging until the request timeout; background work that must wait for as
 * long as it takes passes `Number.POSITIVE_INFINITY`.
 *
 * A database error that the caller's input caused (a NUL byte, a number out of range, a duplicate)
 * leaves every action of the service as a 4xx through `classifyDatabaseError`, never as a 500 that
 * would count toward the circuit breaker (docs/decisions/0011-client-errors-and-breakers.md). It is
 * an error hook, not a wrapper of `this.db`, so code inside the service still sees the driver's
 * error and may handle a SQLSTATE itself.
 *
 * Schema rule (docs/decisions/0002-storage.md): a service writes only its own schema and names
 * tables schema-qualified (`etl.bills`); a service that reads another's tables lists that schema
 * in `reads`, which also applies the owner's migrations so a reader node works on an empty database.
 */
import type { Context, Service, ServiceSchema } from "moleculer";
import { type Env, loadEnv } from "../runtime/env.ts";
import type { Database, DatabaseConfig } from "../runtime/storage/database.ts";
import { databaseConfigFromEnv } from "../runtime/storage/database-config.ts";
import { acquireDatabase, releaseDatabase } from "../runtime/storage/database-registry.ts";
import { DatabaseUnavailableError, classifyDatabaseError, describeStorageError as describeError, isConnectionError, MigrationChecksumError } from "../runtime/storage/errors.ts";
import { type MigrationSet, applyMigrations } from "../runtime/storage/migrations.ts";
import { migrationSetOf } from "../runtime/storage/migration-sets.ts";
import { quoteQualified } from "../runtime/storage/sql-identifiers.ts";
import { addHealthCheck } from "./health.mixin.ts";

export interface DbMixinOptions {
	/** The schema this service owns and writes; defaults to the service name. */
	schema?: string;
	/** Folder of this service's migrations; defaults to `services/<schema>/migrations`. */
	migrations?: string;
	/** Schemas of other services this one reads (never writes): a name, or a set with its folder. */
	reads?: readonly (string | MigrationSet)[];
	/** The database to use; defaults to the one the environment names (DATABASE_URL, DATA_DIR). */
	database?: DatabaseConfig;
	/** The environment to derive the database from when `database` is not given; defaults to process.env. */
	env?: Env;
	/** Health check ping timeout, ms. */
	pingTimeoutMs?: number;
}

/** What the mixin adds to a service's `this`. */
export interface DbService {
	db: Database;
	/** The schema this service owns. */
	dbSchema: string;
	/** `this.dbTable("bills")` → `"etl"."bills"` for the owning service. */
	dbTable(name: string): string;
	/**
	 * Resolves once the database answered and the migrations are applied; rejects with
	 * DatabaseUnavailableError (503) when that has not happened within `timeoutMs` (default: the
	 * database's connect timeout, 3 s for embedded PGlite). `Number.POSITIVE_INFINITY` waits unbounded.
	 */
	dbReady(timeoutMs?: number): Promise<void>;
}

type MigrationState =
	| { kind: "pending"; reason: string }
	| { kind: "ready" }
	| { kind: "failed"; reason: string };

interface DbState {
	config: DatabaseConfig;
	sets: MigrationSet[];
	migration: MigrationState;
	retryTimer?: NodeJS.Timeout;
	stopped: boolean;
	ready: Promise<void>;
	markReady: () => void;
}

const states = new WeakMap<Service, DbState>();

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
/** Bound of `dbReady()` for PGlite, which has no connect timeout of its own. */
const DEFAULT_READY_TIMEOUT_MS = 3_000;

/** Waits for the migrations at most `timeoutMs`, so no caller hangs while PostgreSQL is away. */
function boundedReady(state: DbState, timeoutMs: number): Promise<void> {
	if (state.migration.kind === "ready" || !Number.isFinite(timeoutMs)) return state.ready;
	// A failed migration stops the node; waiting for it would only delay the same verdict.
	if (state.migration.kind === "failed") return Promise.reject(new DatabaseUnavailableError(`migrations failed: ${state.migration.reason}`));
	return new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => {
			if (state.migration.kind === "ready") resolve();
			else reject(new DatabaseUnavailableError(`not ready after ${timeoutMs} ms: ${state.migration.reason}`));
		}, Math.max(0, timeoutMs));
		void state.ready.then(() => {
			clearTimeout(timer);
			resolve();
		});
	});
}

function stateOf(service: Service): DbState {
	const state = states.get(service);
	if (!state) throw new Error(`Service "${service.fullName}" uses DbMixin but its state is missing`);
	return state;
}

async function migrate(service: Service & Partial<DbService>, state: DbState): Promise<void> {
	if (!service.db) throw new Error("database not opened");
	const applied = await applyMigrations(service.db, state.sets, service.broker.nodeID);
	for (const m of applied) service.logger.info(`Applied migration ${m.owner}/${String(m.version).padStart(3, "0")}_${m.name}`);
	state.migration = { kind: "ready" };
	state.markReady();
}

function scheduleRetry(service: Service & Partial<DbService>, state: DbState, delayMs: number): void {
	state.retryTimer = setTimeout(() => {
		if (state.stopped) return;
		migrate(service, state).then(
			() => service.logger.info(`Database reachable again (${service.db?.description ?? ""}): migrations done, ready.`),
			(err: unknown) => {
				if (state.stopped) return;
				if (isConnectionError(err)) {
					state.migration = { kind: "pending", reason: describeError(err) };
					scheduleRetry(service, state, Math.min(delayMs * 2, RETRY_MAX_MS));
					return;
				}
				state.migration = { kind: "failed", reason: describeError(err) };
				// Same verdict as at start-up: the node must not run on a schema it cannot trust.
				service.broker.fatal(`Migrations of "${service.fullName}" failed: ${describeError(err)}`, err instanceof Error ? err : undefined, true);
			}
		);
	}, delayMs);
	state.retryTimer.unref();
}

export function DbMixin(options: DbMixinOptions = {}): Partial<ServiceSchema> {
	const pingTimeoutMs = options.pingTimeoutMs ?? 1_500;
	return {
		hooks: {
			error: {
				"*"(this: Service, _ctx: Context, err: unknown): never {
					throw classifyDatabaseError(err) ?? err;
				}
			}
		},

		created(this: Service & Partial<DbService>) {
			const schema = options.schema ?? this.name;
			const baseConfig = options.database ?? databaseConfigFromEnv(options.env ?? loadEnv());
			// application_name = node id, so pg_stat_activity shows which node holds each connection.
			const config: DatabaseConfig = baseConfig.kind === "postgres" ? { ...baseConfig, applicationName: this.broker.nodeID.slice(0, 63) } : baseConfig;
			const own = options.migrations ? { owner: schema, dir: options.migrations } : migrationSetOf(schema);
			// Owners first: a reader's own migrations may reference the tables it reads.
			const sets = [...(options.reads ?? []).map((r) => (typeof r === "string" ? migrationSetOf(r) : r)), own];
			let markReady = (): void => undefined;
			const ready = new Promise<void>((resolve) => {
				markReady = resolve;
			});
			states.set(this, { config, sets, migration: { kind: "pending", reason: "not started" }, stopped: false, ready, markReady });
			this.dbSchema = schema;
			const defaultReadyMs = config.kind === "postgres" ? config.connectTimeoutMs : DEFAULT_READY_TIMEOUT_MS;
			this.dbReady = (timeoutMs = defaultReadyMs) => boundedReady(stateOf(this), timeoutMs);
			this.dbTable = (name: string) => quoteQualified(`${schema}.${name}`);

			addHealthCheck(this, "database", async () => {
				const state = stateOf(this);
				if (!this.db) throw new Error("database not opened yet");
				if (state.migration.kind === "failed") throw new Error(`migrations failed: ${state.migration.reason}`);
				try {
					await this.db.ping(pingTimeoutMs);
				} catch (err) {
					throw new Error(describeError(err), { cause: err });
				}
				if (state.migration.kind === "pending") throw new Error(`migrations pending: ${state.migration.reason}`);
				return this.db.description;
			});
		},

		async started(this: Service & Partial<DbService>) {
			const state = stateOf(this);
			state.stopped = false;
			this.db = await acquireDatabase(state.config, (err) => this.logger.warn(`An idle database connection failed: ${err.message}`));
			try {
				await migrate(this, state);
			} catch (err) {
				if (err instanceof MigrationChecksumError || !isConnectionError(err)) {
					state.migration = { kind: "failed", reason: describeError(err) };
					// The broker will not call `stopped` for a service that failed to start.
					await releaseDatabase(state.config);
					this.db = undefined;
					throw err;
				}
				state.migration = { kind: "pending", reason: describeError(err) };
				this.logger.warn(`Database unreachable at start (${this.db.description}): ${describeError(err)}. Starting anyway, not ready until it answers.`);
				scheduleRetry(this, state, RETRY_MIN_MS);
			}
		},

		async stopped(this: Service & Partial<DbService>) {
			const state = stateOf(this);
			state.stopped = true;
			clearTimeout(state.retryTimer);
			if (this.db) await releaseDatabase(state.config);
			this.db = undefined;
		}
	};
}
