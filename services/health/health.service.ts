/**
 * `health`: the live picture of the cluster. Minimal first cut; the health issue work fills it in.
 */
import type { ServiceSchema } from "moleculer";
import { HealthMixin } from "../../mixins/health.mixin.ts";

const healthService: ServiceSchema = {
	name: "health",
	mixins: [HealthMixin()]
};

export default healthService;
