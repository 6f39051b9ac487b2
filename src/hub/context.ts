import type { HubConfig } from './config';
import type { Db } from './db';
import type { PolicyStore } from './policy';
import type { TokenCache } from './tokens';

/** What every route module gets: the configuration, the database, the policy store and the clock. */
export interface HubContext {
  config: HubConfig;
  db: Db;
  policies: PolicyStore;
  now: () => Date;
  tokens: TokenCache;
}
