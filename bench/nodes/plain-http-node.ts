/**
 * The baseline of the cached-detail benchmark: a plain node:http server answering every request with
 * one recorded answer (status, headers, body) read from the JSON file named on the command line,
 * so it sends the very bytes the gateway sent. Tells the parent its port over IPC.
 */
import fs from "node:fs";
import http from "node:http";

export interface RecordedAnswer {
	status: number;
	headers: Record<string, string>;
	bodyBase64: string;
}

const file = process.argv[2];
if (!file) {
	process.stderr.write("usage: plain-http-node.ts <answer.json>\n");
	process.exit(2);
}
const answer = JSON.parse(fs.readFileSync(file, "utf8")) as RecordedAnswer;
const body = Buffer.from(answer.bodyBase64, "base64");
const server = http.createServer((_req, res) => {
	res.writeHead(answer.status, answer.headers);
	res.end(body);
});
server.listen(0, "127.0.0.1", () => {
	const address = server.address();
	process.send?.({ ready: true, port: typeof address === "object" && address ? address.port : 0 });
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
