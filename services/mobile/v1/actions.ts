/**
 * /mobile/v1: its actions, named `v1.<what>` so that a v2 module can sit beside this one in the
 * same service without touching it (the gateway publishes `mobile.**` under /mobile/v1 only).
 * Handlers orchestrate; SQL is in items.ts, lists.ts, changes.ts and ../devices-store.ts.
 */
import type { Context, Service, ServiceSchema } from "moleculer";
import { Errors } from "moleculer";
import { principalOf } from "../../../access/principal.ts";
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import type { ParamsOf } from "../../../runtime/validation/zod-params.ts";
import { deleteOwnDevice, devicesOfUser, registerDevice } from "../devices-store.ts";
import type { Device } from "../mobile.contract.ts";
import { changesSince } from "./changes.ts";
import type { CursorCodec } from "./cursor.ts";
import { DeviceNotFoundError } from "./errors.ts";
import { listBills, listPoliticians, listVotes } from "./lists.ts";
import {
	BillDetailParams,
	BillsListParams,
	ChangesParams,
	DeviceIdParams,
	ListDevicesParams,
	PoliticianDetailParams,
	PoliticiansListParams,
	RegisterDeviceParams,
	VoteDetailParams,
	VotesListParams
} from "./params.ts";

/** What the v1 handlers need from the service that hosts them. */
export interface V1Host {
	/** The database once ready (bounded wait, then 503). */
	database(): Promise<SqlExecutor>;
	cursors: CursorCodec;
}


const PUBLIC_READ = { visibility: "published", permissions: ["public"] } as const;
const OWN_DEVICES = { visibility: "published", permissions: ["account:self"] } as const;

/** A device as its owner sees it (the owner's id is theirs already). */
function ownView(device: Device): Omit<Device, "userId"> {
	return { id: device.id, platform: device.platform, token: device.token, name: device.name, createdAt: device.createdAt, updatedAt: device.updatedAt };
}

function userIdOf(ctx: Context): string {
	const principal = principalOf(ctx.meta);
	// `account:self` is held by people only; a call without a principal (the platform's own) has no user.
	if (principal?.kind !== "user") throw new Errors.MoleculerClientError("Sign in to manage your devices", 401, "UNAUTHORIZED");
	return principal.userId;
}

/** Detail on demand: the web API's answer for the item, without the raw-source lineage a phone does not show. */
async function detailOf(ctx: Context, action: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
	const detail = await ctx.call<Record<string, unknown>, Record<string, unknown>>(action, params);
	return Object.fromEntries(Object.entries(detail).filter(([key]) => key !== "source"));
}

/** The v1 actions, for a service that gives each handler its host (database, cursor key). */
export function v1Actions(hostOf: (service: Service) => V1Host): NonNullable<ServiceSchema["actions"]> {
	return {
		"v1.bills": {
			...PUBLIC_READ,
			rest: "GET /bills",
			params: BillsListParams,
			async handler(this: Service, ctx: Context<ParamsOf<typeof BillsListParams>>) {
				return listBills(await hostOf(this).database(), hostOf(this).cursors, ctx.params);
			}
		},
		"v1.bill": {
			...PUBLIC_READ,
			rest: "GET /bills/:session/:number",
			params: BillDetailParams,
			handler(ctx: Context<ParamsOf<typeof BillDetailParams>>) {
				return detailOf(ctx, "web.bill", { session: ctx.params.session, number: ctx.params.number });
			}
		},
		"v1.votes": {
			...PUBLIC_READ,
			rest: "GET /votes",
			params: VotesListParams,
			async handler(this: Service, ctx: Context<ParamsOf<typeof VotesListParams>>) {
				return listVotes(await hostOf(this).database(), hostOf(this).cursors, ctx.params);
			}
		},
		"v1.vote": {
			...PUBLIC_READ,
			rest: "GET /votes/:session/:number",
			params: VoteDetailParams,
			handler(ctx: Context<ParamsOf<typeof VoteDetailParams>>) {
				return detailOf(ctx, "web.vote", { session: ctx.params.session, number: ctx.params.number });
			}
		},
		"v1.politicians": {
			...PUBLIC_READ,
			rest: "GET /politicians",
			params: PoliticiansListParams,
			async handler(this: Service, ctx: Context<ParamsOf<typeof PoliticiansListParams>>) {
				return listPoliticians(await hostOf(this).database(), hostOf(this).cursors, ctx.params);
			}
		},
		"v1.politician": {
			...PUBLIC_READ,
			rest: "GET /politicians/:slug",
			params: PoliticianDetailParams,
			handler(ctx: Context<ParamsOf<typeof PoliticianDetailParams>>) {
				return detailOf(ctx, "web.politician", { slug: ctx.params.slug });
			}
		},
		"v1.changes": {
			...PUBLIC_READ,
			rest: "GET /changes",
			params: ChangesParams,
			async handler(this: Service, ctx: Context<ParamsOf<typeof ChangesParams>>) {
				return changesSince(await hostOf(this).database(), hostOf(this).cursors, ctx.params.since, ctx.params.limit);
			}
		},
		"v1.registerDevice": {
			...OWN_DEVICES,
			rest: "POST /devices",
			params: RegisterDeviceParams,
			async handler(this: Service, ctx: Context<ParamsOf<typeof RegisterDeviceParams>, { $statusCode?: number }>) {
				const { device, created } = await registerDevice(await hostOf(this).database(), userIdOf(ctx), ctx.params.platform, ctx.params.token, ctx.params.name ?? null);
				ctx.meta.$statusCode = created ? 201 : 200;
				return ownView(device);
			}
		},
		"v1.devices": {
			...OWN_DEVICES,
			rest: "GET /devices",
			params: ListDevicesParams,
			async handler(this: Service, ctx: Context<ParamsOf<typeof ListDevicesParams>>) {
				return { items: (await devicesOfUser(await hostOf(this).database(), userIdOf(ctx))).map(ownView) };
			}
		},
		"v1.deleteDevice": {
			...OWN_DEVICES,
			rest: "DELETE /devices/:id",
			params: DeviceIdParams,
			async handler(this: Service, ctx: Context<ParamsOf<typeof DeviceIdParams>>) {
				// Another user's device is "not found" too: its existence is not the caller's to learn.
				if (!(await deleteOwnDevice(await hostOf(this).database(), userIdOf(ctx), ctx.params.id))) throw new DeviceNotFoundError(ctx.params.id);
				return { deleted: ctx.params.id };
			}
		}
	};
}
