import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@openpolicy/frontend-shared/ui/base.css";
import "./admin.css";
import { App } from "./app.tsx";
import { createPlatform } from "./platform.tsx";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
	<StrictMode>
		<App platform={createPlatform()} />
	</StrictMode>
);
