/**
 * `mobile`: the mobile API (issue 13; routes in the README). The gateway publishes
 * its actions under /mobile/v1 only. Each API version is a module of actions (v1/actions.ts) that
 * this service hosts, so a v2 sits beside v1 without changing it. It reads the ETL's tables (schema
 * `etl`, read only: the change log of migrations/006 included) and owns `mobile.devices`.
 *
 * Besides the routes, the contract other services use (mobile.contract.ts): the devices of users.
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { DbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { type Env, loadEnv } from "../../runtime/env.ts";
import type { DatabaseConfig, SqlExecutor } from "../../runtime/storage/database.ts";
import type { ParamsOf } from "../../runtime/validation/zod-params.ts";
import { devicesOfUsers, forgetToken } from "./devices-store.ts";
import { type Device, DevicesOfParams, ForgetTokenParams } from "./mobile.contract.ts";
import { v1Actions, type V1Host } from "./v1/actions.ts";
import { CursorCodec } from "./v1/cursor.ts";

export interface MobileServiceOptions {
	database?: DatabaseConfig;
	env?: Env;
}

type MobileThis = Service<ServiceSettingSchema>;

const hosts = new WeakMap<Service, V1Host>();

function hostOf(service: Service): V1Host {
	const host = hosts.get(service);
	if (!host) throw new Error("The mobile service was used before it was created");
	return host;
}

function dbOf(service: MobileThis): DbService {
	return service as unknown as DbService;
}

async function database(service: MobileThis): Promise<SqlExecutor> {
	await dbOf(service).dbReady();
	return dbOf(service).db;
}

/** Platform-internal: callable in the cluster, never a route. */
const INTERNAL = { visibility: "public", permissions: ["users:read"] } as const;

export function MobileService(options: MobileServiceOptions = {}): ServiceSchema {
	const dbOptions = { reads: ["etl"], ...(options.database ? { database: options.database } : {}), ...(options.env ? { env: options.env } : {}) };
	return {
		name: "mobile",
		mixins: [DbMixin(dbOptions), HealthMixin()],
		settings: { rest: "/" },

		actions: {
			...v1Actions(hostOf),
			devicesOf: {
				...INTERNAL,
				params: DevicesOfParams,
				async handler(this: MobileThis, ctx: Context<ParamsOf<typeof DevicesOfParams>>): Promise<Device[]> {
					return devicesOfUsers(await database(this), ctx.params.userIds);
				}
			},
			forgetToken: {
				...INTERNAL,
				params: ForgetTokenParams,
				async handler(this: MobileThis, ctx: Context<ParamsOf<typeof ForgetTokenParams>>): Promise<{ removed: number }> {
					return { removed: await forgetToken(await database(this), ctx.params.platform, ctx.params.token) };
				}
			}
		},

		created(this: MobileThis): void {
			const env = options.env ?? loadEnv();
			// Cursors are signed with a key derived from the platform's secret (v1/cursor.ts): every
			// mobile node of a cluster shares it, so a cursor from one node is good on all of them.
			hosts.set(this, { database: () => database(this), cursors: new CursorCodec(env.jwtSecret) });
		}
	};
}

export default MobileService();
