/** The public web app's build, served by the gateway at `/` (the rest is in ../vite.base.ts). */
import { appConfig } from "../vite.base.ts";

export default appConfig(new URL(".", import.meta.url), { proxied: ["/api", "/mobile"] });
