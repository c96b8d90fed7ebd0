/**
 * `viz`: Plotly chart figures.
 * So far it only joins the cluster and reports its own health; its features arrive with their issues.
 */
import type { ServiceSchema } from "moleculer";
import { HealthMixin } from "../../mixins/health.mixin.ts";

const vizService: ServiceSchema = {
	name: "viz",
	mixins: [HealthMixin()]
};

export default vizService;
