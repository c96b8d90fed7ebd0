/**
 * The admin dashboard's build: `npm run build` at the root (scripts/build-frontends.ts) builds it
 * into frontend/admin/dist, which the gateway serves at `/admin/` (gateway/static-app.ts); `base`
 * makes every asset address start with /admin/. `vite` in this folder serves it for development
 * with the API proxied to a running node.
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const gateway = process.env.GATEWAY_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
	root: fileURLToPath(new URL(".", import.meta.url)),
	base: "/admin/",
	plugins: [react()],
	resolve: { alias: { "@openpolicy/frontend-shared": fileURLToPath(new URL("../shared/src", import.meta.url)) } },
	build: {
		outDir: "dist",
		emptyOutDir: true,
		// The bundle-size check reads what the entry loads first from the manifest.
		manifest: true,
		// A module preload polyfill would be an inline script under a CSP without 'unsafe-inline'.
		modulePreload: { polyfill: false },
		chunkSizeWarningLimit: 5000
	},
	server: { proxy: { "/api": { target: gateway, changeOrigin: false } } }
});
