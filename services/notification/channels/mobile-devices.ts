/**
 * Users' devices from the mobile service, through its contract over the broker. Every call has
 * its own short timeout: a mobile service that is down must not hold a decision's transaction
 * (plan-deliveries.ts then defers the lookup to the push delivery, which is retried).
 */
import type { ServiceBroker } from "moleculer";
import { DEVICES_OF_ACTION, type Device as MobileDevice, FORGET_TOKEN_ACTION, type Platform } from "../../mobile/mobile.contract.ts";
import type { Device, DeviceDirectory } from "../notification.contract.ts";

/** mobile.devicesOf takes at most this many users per call (its contract). */
const USERS_PER_CALL = 1_000;

export function mobileDevices(broker: ServiceBroker, timeoutMs: number): DeviceDirectory {
	return {
		async devicesOf(userIds) {
			const out = new Map<string, Device[]>();
			const unique = [...new Set(userIds)];
			for (let at = 0; at < unique.length; at += USERS_PER_CALL) {
				const found = await broker.call<MobileDevice[], { userIds: string[] }>(DEVICES_OF_ACTION, { userIds: unique.slice(at, at + USERS_PER_CALL) }, { timeout: timeoutMs, retries: 0 });
				for (const d of found) out.set(d.userId, [...(out.get(d.userId) ?? []), { id: d.id, platform: d.platform, token: d.token }]);
			}
			return out;
		},
		async forget(device) {
			await broker.call(FORGET_TOKEN_ACTION, { platform: device.platform as Platform, token: device.token }, { timeout: timeoutMs, retries: 0 });
		}
	};
}
