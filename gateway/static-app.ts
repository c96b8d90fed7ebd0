/**
 * The single-page apps at the edge (the public web app at `/`, the admin dashboard at
 * `/admin/`): the built files of `frontend/<app>/dist`, and `index.html` for every other path of
 * the app, so a shared or reloaded address like `/bills/44-1/C-10` opens the app instead of a
 * JSON 404. `/api/*`, `/mobile/*` and the fixed routes never reach here and keep their JSON errors.
 *
 * Files are sent by serve-static (moleculer-web's own static-file library: ETag, Last-Modified,
 * 304, HEAD, ranges). Vite names every built asset after a hash of its content, so
 * `assets/*` may be cached for a year and never revalidated; `index.html` names the current
 * assets and so is `no-cache` (stored, but revalidated on every use). Why the apps are served by
 * the gateway and not a separate server: docs/decisions/0030-spa-served-by-the-gateway.md.
 */
import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import serveStatic from "serve-static";
import { writeErrorOf } from "./errors.ts";

export interface AppMount {
	/** Where the app lives in the URL space: "/" or "/admin". */
	prefix: string;
	/** The folder Vite built it into. */
	dir: string;
	/** Told to whoever asks for the app while it is not built. */
	buildHint: string;
}

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The public web app at "/" and the admin dashboard at "/admin" (its own index.html for its paths). */
export const DEFAULT_APPS: readonly AppMount[] = [
	{ prefix: "/", dir: path.join(PROJECT_ROOT, "frontend/web/dist"), buildHint: "npm run build" },
	{ prefix: "/admin", dir: path.join(PROJECT_ROOT, "frontend/admin/dist"), buildHint: "npm run build" }
];

/** Paths that are never an app's, whatever the file system holds. */
const NOT_APP = /^\/(api|mobile)(\/|$)|^\/(healthz|readyz|metrics)$/i;

export const IMMUTABLE = "public, max-age=31536000, immutable";
export const REVALIDATE = "no-cache";

type Handler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

interface MountedApp extends AppMount {
	files: Handler;
	hashedAssets: string;
}

function mount(app: AppMount): MountedApp {
	const hashedAssets = path.join(app.dir, "assets") + path.sep;
	const files = serveStatic(app.dir, {
		index: false,
		redirect: false,
		fallthrough: true,
		// Dotfiles are refused as if they did not exist: nothing of a build's own tooling leaks.
		dotfiles: "ignore",
		setHeaders(res, file) {
			res.setHeader("Cache-Control", file.startsWith(hashedAssets) ? IMMUTABLE : REVALIDATE);
		}
	}) as Handler;
	return { ...app, files, hashedAssets };
}

function within(pathname: string, prefix: string): string | undefined {
	if (prefix === "/") return pathname;
	if (pathname === prefix) return "/";
	return pathname.toLowerCase().startsWith(`${prefix.toLowerCase()}/`) ? pathname.slice(prefix.length) : undefined;
}

/** A path whose last segment has an extension asks for a file, not for a page of the app. */
function looksLikeFile(pathname: string): boolean {
	return /\.[A-Za-z0-9]{1,8}$/.test(pathname);
}

function send(app: MountedApp, req: IncomingMessage, res: ServerResponse, url: string): Promise<boolean> {
	const original = req.url;
	req.url = url;
	return new Promise<boolean>((resolve, reject) => {
		res.once("finish", () => resolve(true));
		res.once("close", () => resolve(true));
		app.files(req, res, (err) => {
			req.url = original;
			if (err === undefined || err === null) resolve(false);
			else reject(err instanceof Error ? err : new Error(String(err)));
		});
	});
}

export interface StaticApps {
	/** Answers a GET or HEAD for an app and returns true; returns false when the path is no app's. */
	serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean>;
}

export function staticApps(apps: readonly AppMount[] = DEFAULT_APPS): StaticApps {
	// Longest prefix first, so "/admin/x" is the admin app's and not the web app's.
	const mounted = [...apps].sort((a, b) => b.prefix.length - a.prefix.length).map(mount);
	return {
		async serve(req, res, pathname) {
			if (req.method !== "GET" && req.method !== "HEAD") return false;
			if (NOT_APP.test(pathname)) return false;
			for (const app of mounted) {
				const inner = within(pathname, app.prefix);
				if (inner === undefined) continue;
				// Checked per request, so an app built while the node runs is served without a restart.
				if (!existsSync(path.join(app.dir, "index.html"))) {
					res.setHeader("Cache-Control", "no-store");
					writeErrorOf(res, 503, "APP_NOT_BUILT", `The app at ${app.prefix} is not built yet: run \`${app.buildHint}\``);
					return true;
				}
				const query = req.url?.includes("?") ? req.url.slice(req.url.indexOf("?")) : "";
				if (await send(app, req, res, `${inner}${query}`)) return true;
				// A missing asset is an honest 404; any other path is a page of the app.
				if (looksLikeFile(inner)) return false;
				return send(app, req, res, "/index.html");
			}
			return false;
		}
	};
}
