import "@openpolicy/frontend-shared/ui/base.css";
import "./admin.css";
import { mount } from "@openpolicy/frontend-shared/ui/mount.tsx";
import { App } from "./app.tsx";
import { createPlatform } from "./platform.tsx";

mount(<App platform={createPlatform()} />);
