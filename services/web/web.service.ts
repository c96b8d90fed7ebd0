/**
 * `web`: the public data API.
 * So far it only joins the cluster and reports its own health; its features arrive with their issues.
 */
import type { ServiceSchema } from "moleculer";
import { HealthMixin } from "../../mixins/health.mixin.ts";

const webService: ServiceSchema = {
	name: "web",
	mixins: [HealthMixin()]
};

export default webService;
