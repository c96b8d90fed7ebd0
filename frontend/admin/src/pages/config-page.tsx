/**
 * The configuration editor: every key with its value, default and schema; a change is checked by
 * the config service against the key's schema and its messages are shown as they come; history
 * and rollback per key. Keys only an admin may change are not offered to an operator.
 */
import { type FormEvent, useId, useState } from "react";
import type { ConfigEntry } from "@openpolicy/frontend-shared/admin-types.ts";
import { describeError } from "@openpolicy/frontend-shared/describe-error.ts";
import { useResource } from "@openpolicy/frontend-shared/ui/use-resource.ts";
import { PageState, usePageTitle } from "../components/page-state.tsx";
import { useAction } from "../components/use-action.ts";
import { useI18n } from "../i18n.ts";
import { useIsAdmin, usePlatform } from "../platform.tsx";

function KeyEditor({ entry, onChanged }: { entry: ConfigEntry; onChanged: (entry: ConfigEntry) => void }) {
	const { admin } = usePlatform();
	const i18n = useI18n();
	const isAdmin = useIsAdmin();
	const id = useId();
	const history = useResource((signal) => admin.config.history(entry.key, signal), [admin, entry.key, entry.version]);
	const action = useAction();
	const [problem, setProblem] = useState<string>();
	const [saved, setSaved] = useState<string>();
	const mayChange = isAdmin || entry.changeableBy === "operator";

	function save(event: FormEvent<HTMLFormElement>): void {
		event.preventDefault();
		const form = new FormData(event.currentTarget);
		setProblem(undefined);
		setSaved(undefined);
		let value: unknown;
		try {
			value = JSON.parse(String(form.get("value") ?? "")) as unknown;
		} catch {
			setProblem(i18n.t("config.badJson"));
			return;
		}
		const reason = String(form.get("reason") ?? "").trim();
		void action.run(async () => {
			try {
				const next = await admin.config.set(entry.key, value, reason, entry.version);
				setSaved(i18n.t("config.saved", { version: next.version }));
				onChanged(next);
			} catch (err) {
				setProblem(describeError(err, i18n.lang));
			}
		});
	}

	function rollback(version: number): void {
		setProblem(undefined);
		void action.run(async () => {
			try {
				const next = await admin.config.rollback(entry.key, version, `rollback to version ${version} from the admin dashboard`);
				setSaved(i18n.t("config.saved", { version: next.version }));
				onChanged(next);
			} catch (err) {
				setProblem(describeError(err, i18n.lang));
			}
		});
	}

	return (
		<section aria-labelledby={`${id}-title`} data-testid="config-editor">
			<h2 id={`${id}-title`}>{entry.key}</h2>
			<p>{entry.description}</p>
			<p className="muted">
				{i18n.t("config.version", { version: entry.version })} · {i18n.t("config.default", { value: JSON.stringify(entry.default) })}
			</p>
			<details>
				<summary>{i18n.t("config.schema")}</summary>
				<pre>{JSON.stringify(entry.schema, null, 2)}</pre>
			</details>
			{mayChange ? (
				<form className="form" onSubmit={save} key={`${entry.key}@${entry.version}`}>
					<div className="field">
						<label htmlFor={`${id}-value`}>{i18n.t("config.value")}</label>
						<textarea id={`${id}-value`} name="value" rows={4} defaultValue={JSON.stringify(entry.value, null, 2)} aria-describedby={`${id}-problem`} aria-invalid={problem ? true : undefined} />
					</div>
					<div className="field">
						<label htmlFor={`${id}-reason`}>{i18n.t("common.reason")}</label>
						<input id={`${id}-reason`} name="reason" required minLength={3} maxLength={500} />
					</div>
					<div id={`${id}-problem`}>
						{problem ? (
							<p role="alert" className="notice notice-error" data-testid="config-problem">
								{problem}
							</p>
						) : null}
						{saved ? (
							<p role="status" className="notice notice-info" data-testid="config-saved">
								{saved}
							</p>
						) : null}
					</div>
					<button type="submit" disabled={action.busy}>
						{i18n.t("common.save")}
					</button>
				</form>
			) : (
				<p className="notice notice-info">{i18n.t("config.adminOnly")}</p>
			)}
			<h3>{i18n.t("config.history", { key: entry.key })}</h3>
			<PageState resource={history}>
				{(data) =>
					data.objects.length === 0 ? (
						<p>{i18n.t("common.none")}</p>
					) : (
						<table className="data-table">
							<thead>
								<tr>
									<th scope="col">#</th>
									<th scope="col">{i18n.t("config.value")}</th>
									<th scope="col">{i18n.t("common.reason")}</th>
									<th scope="col">{i18n.t("common.by")}</th>
									<th scope="col">{i18n.t("common.when")}</th>
									<th scope="col" />
								</tr>
							</thead>
							<tbody>
								{data.objects.map((v) => (
									<tr key={v.version} data-testid={`config-version-${v.version}`}>
										<td>{v.version}</td>
										<td>
											<code>{JSON.stringify(v.value)}</code>
										</td>
										<td>{v.reason}</td>
										<td>{v.changedBy}</td>
										<td>{new Date(v.changedAt).toLocaleString(i18n.lang)}</td>
										<td>
											{mayChange && v.version !== entry.version ? (
												<button type="button" disabled={action.busy} onClick={() => rollback(v.version)}>
													{i18n.t("config.rollback", { version: v.version })}
												</button>
											) : null}
										</td>
									</tr>
								))}
							</tbody>
						</table>
					)
				}
			</PageState>
		</section>
	);
}

export function ConfigPage() {
	const { admin } = usePlatform();
	const i18n = useI18n();
	const id = useId();
	usePageTitle(i18n.t("config.title"));
	const list = useResource((signal) => admin.config.list(signal), [admin]);
	const [selected, setSelected] = useState<string>();
	// What this page changed since the list was read: shown at once, without reading the whole list again.
	const [changed, setChanged] = useState<Record<string, ConfigEntry>>({});
	return (
		<>
			<h1>{i18n.t("config.title")}</h1>
			<PageState resource={list}>
				{(data) => {
					const entries = data.objects.map((e) => changed[e.key] ?? e);
					const entry = entries.find((e) => e.key === selected);
					return (
						<>
							<div className="field">
								<label htmlFor={`${id}-key`}>{i18n.t("config.key")}</label>
								<select id={`${id}-key`} value={selected ?? ""} onChange={(event) => setSelected(event.target.value || undefined)}>
									<option value="">—</option>
									{entries.map((e) => (
										<option key={e.key} value={e.key}>
											{e.key} = {JSON.stringify(e.value)}
										</option>
									))}
								</select>
							</div>
							{entry ? <KeyEditor entry={entry} onChanged={(next) => setChanged((all) => ({ ...all, [next.key]: next }))} /> : null}
						</>
					);
				}}
			</PageState>
		</>
	);
}
