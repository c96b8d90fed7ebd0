/**
 * CONTRACT of the mobile service for other services (the notification service sends pushes to
 * these devices). Calls from the platform's own work (event handlers, the outbox) carry no
 * principal and are not checked; a call made on a user's behalf needs `users:read`.
 *
 * - `mobile.devicesOf` `{ userIds: string[] }` (at most 1,000) → `Device[]`: every registered device of those users.
 * - `mobile.forgetToken` `{ platform, token }` → `{ removed: number }`: drop a token the push
 *   provider reported as invalid (APNs 410, FCM UNREGISTERED), so it is not tried again.
 *
 * A device's `token` addresses one app install; registering it again moves it to the new user.
 */
import { z } from "zod";
import { text } from "../../runtime/validation/fields.ts";
import { zodParams } from "../../runtime/validation/zod-params.ts";

export const DEVICES_OF_ACTION = "mobile.devicesOf";
export const FORGET_TOKEN_ACTION = "mobile.forgetToken";

export const PLATFORMS = ["ios", "android", "web"] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface Device {
	id: string;
	userId: string;
	platform: Platform;
	/** The push token (APNs device token, FCM registration token, or a Web Push subscription as JSON). */
	token: string;
	name: string | null;
	createdAt: string;
	updatedAt: string;
}

export const DevicesOfParams = zodParams(z.strictObject({ userIds: z.array(text(64, 1)).min(1).max(1000) }));
export const ForgetTokenParams = zodParams(z.strictObject({ platform: z.enum(PLATFORMS), token: text(4096, 1) }));
