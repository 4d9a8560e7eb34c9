import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Latchkey } from "@latchkey/core";
import { appendCookies, pathOf, toLatchkeyRequest } from "@latchkey/node";
import sirv from "sirv";
import { sendError } from "./http-replies.js";

/** Serves a built single-page app. */
export interface SpaHandler {
  /** Answers any request outside the API: a file, `index.html` for client-side routes, or a 404/405. */
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * A file name carrying a content hash, as bundlers emit: Vite's 8 base64url characters
 * (`index-BdP3x8kQ.js`, with a digit or capital so `user-settings.js` does not count) or a
 * hex hash of 8 to 32 digits (`main.3f2a1b4c.js`). Such a file never changes under its
 * name, so browsers may cache it for a year; any other file is revalidated.
 */
const HASHED_FILE = /[.-](?:(?=[A-Za-z0-9_-]{0,7}[0-9A-Z])[A-Za-z0-9_-]{8}|[a-f0-9]{8,32})\.[A-Za-z0-9]+$/;
const YEAR_SECONDS = 31_536_000;

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `/`, `/app/`, `/about.html`, `/users/42`: what a browser loads as a page. */
function looksLikePage(path: string): boolean {
  const name = lastSegment(path);
  return name === "" || !name.includes(".") || /\.html?$/i.test(name);
}

/**
 * A path segment starting with a dot (`/.env`, `/.git/config`) is never served: build
 * folders can hold dotfiles that were never meant to be public. `/.well-known/` is the
 * exception (RFC 8615).
 */
function hasDotSegment(path: string): boolean {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true;
  }
  return decoded
    .split("/")
    .some((segment, i, all) => segment.startsWith(".") && !(i === 1 && segment === ".well-known" && all.length > 2));
}

/**
 * Serves `dir` (deployment mode A): files via sirv, looked up on every request so a rebuilt
 * SPA is served without a restart; hashed assets cached as immutable, everything else
 * revalidated. `index.html` answers `/` and every GET/HEAD navigation to a path that is not
 * a file (client-side routes), and page loads get the CSRF cookie so the SPA finds
 * `csrftoken` on its first request.
 */
export function createSpaHandler(options: { dir: string; latchkey: Latchkey }): SpaHandler {
  const indexPath = join(options.dir, "index.html");
  const files = sirv(options.dir, {
    dev: true,
    etag: true,
    dotfiles: false,
    extensions: ["html"],
    setHeaders(res, pathname) {
      res.setHeader(
        "Cache-Control",
        HASHED_FILE.test(lastSegment(pathname)) ? `public, max-age=${YEAR_SECONDS}, immutable` : "no-cache",
      );
    },
  });

  async function sendIndex(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readFile(indexPath);
    res.statusCode = 200;
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.setHeader("Content-Length", body.length);
    // The page must be re-fetched on each load: it names the current hashed assets.
    res.setHeader("Cache-Control", "no-cache");
    res.end(req.method === "HEAD" ? undefined : body);
  }

  return {
    async serve(req, res) {
      const method = req.method ?? "GET";
      if (method !== "GET" && method !== "HEAD") {
        sendError(res, method, "method_not_allowed", { method }, { Allow: "GET, HEAD" });
        return;
      }
      const path = pathOf(req.url);
      if (hasDotSegment(path)) {
        sendError(res, method, "not_found");
        return;
      }
      const page = looksLikePage(path);
      if (page) appendCookies(res, options.latchkey.ensureCsrfCookie(toLatchkeyRequest(req)));
      if (path === "/" || path === "/index.html") {
        await sendIndex(req, res);
        return;
      }
      // sirv pipes a file stream into the response without an error listener; a file that
      // vanishes or is unreadable would throw from the stream and crash the process.
      const onPipe = (source: Readable) => source.once("error", () => res.destroy());
      res.once("pipe", onPipe);
      await new Promise<void>((resolve, reject) => {
        files(req, res, () => {
          res.off("pipe", onPipe);
          const accept = req.headers.accept ?? "";
          const navigation = page || accept.includes("text/html");
          (navigation ? sendIndex(req, res) : Promise.resolve(sendError(res, method, "not_found"))).then(
            resolve,
            reject,
          );
        });
        if (res.headersSent || res.writableEnded) resolve();
      });
    },
  };
}
