/**
 * `config`: central, versioned configuration.
 * So far it only joins the cluster and reports its own health; its features arrive with their issues.
 */
import type { ServiceSchema } from "moleculer";
import { HealthMixin } from "../../mixins/health.mixin.ts";

const configService: ServiceSchema = {
	name: "config",
	mixins: [HealthMixin()]
};

export default configService;
