/**
 * Small node:http helpers shared by the emulator's routes.
 *
 * @internal
 */
import type { IncomingMessage, ServerResponse } from "node:http"

/** Largest request body the emulator accepts (the real endpoints take small forms). */
const maxBodyBytes = 64 * 1024

/** Reads the whole request body as UTF-8; refuses bodies over 64 KiB. */
export const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBodyBytes) {
        reject(new Error("request body too large"))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** Reads an `application/x-www-form-urlencoded` body; `undefined` when the content type is something else. */
export const readForm = async (req: IncomingMessage): Promise<URLSearchParams | undefined> => {
  const body = await readBody(req)
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase()
  return type === "application/x-www-form-urlencoded" ? new URLSearchParams(body) : undefined
}

/** Sends a JSON reply. */
export const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers
  })
  res.end(text)
}

/** Sends an HTML page. */
export const sendHtml = (res: ServerResponse, status: number, html: string): void => {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": String(Buffer.byteLength(html)),
    "cache-control": "no-store",
    "x-frame-options": "DENY"
  })
  res.end(html)
}

/** Sends a 302 to `location`. */
export const redirect = (res: ServerResponse, location: string): void => {
  res.writeHead(302, { location, "cache-control": "no-store", "content-length": "0" })
  res.end()
}

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"
  )
