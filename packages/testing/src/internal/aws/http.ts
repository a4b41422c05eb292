/**
 * Small HTTP helpers shared by the AWS emulator's routes: body reading and the three
 * response shapes the AWS SDK v3 protocols expect (restJson1 data and errors, awsQuery XML).
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"

/** Reads a request body as UTF-8 text (bodies here are small JSON or form documents). */
export const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/** Parses a JSON object body; anything else is treated as an empty object. */
export const parseJsonObject = (text: string): Record<string, unknown> => {
  if (text.trim() === "") return {}
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {}
  } catch {
    return {}
  }
}

/** A string field of a decoded JSON body, or `undefined`. */
export const stringField = (body: Record<string, unknown>, key: string): string | undefined => {
  const value = body[key]
  return typeof value === "string" ? value : undefined
}

/** A string-array field of a decoded JSON body, or `undefined`. */
export const stringArrayField = (body: Record<string, unknown>, key: string): Array<string> | undefined => {
  const value = body[key]
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined
}

const requestIdHeaders = () => ({ "x-amzn-requestid": randomUUID() })

/** A restJson1 success reply. */
export const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    ...requestIdHeaders(),
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text)
  })
  response.end(text)
}

/**
 * A restJson1 error reply. The SDK picks the modeled exception from `x-amzn-errortype`
 * (the part before `:`), then copies the body's members (`error`, `error_description`,
 * `message`) onto it.
 */
export const sendJsonError = (
  response: ServerResponse,
  status: number,
  errorType: string,
  body: Record<string, string>
): void => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    ...requestIdHeaders(),
    "content-type": "application/json",
    "x-amzn-errortype": `${errorType}:http://internal.amazon.com/coral/com.amazonaws.emulator/`,
    "content-length": Buffer.byteLength(text)
  })
  response.end(text)
}

/** Escapes text for XML and HTML. */
export const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (character) =>
    character === "&"
      ? "&amp;"
      : character === "<"
      ? "&lt;"
      : character === ">"
      ? "&gt;"
      : character === "\""
      ? "&quot;"
      : "&#39;"
  )

/** Nested XML elements from a plain object (strings, numbers and nested objects). */
export interface XmlTree {
  readonly [name: string]: string | number | XmlTree
}

const renderXml = (tree: XmlTree): string =>
  Object.entries(tree)
    .map(([name, value]) =>
      `<${name}>${typeof value === "object" ? renderXml(value) : escapeXml(String(value))}</${name}>`
    )
    .join("")

const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"

/** An awsQuery success reply: `<{Action}Response><{Action}Result>...`. */
export const sendQueryResult = (response: ServerResponse, action: string, result: XmlTree): void => {
  const requestId = randomUUID()
  const text = `<${action}Response xmlns="${STS_NAMESPACE}"><${action}Result>${renderXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  response.writeHead(200, {
    "x-amzn-requestid": requestId,
    "content-type": "text/xml",
    "content-length": Buffer.byteLength(text)
  })
  response.end(text)
}

/** An awsQuery error reply: `<ErrorResponse><Error><Type/><Code/><Message/></Error>`. */
export const sendQueryError = (
  response: ServerResponse,
  status: number,
  code: string,
  message: string
): void => {
  const requestId = randomUUID()
  const type = status >= 500 ? "Receiver" : "Sender"
  const text = `<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  response.writeHead(status, {
    "x-amzn-requestid": requestId,
    "content-type": "text/xml",
    "content-length": Buffer.byteLength(text)
  })
  response.end(text)
}

/** An HTML page. */
export const sendHtml = (response: ServerResponse, status: number, html: string): void => {
  response.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
    "cache-control": "no-store"
  })
  response.end(html)
}

/** A 302 redirect. */
export const redirect = (response: ServerResponse, location: string): void => {
  response.writeHead(302, { location, "content-length": 0, "cache-control": "no-store" })
  response.end()
}
