import { startAttackerSite, type AttackerSite } from "./attacker.js";
import type { EngineRun } from "./engines/index.js";
import type { BrowserSession } from "./engines/engine.js";
import type { Fixture } from "./fixture.js";

/**
 * What every deployment check needs besides the servers: the attacker's site and a fresh
 * browser session, both closed by the fixture's cleanup.
 */
export async function startVisit(
  fixture: Fixture,
  run: EngineRun,
): Promise<{ attacker: AttackerSite; session: BrowserSession }> {
  const attacker = await startAttackerSite();
  fixture.defer(() => attacker.close());
  const session = await run.session(fixture);
  return { attacker, session };
}
