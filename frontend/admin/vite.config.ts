/**
 * The admin dashboard's build, served by the gateway at `/admin/`; `base` makes every asset
 * address start with /admin/ (the rest is in ../vite.base.ts).
 */
import { appConfig } from "../vite.base.ts";

export default appConfig(new URL(".", import.meta.url), { base: "/admin/", proxied: ["/api"] });
