/**
 * `admin`: the admin dashboard's back end.
 * So far it only joins the cluster and reports its own health; its features arrive with their issues.
 */
import type { ServiceSchema } from "moleculer";
import { HealthMixin } from "../../mixins/health.mixin.ts";

const adminService: ServiceSchema = {
	name: "admin",
	mixins: [HealthMixin()]
};

export default adminService;
