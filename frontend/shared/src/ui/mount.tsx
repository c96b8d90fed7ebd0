/** Renders an app into index.html's #root, in strict mode, as both apps' main.tsx do. */
import { type ReactNode, StrictMode } from "react";
import { createRoot } from "react-dom/client";

export function mount(app: ReactNode): void {
	const root = document.getElementById("root");
	if (!root) throw new Error("index.html has no #root");
	createRoot(root).render(<StrictMode>{app}</StrictMode>);
}
