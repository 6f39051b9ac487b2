// The console's pages. ADDING A PAGE is one file plus one line:
//   1. write pages/<name>.tsx exporting a ConsolePage: { id, title: { en, es }, roles, component };
//      the component reads the session and policy with useConsole(), its texts with useText({ en, es }), and
//      calls the API with apiGet/apiSend (api.ts; the CSRF proof is added for you);
//   2. add it to PAGES below (the order is the navigation's order).
// The page is then at /console/#/<id>, in the navigation for the roles it names, and refused (with a message)
// for other roles. Its API routes, if it needs new ones, go in src/hub/console/api/ (see index.ts there).
import { devicesPage, policyHistoryPage, tokensPage } from './admin';
import { consentsPage } from './consents';
import { emergenciesPage } from './emergencies';
import { historyPage } from './history';
import { boardReportPage } from './board-report';
import { disclosurePage } from './disclosure';
import { homePage } from './home';
import { importPage } from './import';
import { optOutsPage } from './optouts';
import { queuePage } from './queue';
import { rosterPage } from './roster';

export type { ConsolePage, ConsoleRoleName } from './page';
import type { ConsolePage } from './page';

export const PAGES: readonly ConsolePage[] = [
  homePage,
  queuePage,
  devicesPage,
  policyHistoryPage,
  tokensPage,
  consentsPage,
  importPage,
  optOutsPage,
  emergenciesPage,
  historyPage,
  boardReportPage,
  disclosurePage,
  rosterPage,
];
