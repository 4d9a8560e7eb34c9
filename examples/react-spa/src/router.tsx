import { useSyncExternalStore, type MouseEvent, type ReactElement, type ReactNode } from "react";

// A router of a few lines, so the example needs no routing library: the page is chosen by
// location.pathname, and links use history.pushState. The server answers index.html for
// these paths (latchkey serve --spa, nginx's try_files, Vite's dev server).

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

function currentUrl(): string {
  return location.pathname + location.search;
}

/** Goes to `to` (a path with an optional query) without reloading the page. */
export function navigate(to: string): void {
  history.pushState(null, "", to);
  for (const listener of [...listeners]) listener();
}

/** The current path and query, re-rendering on navigation and the back button. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const url = useSyncExternalStore(subscribe, currentUrl, () => "/");
  const parsed = new URL(url, "http://page");
  return { path: parsed.pathname, query: parsed.searchParams };
}

/** An `<a>` that navigates inside the app (a plain link for a new tab or a modified click). */
export function Link({ to, children, testId }: { to: string; children: ReactNode; testId?: string }): ReactElement {
  function onClick(event: MouseEvent<HTMLAnchorElement>): void {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  }
  return (
    <a href={to} data-testid={testId} onClick={onClick}>
      {children}
    </a>
  );
}
