/**
 * `deployment`: the wanted topology versus the live cluster.
 * So far it only joins the cluster and reports its own health; its features arrive with their issues.
 */
import type { ServiceSchema } from "moleculer";
import { HealthMixin } from "../../mixins/health.mixin.ts";

const deploymentService: ServiceSchema = {
	name: "deployment",
	mixins: [HealthMixin()]
};

export default deploymentService;
