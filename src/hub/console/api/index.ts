// The console's API route groups, registered under /console/api (plugin.ts). A page that needs routes of its
// own adds one module file here and one line below.
import type { ConsoleApiModule } from './module';
import { contextApi } from './context';
import { queueApi } from './queue';
import { reportsApi } from './reports';
import { sessionApi } from './session';

export const CONSOLE_API: readonly ConsoleApiModule[] = [sessionApi, contextApi, queueApi, reportsApi];
