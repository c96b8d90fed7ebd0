/**
 * `etl`: getting parliamentary data in (issue 5).
 * So far it only joins the cluster and reports its own health; its features arrive with their issues.
 */
import type { ServiceSchema } from "moleculer";
import { HealthMixin } from "../../mixins/health.mixin.ts";

const etlService: ServiceSchema = {
	name: "etl",
	mixins: [HealthMixin()]
};

export default etlService;
