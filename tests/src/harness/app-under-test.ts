import type { Server } from "node:http";
import type { Latchkey, LatchkeyOptions, Stores } from "@latchkey/core";
import type { TestClock } from "./test-clock.js";

/**
 * A real HTTP server on a free loopback port with latchkey mounted through one adapter,
 * over real SQLite stores, with these app routes of its own:
 * - `GET /api/hello/` and `POST /api/hello/`: only a logged-in user (requireUser);
 *   answer 200 `{ "hello": <username> }`.
 * - `GET /api/staff/`: only staff (requireStaff); 200 `{ "staff": <username> }`.
 * - `GET /api/reports/`: only users with the `reports.view` permission; 200 `{ "reports": [] }`.
 * - `GET /api/public/`: anyone; 200 `{ "user": <username or null> }`.
 * - `POST /api/public/`: anyone (no guard, so only latchkey's middleware checks CSRF); 200
 *   `{ "user": <username or null>, "body": <the JSON body as the app's own parser read it> }`.
 */
export interface AppUnderTest {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly latchkey: Latchkey;
  readonly clock: TestClock;
  /** Path of the SQLite file behind the stores. */
  readonly databasePath: string;
  /** The listening `node:http` server (the harness watches its responses). */
  readonly server: Server;
  /** Stops the server and deletes the database. */
  close(): Promise<void>;
}

/** Options a test may set; `stores` and `clock` are provided by the harness. */
export type TestOptions = Omit<Partial<LatchkeyOptions>, "stores" | "clock"> & {
  /**
   * Wraps the harness's SQLite stores before latchkey gets them (to count or hold back reads);
   * `testInternals()` still reaches the unwrapped ones.
   */
  wrapStores?: (stores: Stores) => Stores;
};

/** Starts an {@link AppUnderTest}. */
export type AppFactory = (options?: TestOptions) => Promise<AppUnderTest>;

/** Runs a test body against an app started with its own options, closing it whatever happens. */
export type WithApp = (options: TestOptions, body: (app: AppUnderTest) => Promise<void>) => Promise<void>;

/** The {@link WithApp} of one adapter's factory, for suites whose tests each need their own settings. */
export function appRunner(start: AppFactory): WithApp {
  return async (options, body) => {
    const app = await start(options);
    try {
      await body(app);
    } finally {
      await app.close();
    }
  };
}
