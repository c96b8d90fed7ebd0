/**
 * `gateway`: the HTTP edge (moleculer-web). Minimal first cut; the gateway issue work fills it in.
 */
import type { ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import type { ApiSettingsSchema } from "moleculer-web";
import { HealthMixin } from "../mixins/health.mixin.ts";

const gatewayService: ServiceSchema<ApiSettingsSchema> = {
	name: "gateway",
	mixins: [ApiGateway, HealthMixin()],
	settings: {
		port: Number(process.env.PORT ?? 8000),
		routes: [{ path: "/api/v1", autoAliases: true, mappingPolicy: "restrict" }]
	}
};

export default gatewayService;
