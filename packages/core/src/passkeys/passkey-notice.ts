import type { Engine } from "../engine.js";
import type { LatchkeyRequest } from "../http/request.js";
import { renderMessage } from "../mail/render-message.js";
import type { User } from "../ports/user-store.js";
import { randomBase64url } from "../random.js";
import { storeCall } from "../store-call.js";

/**
 * Queues the notice that a passkey was added or removed, to the user's address (none when
 * the account has no address or no account lifecycle). Someone holding a stolen session who
 * adds their own passkey (a lasting back door) is thereby reported to the owner at once.
 */
export async function queuePasskeyNotice(
  engine: Engine,
  req: LatchkeyRequest,
  user: User,
  message: "passkeyAdded" | "passkeyRemoved",
  name: string,
): Promise<void> {
  const lifecycle = engine.lifecycle;
  if (lifecycle === null || user.email === "") return;
  const { config, world } = engine;
  const rendered = renderMessage(config.mail.templates[message], {
    product: config.mail.productName,
    origin: lifecycle.linkOrigin(req),
    username: user.username,
    name,
  });
  const id = randomBase64url(world.random, 16);
  await storeCall("account", () =>
    lifecycle.store.enqueueMessage({ id, to: user.email, ...rendered, createdAt: world.clock.now() }),
  );
}
