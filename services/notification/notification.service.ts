/**
 * `notification`: email, webhooks and the in-app inbox.
 * So far it only joins the cluster and reports its own health; its features arrive with their issues.
 */
import type { ServiceSchema } from "moleculer";
import { HealthMixin } from "../../mixins/health.mixin.ts";

const notificationService: ServiceSchema = {
	name: "notification",
	mixins: [HealthMixin()]
};

export default notificationService;
