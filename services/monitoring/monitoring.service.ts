/**
 * `monitoring`: metrics and alerts.
 * So far it only joins the cluster and reports its own health; its features arrive with their issues.
 */
import type { ServiceSchema } from "moleculer";
import { HealthMixin } from "../../mixins/health.mixin.ts";

const monitoringService: ServiceSchema = {
	name: "monitoring",
	mixins: [HealthMixin()]
};

export default monitoringService;
