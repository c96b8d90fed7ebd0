/** The province filter of the politicians and ridings lists. */
import { useI18n } from "../i18n.ts";
import { PROVINCES } from "./labels.ts";

export function ProvinceField({ id, value }: { id: string; value: string }) {
	const i18n = useI18n();
	return (
		<div className="field">
			<label htmlFor={id}>{i18n.t("common.province")}</label>
			<select id={id} name="province" defaultValue={value}>
				<option value="">{i18n.t("common.any")}</option>
				{PROVINCES.map((p) => (
					<option key={p} value={p}>
						{p}
					</option>
				))}
			</select>
		</div>
	);
}
