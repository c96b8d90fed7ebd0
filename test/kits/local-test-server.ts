/**
 * Tests only: a real HTTP server on 127.0.0.1, port 0, standing in for openparliament.ca and
 * parl.ca (the test machines have no internet). Every request is logged with its arrival time so
 * tests can check what the client did, and `close` ends stalled connections too.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LoggedRequest {
	path: string;
	at: number;
	headers: IncomingMessage["headers"];
}

export interface LocalTestServer {
	url: string;
	requests: LoggedRequest[];
	close(): Promise<void>;
}

export async function startLocalServer(handler: (req: IncomingMessage, res: ServerResponse, path: string) => void): Promise<LocalTestServer> {
	const requests: LoggedRequest[] = [];
	const server = createServer((req, res) => {
		const path = req.url ?? "/";
		requests.push({ path, at: Date.now(), headers: req.headers });
		handler(req, res, path);
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/`,
		requests,
		close: () =>
			new Promise<void>((resolve, reject) => {
				server.closeAllConnections();
				server.close((error) => (error ? reject(error) : resolve()));
			})
	};
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
	res.end(JSON.stringify(body));
}

/**
 * The networks the local server is on. The fetcher refuses non-public addresses unless told
 * otherwise (runtime/net/address-policy.ts), so a test that fetches from it opts in, explicitly, with this.
 */
export const LOCAL_TEST_NETWORKS: readonly string[] = ["127.0.0.1/32"];
