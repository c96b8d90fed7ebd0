/**
 * The one place a form body is read: RFC 8058's one-click unsubscribe, where the mail client
 * POSTs `List-Unsubscribe=One-Click` as application/x-www-form-urlencoded. A tiny limit, flat
 * fields only; JSON is still accepted (a browser's fetch or a test may send it).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import bodyParser from "body-parser";
import { jsonBody } from "./json-body.ts";

const parseForm = bodyParser.urlencoded({ extended: false, limit: "2kb", parameterLimit: 10 });

type Next = (err?: unknown) => void;

export function formOrJsonBody(req: IncomingMessage, res: ServerResponse, next: Next): void {
	const type = req.headers["content-type"]?.split(";", 1)[0]?.trim().toLowerCase();
	if (type === "application/x-www-form-urlencoded") {
		parseForm(req, res, next);
		return;
	}
	jsonBody(req, res, next);
}
