import type { Browser, BrowserContext } from "playwright-core";
import { startAttackerSite, type AttackerSite } from "./attacker.js";
import { newTestContext } from "./browser.js";
import type { Fixture } from "./fixture.js";

/**
 * What every deployment check needs besides the servers: the attacker's site and a fresh
 * browser context, both closed by the fixture's cleanup.
 */
export async function startVisit(fixture: Fixture, browser: Browser): Promise<{ attacker: AttackerSite; context: BrowserContext }> {
  const attacker = await startAttackerSite();
  fixture.defer(() => attacker.close());
  const context = await newTestContext(browser);
  fixture.defer(() => context.close());
  return { attacker, context };
}
