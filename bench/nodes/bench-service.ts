/** The action benchmarks call: small, synchronous, published to the gateway. */
import type { ServiceSchema } from "moleculer";

export const benchService: ServiceSchema = {
	name: "bench",
	actions: {
		echo: {
			visibility: "published",
			permissions: ["public"],
			rest: "GET /echo",
			handler(): { ok: boolean; bill: string } {
				return { ok: true, bill: "C-11" };
			}
		}
	}
};
