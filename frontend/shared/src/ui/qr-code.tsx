/**
 * A QR code of a text (the otpauth URI of a TOTP enrolment), drawn by the `qrcode` package as SVG
 * and shown as a data: image, which the CSP's img-src allows; no inline markup is injected.
 */
import QRCode from "qrcode";
import { useEffect, useState } from "react";

export function QrCode({ text, label, size = 220 }: { text: string; label: string; size?: number }) {
	const [src, setSrc] = useState<string>();
	useEffect(() => {
		let live = true;
		QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 2 }).then(
			(svg) => live && setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`),
			() => live && setSrc(undefined)
		);
		return () => {
			live = false;
		};
	}, [text]);
	return src ? <img src={src} alt={label} width={size} height={size} data-testid="qr-code" /> : null;
}
