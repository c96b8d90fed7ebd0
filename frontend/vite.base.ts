/**
 * What every single-page app's build shares: `npm run build` at the root
 * (scripts/build-frontends.ts) builds each app into its own dist/, which the gateway serves
 * (gateway/static-app.ts); `vite` in an app's folder serves it for development with the API
 * proxied to a running node (GATEWAY_URL, by default 127.0.0.1:8000).
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { type UserConfig, defineConfig } from "vite";

const gateway = process.env.GATEWAY_URL ?? "http://127.0.0.1:8000";

/** `appDir` is the app's folder (`new URL(".", import.meta.url)` in its vite.config.ts). */
export function appConfig(appDir: URL, { base, proxied }: { base?: string; proxied: readonly string[] }): UserConfig {
	return defineConfig({
		root: fileURLToPath(appDir),
		...(base === undefined ? {} : { base }),
		plugins: [react()],
		resolve: { alias: { "@openpolicy/frontend-shared": fileURLToPath(new URL("shared/src", import.meta.url)) } },
		build: {
			outDir: "dist",
			emptyOutDir: true,
			// The bundle-size check reads what the entry loads first from the manifest.
			manifest: true,
			// A module preload polyfill would be an inline script under a CSP without 'unsafe-inline'.
			modulePreload: { polyfill: false },
			chunkSizeWarningLimit: 5000
		},
		server: { proxy: Object.fromEntries(proxied.map((prefix) => [prefix, { target: gateway, changeOrigin: false }])) }
	});
}
