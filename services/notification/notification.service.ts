/**
 * `notification`: email, webhooks and the in-app inbox.
 * So far it only joins the cluster and reports its own health; its features arrive with their issues.
 */
import type { Service, ServiceSchema } from "moleculer";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { NOTIFICATION_CHANNELS, declareZero, setMetric } from "../../runtime/platform-metrics.ts";

const notificationService: ServiceSchema = {
	name: "notification",
	mixins: [HealthMixin()],
	created(this: Service): void {
		// Declared at zero until deliveries exist, so dashboards and the backlog alert have their series.
		const channels = NOTIFICATION_CHANNELS.map((channel) => ({ channel }));
		declareZero(this.broker, "notificationsSent", channels);
		declareZero(this.broker, "notificationsFailed", channels);
		setMetric(this.broker, "notificationsBacklog", 0);
	}
};

export default notificationService;
