/**
 * `auth`: users, roles, credentials and tokens (issue 4).
 * So far it only joins the cluster and reports its own health; its features arrive with their issues.
 */
import type { ServiceSchema } from "moleculer";
import { HealthMixin } from "../../mixins/health.mixin.ts";

const authService: ServiceSchema = {
	name: "auth",
	mixins: [HealthMixin()]
};

export default authService;
