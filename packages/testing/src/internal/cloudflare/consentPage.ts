/**
 * The HTML pages a person (or a headless browser) sees on the emulator's OAuth origin.
 *
 * @internal
 */
import { escapeHtml } from "./http.js"

const style = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}ul{columns:2;font-family:monospace;font-size:.85rem}
.actions{display:flex;gap:1rem;margin-top:1.5rem}button{font-size:1rem;padding:.5rem 1.5rem;cursor:pointer}
button[value=allow]{background:#f38020;color:#fff;border:0}.note{color:#666;font-size:.85rem}`

const page = (title: string, body: string): string =>
  `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${style}</style></head>
<body>
${body}
</body>
</html>
`

/** The consent page: a form listing the scopes, with an Allow and a Deny button. */
export const consentPage = (options: {
  readonly consentId: string
  readonly clientId: string
  readonly redirectUri: string
  readonly scopes: ReadonlyArray<string>
}): string =>
  page(
    "Authorize access to your Cloudflare account",
    `<h1>Authorize access to your Cloudflare account</h1>
<p>The application <code>${escapeHtml(options.clientId)}</code> asks for these permissions:</p>
<ul id="scopes">
${options.scopes.map((scope) => `  <li>${escapeHtml(scope)}</li>`).join("\n")}
</ul>
<p class="note">You will be sent back to <code>${escapeHtml(options.redirectUri)}</code>.</p>
<form method="post" action="/oauth2/consent">
  <input type="hidden" name="consent" value="${escapeHtml(options.consentId)}">
  <div class="actions">
    <button type="submit" name="decision" value="allow">Allow</button>
    <button type="submit" name="decision" value="deny">Deny</button>
  </div>
</form>
<p class="note">Local Cloudflare emulator (@alchemy/testing). No real account is involved.</p>`
  )

/** An error page for requests that cannot be sent back to the application (bad client or redirect URI). */
export const errorPage = (title: string, detail: string): string =>
  page(title, `<h1>${escapeHtml(title)}</h1>\n<p id="detail">${escapeHtml(detail)}</p>`)
