/**
 * `config`: central, versioned configuration (issue 12, docs/decisions/0019-central-configuration.md).
 *
 * Keys are declared by the services that own them (mixins/config.mixin.ts) and learned here from
 * the registry (declared-keys.ts). Every change is a new row in `config.versions` with who, why,
 * the request id and the client's address; a rollback is a new version holding an older value.
 * After each commit the change goes out as `config.changed` to every node.
 *
 * Routes (operators and admins, docs/decisions/0006-authorization.md): `GET /api/v1/config`,
 * `GET|PUT /api/v1/config/{key}`, `GET /api/v1/config/{key}/history`,
 * `POST /api/v1/config/{key}/rollback`. Reading needs `config:read`; writing needs `config:write`
 * and, per key, the role the key names (`changeableBy`: operators change operator keys, admins
 * every key). `PUT` with `"value": null` returns a key to its default.
 */
import { listPage } from "../../runtime/list-page.ts";
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Errors } from "moleculer";
import { z } from "zod";
import { DbMixin, type DbMixinOptions, type DbService } from "../../mixins/db.mixin.ts";
import { type ServiceThis, defineService } from "../../runtime/define-service.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { principalOf } from "../../access/principal.ts";
import type { Principal } from "../../access/roles.ts";
import { roleRank } from "../../access/roles.ts";
import { MAX_OFFSET, pagination, queryInt, text } from "../../runtime/validation/fields.ts";
import { type ParamsOf, zodParams } from "../../runtime/validation/zod-params.ts";
import { type FieldIssue, validationError, zodIssues } from "../../runtime/validation/zod-validator.ts";
import {
	CONFIG_CHANGED_EVENT,
	type ConfigChanged,
	MAX_KEY_LENGTH,
	MAX_VALUE_BYTES,
	type OwnerValues,
	type RevisionAnswer,
	isSecretLikeKey
} from "./config.contract.ts";
import { type VersionRow, appendVersion, currentAll, currentOf, historyOf, ownerValues, revisionOf, versionBefore, versionOf } from "./config-store.ts";
import { type DeclaredKey, DeclaredKeys } from "./declared-keys.ts";
import { CONFIG_ERRORS, ConfigServiceError } from "./errors.ts";
import type { ConfigEntry, HistoryItem, Page, SetAnswer } from "./config.contract.ts";

export const CONFIG_ROUTE = "/api/v1/config";

const Key = text(MAX_KEY_LENGTH, 1);
const Reason = text(500, 3);

const ListParams = zodParams(z.strictObject({ owner: text(100, 1).optional(), ...pagination }));
const GetParams = zodParams(z.strictObject({ key: Key }));
const SetParams = zodParams(
	z.strictObject({
		key: Key,
		/** Checked against the key's own schema in the handler; bounded in size there and by the gateway's body limit. */
		value: z.unknown(),
		reason: Reason,
		/** The key's version the caller saw: a concurrent change answers 409 instead of being overwritten. */
		expectedVersion: queryInt(0, Number.MAX_SAFE_INTEGER).optional()
	})
);
const HistoryParams = zodParams(z.strictObject({ key: Key, ...pagination }));
const RollbackParams = zodParams(z.strictObject({ key: Key, version: queryInt(1, Number.MAX_SAFE_INTEGER).optional(), reason: Reason }));
const ValuesParams = zodParams(z.strictObject({ owner: text(100, 1) }));
const RevisionParams = zodParams(z.strictObject({}));

export type ConfigServiceOptions = Pick<DbMixinOptions, "database" | "env">;

/** What a config service holds while it runs, set in `created` (DbMixin adds its part). */
interface ConfigVars extends DbService {
	/** The keys running services declare, as their INFO packets say. */
	declared: DeclaredKeys;
}

interface ConfigSettings extends ServiceSettingSchema {
	rest: string;
}

type ConfigThis = ServiceThis<ConfigSettings, ConfigVars>;

function refuseValue(key: string, issues: FieldIssue[]): Errors.ValidationError {
	const error = validationError(issues);
	// The first reason in the message, so a client that shows only the message still says why.
	error.message = `${key}: ${issues[0]?.message ?? "invalid value"}`;
	return error;
}

function valueIssues(issues: FieldIssue[]): FieldIssue[] {
	return issues.map((issue) => ({ ...issue, field: issue.field === "(params)" ? "value" : `value.${issue.field}` }));
}


function entryOf(key: string, declared: DeclaredKey | undefined, row: VersionRow | undefined): ConfigEntry {
	const isDefault = row === undefined || row.value === null;
	return {
		key,
		owner: declared?.owner ?? row?.owner ?? key.split(".")[0] ?? key,
		declared: declared !== undefined,
		value: isDefault ? (declared?.default ?? null) : row.value,
		isDefault,
		default: declared?.default ?? null,
		version: row?.version ?? 0,
		description: declared?.description ?? null,
		changeableBy: declared?.changeableBy ?? null,
		restartRequired: declared?.restartRequired ?? false,
		schema: declared?.schema ?? null,
		changedAt: row ? row.changedAt.toISOString() : null,
		changedBy: row?.changedBy ?? null,
		reason: row?.reason ?? null
	};
}

function historyItem(row: VersionRow): HistoryItem {
	return {
		version: row.version,
		value: row.value,
		isDefault: row.value === null,
		kind: row.kind,
		rollbackOf: row.rollbackOf,
		changedBy: row.changedBy,
		reason: row.reason,
		requestId: row.requestId,
		changedAt: row.changedAt.toISOString()
	};
}

/** Who made a change, for the audit trail. The platform's own calls (REPL, other services) name their node. */
function actorOf(ctx: Context, principal: Principal | undefined): string {
	if (principal?.kind === "user") return `user:${principal.userId}`;
	if (principal?.kind === "api-key") return `key:${principal.keyId}`;
	const meta = ctx.meta as { actor?: unknown };
	const named = typeof meta.actor === "string" && meta.actor.length > 0 ? meta.actor.slice(0, 100) : undefined;
	return named ?? `node:${ctx.nodeID ?? "unknown"}`;
}

/** Operators change operator keys, admins every key; API keys never (config:write is not key-grantable anyway). */
function assertMayChange(principal: Principal | undefined, key: DeclaredKey): void {
	if (principal === undefined) return;
	if (principal.kind === "user" && roleRank(principal.role) >= roleRank(key.changeableBy)) return;
	throw new ConfigServiceError(CONFIG_ERRORS.FORBIDDEN, `${key.key} may be changed by ${key.changeableBy === "admin" ? "admins only" : "operators and admins"}`, { key: key.key, changeableBy: key.changeableBy });
}

function declaredOrRefuse(service: ConfigThis, key: string): DeclaredKey {
	if (isSecretLikeKey(key)) {
		throw refuseValue(key, [{ field: "key", type: "secret", message: "looks like a secret; secrets stay in the environment or key files, never in configuration" }]);
	}
	const declared = service.declared.get(key);
	if (!declared) throw new ConfigServiceError(CONFIG_ERRORS.KEY_NOT_FOUND, `No running service declares ${key}`, { key });
	return declared;
}

function checkValue(declared: DeclaredKey, value: unknown): void {
	if (value === null) return;
	const size = Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
	if (size > MAX_VALUE_BYTES) throw refuseValue(declared.key, [{ field: "value", type: "too_big", message: `is ${size} bytes; at most ${MAX_VALUE_BYTES}` }]);
	const parsed = declared.validator.safeParse(value);
	if (!parsed.success) throw refuseValue(declared.key, valueIssues(zodIssues(parsed.error)));
}

function changeMessage(declared: DeclaredKey, version: number): string {
	return declared.restartRequired
		? `Stored as version ${version}; ${declared.key} takes effect when ${declared.owner} restarts`
		: `Stored as version ${version}; applied live by every ${declared.owner} node`;
}

async function commit(service: ConfigThis, declared: DeclaredKey, decide: Parameters<typeof appendVersion>[2]): Promise<SetAnswer> {
	await service.dbReady();
	const { row, previous } = await appendVersion(service.db, declared.key, decide);
	const change: ConfigChanged = {
		key: row.key,
		owner: row.owner,
		value: row.value,
		isDefault: row.value === null,
		version: row.version,
		previousVersion: previous?.version ?? null,
		kind: row.kind,
		rollbackOf: row.rollbackOf,
		restartRequired: declared.restartRequired,
		changedBy: row.changedBy,
		reason: row.reason,
		at: row.changedAt.toISOString()
	};
	service.logger.info(`Configuration ${row.key} ${row.kind} to version ${row.version} by ${row.changedBy}: ${row.reason}`);
	// After the commit: a node that hears it and asks at once finds the row.
	await service.broker.broadcast(CONFIG_CHANGED_EVENT, change);
	return { ...entryOf(declared.key, declared, row), previousVersion: change.previousVersion, message: changeMessage(declared, row.version) };
}

function auditFields(ctx: Context): { requestId: string | null; clientIp: string | null } {
	const ip = (ctx.meta as { clientIp?: unknown }).clientIp;
	return { requestId: ctx.requestID ?? null, clientIp: typeof ip === "string" ? ip.slice(0, 100) : null };
}

export function ConfigService(options: ConfigServiceOptions = {}): ServiceSchema {
	const dbOptions: DbMixinOptions = { ...(options.database ? { database: options.database } : {}), ...(options.env ? { env: options.env } : {}) };
	return defineService<ConfigSettings, ConfigVars>({
		name: "config",
		mixins: [DbMixin(dbOptions), HealthMixin()],
		settings: { rest: "/config" },

		actions: {
			list: {
				visibility: "published",
				permissions: ["config:read"],
				rest: "GET /",
				params: ListParams,
				async handler(this: ConfigThis, ctx: Context<ParamsOf<typeof ListParams>>): Promise<Page<ConfigEntry>> {
					await this.dbReady();
					const { owner, limit, offset } = ctx.params;
					const declared = this.declared.all();
					const stored = await currentAll(this.db);
					const names = [...new Set([...declared.keys(), ...stored.keys()])]
						.filter((key) => owner === undefined || (declared.get(key)?.owner ?? stored.get(key)?.owner) === owner)
						.sort();
					const objects = names.slice(offset, offset + limit).map((key) => entryOf(key, declared.get(key), stored.get(key)));
					return listPage(CONFIG_ROUTE, { ...(owner ? { owner } : {}), limit, offset }, objects, names.length);
				}
			},

			get: {
				visibility: "published",
				permissions: ["config:read"],
				rest: "GET /:key",
				params: GetParams,
				async handler(this: ConfigThis, ctx: Context<ParamsOf<typeof GetParams>>): Promise<ConfigEntry> {
					await this.dbReady();
					const { key } = ctx.params;
					const declared = this.declared.get(key);
					const row = await currentOf(this.db, key);
					if (!declared && !row) throw new ConfigServiceError(CONFIG_ERRORS.KEY_NOT_FOUND, `No running service declares ${key}, and it was never set`, { key });
					return entryOf(key, declared, row);
				}
			},

			set: {
				visibility: "published",
				permissions: ["config:write"],
				rest: "PUT /:key",
				params: SetParams,
				async handler(this: ConfigThis, ctx: Context<ParamsOf<typeof SetParams>>): Promise<SetAnswer> {
					const { key, value, reason, expectedVersion } = ctx.params;
					const declared = declaredOrRefuse(this, key);
					const principal = principalOf(ctx.meta);
					assertMayChange(principal, declared);
					if (value === undefined) throw refuseValue(key, [{ field: "value", type: "invalid_type", message: "is required (null returns the key to its default)" }]);
					checkValue(declared, value);
					return commit(this, declared, async (current) => {
						if (expectedVersion !== undefined && (current?.version ?? 0) !== expectedVersion) {
							throw new ConfigServiceError(CONFIG_ERRORS.VERSION_CONFLICT, `${key} is at version ${current?.version ?? 0}, not ${expectedVersion}: it changed meanwhile`, { key, version: current?.version ?? 0 });
						}
						return { key, owner: declared.owner, value, kind: "set", rollbackOf: null, changedBy: actorOf(ctx, principal), reason, ...auditFields(ctx) };
					});
				}
			},

			history: {
				visibility: "published",
				permissions: ["config:read"],
				rest: "GET /:key/history",
				params: HistoryParams,
				async handler(this: ConfigThis, ctx: Context<ParamsOf<typeof HistoryParams>>): Promise<Page<HistoryItem>> {
					await this.dbReady();
					const { key, limit, offset } = ctx.params;
					const { rows, total } = await historyOf(this.db, key, limit, Math.min(offset, MAX_OFFSET));
					if (total === 0 && !this.declared.get(key)) throw new ConfigServiceError(CONFIG_ERRORS.KEY_NOT_FOUND, `No running service declares ${key}, and it was never set`, { key });
					return listPage(`${CONFIG_ROUTE}/${encodeURIComponent(key)}/history`, { limit, offset }, rows.map(historyItem), total);
				}
			},

			rollback: {
				visibility: "published",
				permissions: ["config:write"],
				rest: "POST /:key/rollback",
				params: RollbackParams,
				async handler(this: ConfigThis, ctx: Context<ParamsOf<typeof RollbackParams>>): Promise<SetAnswer> {
					const { key, version, reason } = ctx.params;
					const declared = declaredOrRefuse(this, key);
					const principal = principalOf(ctx.meta);
					assertMayChange(principal, declared);
					return commit(this, declared, async (current, tx) => {
						if (!current) throw new ConfigServiceError(CONFIG_ERRORS.NOTHING_TO_ROLL_BACK, `${key} was never changed: it already has its default`, { key });
						// Without a version: the value before the current one (the default before the first change).
						const target = version === undefined ? await versionBefore(tx, key, current.version) : await versionOf(tx, key, version);
						if (version !== undefined && !target) throw new ConfigServiceError(CONFIG_ERRORS.VERSION_NOT_FOUND, `${key} has no version ${version}`, { key, version });
						const restored = target?.value ?? null;
						// The schema may have changed since that version was written.
						checkValue(declared, restored);
						return { key, owner: declared.owner, value: restored, kind: "rollback", rollbackOf: target?.version ?? null, changedBy: actorOf(ctx, principal), reason, ...auditFields(ctx) };
					});
				}
			},

			values: {
				visibility: "public",
				params: ValuesParams,
				async handler(this: ConfigThis, ctx: Context<ParamsOf<typeof ValuesParams>>): Promise<OwnerValues> {
					await this.dbReady();
					return ownerValues(this.db, ctx.params.owner);
				}
			},

			revision: {
				visibility: "public",
				params: RevisionParams,
				async handler(this: ConfigThis): Promise<RevisionAnswer> {
					await this.dbReady();
					return { revision: await revisionOf(this.db) };
				}
			}
		},

		created(this: ConfigThis): void {
			this.declared = new DeclaredKeys(this.broker, this.logger);
		}
	});
}

export default ConfigService();
