/**
 * Push deliveries through a provider (notification.contract.ts `PushProvider`). None is wired yet,
 * so a delivery to a known device is recorded as skipped when planned. A delivery planned while
 * the mobile service could not be asked (`lookup`, target `user:<id>`) asks it here: still away,
 * and the delivery is tried again later like any network failure; that is how none is lost.
 */
import type { Device, DeviceDirectory, PushProvider } from "../notification.contract.ts";
import { NO_PUSH_PROVIDER } from "../notification.contract.ts";
import type { ChannelSender, SendOutcome } from "../outbox/delivery-worker.ts";
import type { Delivery } from "../outbox/outbox-store.ts";

export class PushChannel implements ChannelSender {
	readonly #provider: PushProvider | undefined;
	readonly #devices: DeviceDirectory;

	constructor(provider: PushProvider | undefined, devices: DeviceDirectory) {
		this.#provider = provider;
		this.#devices = devices;
	}

	async send(delivery: Delivery): Promise<SendOutcome> {
		const m = delivery.message;
		let targets: Device[] = [{ id: delivery.target, platform: String(m.platform ?? ""), token: String(m.token ?? "") }];
		if (m.lookup === true && delivery.userId) {
			try {
				targets = (await this.#devices.devicesOf([delivery.userId])).get(delivery.userId) ?? [];
			} catch (err) {
				return { kind: "retry", error: `the mobile service did not answer: ${err instanceof Error ? err.message : String(err)}` };
			}
			if (targets.length === 0) return { kind: "skipped", reason: "no device registered" };
		}
		if (!this.#provider) return { kind: "skipped", reason: NO_PUSH_PROVIDER };
		try {
			for (const device of targets) {
				const result = await this.#provider.send(device, { title: String(m.title ?? ""), body: String(m.body ?? ""), link: typeof m.link === "string" ? m.link : null });
				if (result === "unregistered") await this.#devices.forget(device);
			}
			return { kind: "sent" };
		} catch (err) {
			return { kind: "retry", error: err instanceof Error ? err.message : String(err) };
		}
	}
}
