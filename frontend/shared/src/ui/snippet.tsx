/**
 * Search snippets arrive as HTML with `<mark>` around matches. They are parsed (DOMParser runs no
 * script) and only text and `<mark>` are rendered, so nothing from the data becomes markup.
 */
import type { ReactNode } from "react";

export function Snippet({ html }: { html: string }) {
	const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
	const parts: ReactNode[] = [];
	doc.body.childNodes.forEach((node, i) => {
		if (node.nodeType === Node.ELEMENT_NODE && (node as Element).tagName === "MARK") parts.push(<mark key={i}>{node.textContent}</mark>);
		else parts.push(node.textContent);
	});
	return <>{parts}</>;
}
