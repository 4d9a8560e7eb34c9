import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MESSAGE_CATALOGUE, type MessageName, type MessageTemplate } from "./message-catalogue.js";

/** Placeholders every message may use. */
const COMMON_PLACEHOLDERS = ["product", "origin", "username", "email"] as const;

/** The messages that carry a link: their text and HTML must keep `{link}`. */
const LINK_MESSAGES: ReadonlySet<MessageName> = new Set(["verifyEmail", "resetPassword", "confirmEmailChange"]);

/** A placeholder: `{name}` with a name of letters, digits and `_`. Other braces are text. */
const PLACEHOLDER = /\{(\w+)\}/g;

/** The placeholders a built-in message uses (the values it is rendered with), beyond the common ones. */
function placeholdersOf(template: MessageTemplate): string[] {
  const names = new Set<string>(COMMON_PLACEHOLDERS);
  for (const value of [template.subject, template.text, template.html]) {
    for (const match of value.matchAll(PLACEHOLDER)) names.add(match[1] ?? "");
  }
  return [...names];
}

/**
 * The placeholders each message is rendered with (the common ones and those its built-in text
 * uses, e.g. `{link}` and `{hours}`, or a passkey's `{name}`); any other `{name}` in an
 * override is refused.
 */
export const MESSAGE_PLACEHOLDERS: Readonly<Record<MessageName, readonly string[]>> = Object.freeze(
  Object.fromEntries(
    (Object.keys(MESSAGE_CATALOGUE) as MessageName[]).map((name) => [
      name,
      Object.freeze(placeholdersOf(MESSAGE_CATALOGUE[name])),
    ]),
  ) as Record<MessageName, readonly string[]>,
);

/**
 * The three parts of a message and the file each is read from: `<message>.subject.txt`, `<message>.txt`,
 * `<message>.html`.
 */
const PARTS: readonly { part: keyof MessageTemplate; suffix: string }[] = [
  { part: "subject", suffix: ".subject.txt" },
  { part: "text", suffix: ".txt" },
  { part: "html", suffix: ".html" },
];

/**
 * The problems of a message template (its parts as given; missing parts are the
 * catalogue's): a placeholder the message is not rendered with (a typo such as `{usename}`
 * would otherwise reach users as is), an empty part, or a message with a link whose text
 * or HTML lacks `{link}` (the user could not act on it).
 */
export function templateProblems(
  name: MessageName,
  template: Partial<MessageTemplate>,
  where: (part: keyof MessageTemplate) => string,
): string[] {
  const allowed = MESSAGE_PLACEHOLDERS[name];
  const problems: string[] = [];
  for (const { part } of PARTS) {
    const value = template[part];
    if (value === undefined) continue;
    if (value.trim() === "") problems.push(`${where(part)}: is empty`);
    for (const match of value.matchAll(PLACEHOLDER)) {
      const placeholder = match[1] ?? "";
      if (!allowed.includes(placeholder))
        problems.push(
          `${where(part)}: unknown placeholder {${placeholder}} (${name} knows ${allowed.map((p) => `{${p}}`).join(", ")})`,
        );
    }
    if (LINK_MESSAGES.has(name) && part !== "subject" && !value.includes("{link}"))
      problems.push(`${where(part)}: must contain {link} (the ${name} message carries a link)`);
  }
  return problems;
}

/**
 * Reads message templates from a folder: for each message, `<message>.subject.txt`,
 * `<message>.txt` (plain text) and `<message>.html` (the HTML body, placed inside a minimal
 * document), each optional (a missing one keeps the catalogue's). Files are UTF-8; the
 * subject's surrounding whitespace is dropped. Dotfiles are ignored; any other file, an
 * unreadable one or a template with problems ({@link templateProblems}) is reported, so a
 * misnamed file cannot silently leave the default text in place.
 */
export function loadTemplateFiles(dir: string): {
  templates: Partial<Record<MessageName, Partial<MessageTemplate>>>;
  problems: string[];
} {
  const problems: string[] = [];
  const templates: Partial<Record<MessageName, Partial<MessageTemplate>>> = {};
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    return {
      templates,
      problems: [
        `mail.templatesDir: cannot read the folder ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      ],
    };
  }
  const names = Object.keys(MESSAGE_CATALOGUE) as MessageName[];
  for (const file of entries.sort()) {
    if (file.startsWith(".")) continue;
    const match = names.flatMap((name) =>
      PARTS.filter(({ suffix }) => file === `${name}${suffix}`).map(({ part }) => ({ name, part })),
    )[0];
    if (match === undefined) {
      problems.push(
        `mail.templatesDir: ${file} is not a template file (expected <message>.subject.txt, <message>.txt or <message>.html, with <message> one of ${names.join(", ")})`,
      );
      continue;
    }
    let content: string;
    try {
      content = readFileSync(join(dir, file), "utf8");
    } catch (error) {
      problems.push(
        `mail.templatesDir: cannot read ${join(dir, file)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
      continue;
    }
    const template = templates[match.name] ?? {};
    template[match.part] = match.part === "subject" ? content.trim() : content;
    templates[match.name] = template;
  }
  for (const name of names) {
    const template = templates[name];
    if (template === undefined) continue;
    problems.push(
      ...templateProblems(
        name,
        template,
        (part) => `mail.templatesDir: ${join(dir, `${name}${PARTS.find((p) => p.part === part)?.suffix ?? ""}`)}`,
      ),
    );
  }
  return { templates, problems };
}
