import type { MessageName, MessageTemplate } from "./message-catalogue.js";

/** A rendered message. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML: a username like `<script>` is shown, never run (stored XSS in mail clients). */
function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

function fill(template: string, values: Readonly<Record<string, string>>, escape: (v: string) => string): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : escape(value);
  });
}

/**
 * Renders a message from its template: the subject and text as they are (subject line
 * breaks removed, so a value cannot inject headers), the HTML with every value escaped and
 * wrapped in a minimal document.
 */
export function renderMessage(template: MessageTemplate, values: Readonly<Record<string, string>>): RenderedMessage {
  const subject = fill(template.subject, values, (v) => v).replace(/[\r\n]+/g, " ");
  const text = fill(template.text, values, (v) => v);
  const body = fill(template.html, values, escapeHtml);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>${body}</body></html>`;
  return { subject, text, html };
}

/** The templates in use: the catalogue's, with the app's overrides on top. */
export type MessageTemplates = Readonly<Record<MessageName, MessageTemplate>>;
