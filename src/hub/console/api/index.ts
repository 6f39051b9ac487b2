// The console's API route groups, registered under /console/api (plugin.ts). A page that needs routes of its
// own adds one module file here and one line below.
import type { ConsoleApiModule } from './module';
import { adminApi } from './admin';
import { consentsApi } from './consents';
import { contextApi } from './context';
import { emergenciesApi } from './emergencies';
import { historyApi } from './history';
import { optOutsApi } from './optouts';
import { queueApi } from './queue';
import { reportsApi } from './reports';
import { sessionApi } from './session';

export const CONSOLE_API: readonly ConsoleApiModule[] = [
  sessionApi,
  contextApi,
  queueApi,
  consentsApi,
  emergenciesApi,
  historyApi,
  optOutsApi,
  adminApi,
  reportsApi,
];
