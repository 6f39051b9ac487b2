// The shape of a console page (registry.ts lists them). A leaf, so that pages and the registry do not import each other.
import type { ComponentType } from 'preact';

export type ConsoleRoleName = 'clerk' | 'admin';

export interface ConsolePage {
  /** The URL fragment: /console/#/<id>. Lower-case letters, digits and dashes. */
  id: string;
  title: { en: string; es: string };
  /** Who may open it; the API checks again on every call. */
  roles: readonly ConsoleRoleName[];
  /** Shown in the navigation (default true); false for pages reached by a link (a record's history). */
  nav?: boolean;
  /** `params` are the query of the fragment: /console/#/<id>?student=123. */
  component: ComponentType<{ params: URLSearchParams }>;
}
