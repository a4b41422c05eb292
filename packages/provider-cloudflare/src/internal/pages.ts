/** @internal Small HTML pages for the person in the browser. No secret is ever put in them. */
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  `<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}` +
  `h1{font-size:1.4rem}</style></head><body><h1>${title}</h1><p>${body}</p></body></html>`

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c]!)

/** @internal */
export const success = page("Logged in to Cloudflare", "Alchemy received your authorization. You can close this tab and return to the terminal.")
/** @internal */
export const failure = (detail: string) => page("Cloudflare login failed", `${escape(detail)} Return to the terminal for details.`)
/** @internal */
export const notFound = page("Not found", "This is Alchemy's login callback server.")
/** @internal */
export const stateMismatch = page(
  "Login request not recognised",
  "This authorization does not belong to the login running in your terminal (the state does not match). It was refused."
)
/** @internal */
export const alreadyDone = page("Already completed", "This login has already received its authorization code.")
